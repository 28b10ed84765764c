"""Intake: takes submissions in, publishes ``submission.received``, keeps the citizen's view."""

from __future__ import annotations

import json
from functools import partial

from fastapi import FastAPI

from services.intake import erasure, handlers
from services.intake.api import router
from services.intake.config import IntakeSettings
from services.intake.db import SCHEMA
from services.intake.limits import ClientLimits, DatabaseWindow
from services.intake.pages import pages
from services.intake.staff_pages import staff_pages
from services.intake.unit_of_work import intake_unit_of_work
from shared.codes import on_answer_clock
from shared.consumer import ConsumerSpec, only_when
from shared.events import (
    CaseAccepted,
    CaseAssigned,
    CaseClosed,
    CaseKeyIssued,
    CasePublished,
    CaseRated,
    CaseReopened,
    CaseReplied,
    CaseReturned,
    ConsultationClosed,
    ConsultationOpened,
    DeadlineExtended,
    DeadlineSet,
    PersonalDataErased,
    SubmissionReceived,
    SubmissionRefused,
    SupplementReceived,
    SupplementRequested,
)
from shared.http import build_app
from shared.keyring import Keyring
from shared.runtime import ServiceRuntime
from shared.topics import CASE_EVENTS, CONSULTATION_EVENTS
from shared.uow import consumed

on_view = consumed(handlers.on_case_event, intake_unit_of_work)
"""The citizen view's reaction on the view book of the consumer's transaction."""

CITIZEN_VISIBLE = (
    CaseAssigned,
    CaseReturned,
    CaseAccepted,
    SupplementRequested,
    DeadlineSet,
    DeadlineExtended,
    CaseReplied,
    CaseReopened,
    CaseClosed,
    CasePublished,
)


"""What the citizen sees of other services' events; intake's own (the supplement, the rating) are
applied as they are emitted (`handlers.project`)."""

SENDS = (
    SubmissionReceived,
    SubmissionRefused,
    SupplementReceived,
    CaseRated,
    CaseKeyIssued,
    PersonalDataErased,
)
"""Every event intake emits (its AsyncAPI document; `tests/contracts` keeps it true to the code)."""

CONSUMERS = [
    ConsumerSpec(
        "intake-case-view",
        CASE_EVENTS,
        {
            **dict.fromkeys(CITIZEN_VISIBLE, on_view),
            DeadlineSet: only_when(on_answer_clock, on_view),  # the due date shown
        },
    ),
    ConsumerSpec(
        "intake-consultations",
        CONSULTATION_EVENTS,
        {
            ConsultationOpened: consumed(handlers.on_consultation_opened, intake_unit_of_work),
            ConsultationClosed: consumed(handlers.on_consultation_closed, intake_unit_of_work),
        },
    ),
]
"""Intake's consumer groups: pure projections, so a replay runs them as they are."""


def create_app(settings: IntakeSettings) -> FastAPI:
    runtime = ServiceRuntime(
        settings,
        SCHEMA,
        sends=SENDS,
        projector=handlers.project,
        keyring=Keyring(settings.case_key_secret),
    )
    runtime.consume_all(CONSUMERS)
    runtime.in_background(
        partial(
            erasure.run_retention,
            runtime,
            retention_days=settings.retention_days,
            every_seconds=settings.retention_check_seconds,
        )
    )

    async def seed() -> None:
        await handlers.seed_mailboxes(runtime, json.loads(settings.mailboxes_file.read_text()))

    app = build_app(
        runtime,
        title="intake",
        description="Citizens write to mailboxes, comment on consultations and apply for information.",
        router=router,
        pages=pages,
        prepare=seed,
    )
    app.include_router(staff_pages, include_in_schema=False)
    app.state.retention_days = settings.retention_days
    app.add_middleware(
        ClientLimits,
        submissions=DatabaseWindow(
            runtime.database,
            runtime.group_commit,
            "submission",
            settings.submissions_per_client,
            settings.submission_window_seconds,
        ),
        lookup_misses=DatabaseWindow(
            runtime.database,
            runtime.group_commit,
            "lookup-miss",
            settings.lookup_misses_per_client,
            settings.lookup_window_seconds,
        ),
        jwt_key=settings.jwt_key,
        trusted_proxies=settings.trusted_proxies,
    )
    return app
