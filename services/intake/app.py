"""Intake: takes submissions in, publishes ``submission.received``, keeps the citizen's view."""

from __future__ import annotations

import json
from functools import partial

from fastapi import FastAPI

from services.intake import erasure, handlers, questions
from services.intake.api import router
from services.intake.config import IntakeSettings
from services.intake.db import SCHEMA
from services.intake.interview_book import interview_unit_of_work
from services.intake.limits import ClientLimits, DatabaseWindow
from services.intake.notice_shelf import keep_notice, notices_unit_of_work
from services.intake.notifications.messages import TOLD
from services.intake.notifications.sending import NotificationSender, senders_from, watch_notifications
from services.intake.notifications.telling import (
    notifying_unit_of_work,
    tell_askers,
    tell_citizen,
    tell_commenters,
)
from services.intake.pages import pages
from services.intake.staff_pages import staff_pages
from services.intake.unit_of_work import intake_unit_of_work
from shared.codes import ClockKind, on_answer_clock
from shared.consumer import ConsumerSpec, only_when
from shared.events import (
    AdoptionReportPublished,
    CaseAccepted,
    CaseAssigned,
    CaseClosed,
    CaseKeyIssued,
    CasePublicationWithdrawn,
    CasePublished,
    CaseRated,
    CaseReopened,
    CaseReplied,
    CaseReturned,
    ConsultationClosed,
    ConsultationOpened,
    DeadlineExtended,
    DeadlineLapsed,
    DeadlineSet,
    InterviewClosed,
    InterviewScheduled,
    InterviewTranscriptPublished,
    NoticeDownloaded,
    NoticeIssued,
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
    CasePublicationWithdrawn,
)


"""What the citizen sees of other services' events; intake's own (the supplement, the rating) are
applied as they are emitted (`handlers.project`)."""


def shown_to_the_citizen(payload: object) -> bool:
    """Whether a deadline event is about a date the citizen's page shows: the answer's, or their own
    supplement deadline (补正期限)."""
    return on_answer_clock(payload) or getattr(payload, "clock", None) is ClockKind.SUPPLEMENT_DUE


SENDS = (
    SubmissionReceived,
    SubmissionRefused,
    SupplementReceived,
    CaseRated,
    CaseKeyIssued,
    PersonalDataErased,
    NoticeDownloaded,
)
"""Every event intake emits (its AsyncAPI document; `tests/contracts` keeps it true to the code)."""

CONSUMERS = [
    ConsumerSpec(
        "intake-case-view",
        CASE_EVENTS,
        {
            **dict.fromkeys(CITIZEN_VISIBLE, on_view),
            DeadlineSet: only_when(shown_to_the_citizen, on_view),  # the due dates shown
            DeadlineLapsed: only_when(shown_to_the_citizen, on_view),  # the supplement deadline passed
            NoticeIssued: consumed(keep_notice, notices_unit_of_work),  # the applicant's 告知书
        },
    ),
    ConsumerSpec(
        "intake-consultations",
        CONSULTATION_EVENTS,
        {
            ConsultationOpened: consumed(handlers.on_consultation_opened, intake_unit_of_work),
            ConsultationClosed: consumed(handlers.on_consultation_closed, intake_unit_of_work),
            InterviewScheduled: consumed(questions.on_interview_scheduled, interview_unit_of_work),
            InterviewClosed: consumed(questions.on_interview_closed, interview_unit_of_work),
            InterviewTranscriptPublished: consumed(questions.on_transcript_published, interview_unit_of_work),
        },
    ),
]
"""Intake's consumer groups: pure projections, so a replay runs them as they are."""

TELL_CITIZEN = consumed(tell_citizen, notifying_unit_of_work)

NOTIFYING = [
    ConsumerSpec(
        "intake-notify-cases",
        CASE_EVENTS,
        {
            **dict.fromkeys(TOLD, TELL_CITIZEN),
            DeadlineSet: only_when(on_answer_clock, TELL_CITIZEN),  # a reply date: nothing else is told
        },
        rebuild={},
    ),
    ConsumerSpec(
        "intake-notify-consultations",
        CONSULTATION_EVENTS,
        {
            AdoptionReportPublished: consumed(tell_commenters, notifying_unit_of_work),
            InterviewTranscriptPublished: consumed(tell_askers, notifying_unit_of_work),
        },
        rebuild={},
    ),
]
"""The groups that tell citizens (`services.intake.notifications`): apart from the view's, so that
telling never holds the view up; a replay tells no one again (``rebuild`` does nothing)."""


def create_app(settings: IntakeSettings) -> FastAPI:
    runtime = ServiceRuntime(
        settings,
        SCHEMA,
        sends=SENDS,
        projector=handlers.project,
        keyring=Keyring(settings.case_key_secret),
    )
    runtime.consume_all([*CONSUMERS, *NOTIFYING])
    sender = NotificationSender(
        runtime.database,
        senders_from(settings),
        office=settings.office_name,
        portal_url=settings.portal_url,
        attempts=settings.notify_attempts,
        backoff_seconds=settings.notify_backoff_seconds,
    )
    runtime.in_background(partial(sender.run, settings.notify_poll_seconds))
    watch_notifications(runtime.metrics, runtime.database)
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
