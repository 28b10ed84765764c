"""Routing: assigns each case to a department and runs the handler workbench."""

from __future__ import annotations

import json
from functools import partial

from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from services.routing import actions, handlers
from services.routing.api import router
from services.routing.clustering import SharedClusters, note_submission, on_submission_clustered
from services.routing.config import RoutingSettings
from services.routing.db import SCHEMA
from services.routing.erasure import scrub_case
from services.routing.identity_provider import IdentityProvider
from services.routing.pages import pages
from services.routing.passwords import Passwords
from services.routing.similarity import ClusterIndex
from services.routing.task_book import Office, RoutingUnitOfWork, project_in, routing_unit_of_work
from shared.calendar_store import LiveCalendar, keep_calendar_year, seed_calendar
from shared.codes import ClockKind, handled_by_a_department, on_answer_clock
from shared.consumer import ConsumerSpec, EventHandler, only_when
from shared.events import (
    CalendarUpdated,
    CaseAccepted,
    CaseAssigned,
    CaseClosed,
    CaseClustered,
    CaseRated,
    CaseReopened,
    CaseReplied,
    CaseReturned,
    CaseSupervised,
    CaseSupervisionAcknowledged,
    DeadlineBreached,
    DeadlineExtended,
    DeadlineLapsed,
    DeadlineSet,
    DeadlineWarning,
    NoticeDelivered,
    NoticeDownloaded,
    NoticeIssued,
    ReviewRejected,
    SubmissionReceived,
    SubmissionRefused,
    SupplementReceived,
    SupplementRequested,
    ThirdPartyConsulted,
    ThirdPartyReplied,
)
from shared.http import build_app
from shared.keyring import Keyring, key_feed
from shared.runtime import ServiceRuntime
from shared.topics import CALENDAR_EVENTS, CASE_EVENTS
from shared.uow import EventUseCase, consumed

DEADLINES = (DeadlineSet, DeadlineWarning, DeadlineBreached, DeadlineLapsed)
"""Tracking's word on each clock: the task shows its answer's (`shared.codes.ANSWER_CLOCKS`), and
follows the applicant's supplement deadline and each third party's days (`on_a_followed_clock`)."""
FOLLOWED_CLOCKS = frozenset({ClockKind.SUPPLEMENT_DUE, ClockKind.THIRD_PARTY})


def on_a_followed_clock(payload: object) -> bool:
    """Whether a deadline event is about a clock the task follows: its answer's, the applicant's
    supplement deadline (``other.no_supplement`` waits for it) or a third party's."""
    return on_answer_clock(payload) or getattr(payload, "clock", None) in FOLLOWED_CLOCKS


FOLLOWED = (
    *DEADLINES,
    SupplementReceived,
    SubmissionRefused,
    ReviewRejected,
    NoticeDownloaded,
)
"""Other services' events the task follows, as they are (`services.routing.projection`)."""

SENDS = (
    CaseAssigned,
    CaseClustered,
    CaseReturned,
    CaseAccepted,
    SupplementRequested,
    ThirdPartyConsulted,
    ThirdPartyReplied,
    DeadlineExtended,
    CaseReplied,
    CaseReopened,
    CaseSupervised,
    CaseSupervisionAcknowledged,
    CaseClosed,
    NoticeIssued,
    NoticeDelivered,
)
"""Every event routing emits (its AsyncAPI document; `tests/contracts` keeps it true to the code)."""


def shared_clusters(settings: RoutingSettings) -> SharedClusters:
    return SharedClusters(
        lambda: ClusterIndex(
            settings.similarity_threshold,
            max_candidates=settings.similarity_max_candidates,
            max_cases=settings.similarity_max_cases,
        )
    )


def consumers(settings: RoutingSettings, office: Office, clusters: SharedClusters) -> list[ConsumerSpec]:
    """Routing's consumer groups. In a replay a submission makes its task and no decision: the
    assignment the rules made then, and every change after it, are routing's own events in the log."""

    async def unit_of_work(session: AsyncSession) -> RoutingUnitOfWork:
        return await routing_unit_of_work(session, office)

    def on_tasks(use_case: EventUseCase[RoutingUnitOfWork]) -> EventHandler:
        return consumed(use_case, unit_of_work)

    follow = on_tasks(handlers.follow)
    return [
        ConsumerSpec(
            "routing",
            CASE_EVENTS,
            {
                SubmissionReceived: only_when(
                    handled_by_a_department, on_tasks(handlers.on_submission_received)
                ),
                **dict.fromkeys(FOLLOWED, follow),
                **dict.fromkeys(DEADLINES, only_when(on_a_followed_clock, follow)),
                CaseRated: on_tasks(actions.on_case_rated),
            },
            rebuild={
                SubmissionReceived: only_when(handled_by_a_department, follow),
                **dict.fromkeys(FOLLOWED, follow),
            },
        ),
        ConsumerSpec(
            "routing-similarity",
            CASE_EVENTS,
            {
                SubmissionReceived: only_when(
                    handled_by_a_department, partial(on_submission_clustered, clusters=clusters)
                )
            },
            rebuild={
                SubmissionReceived: only_when(
                    handled_by_a_department, partial(note_submission, clusters=clusters)
                )
            },
        ),
        ConsumerSpec(
            "routing-calendar",
            CALENDAR_EVENTS,
            {CalendarUpdated: partial(keep_calendar_year, calendar=office.calendar)},
        ),
    ]


def create_app(settings: RoutingSettings) -> FastAPI:
    keyring = Keyring(settings.case_key_secret)
    runtime = ServiceRuntime(settings, SCHEMA, sends=SENDS, projector=project_in, keyring=keyring)
    clusters = shared_clusters(settings)
    office = Office(LiveCalendar(), settings.policy())
    runtime.consume_all(
        [
            *consumers(settings, office, clusters),
            key_feed("routing-case-keys", keyring, partial(scrub_case, clusters=clusters)),
        ]
    )

    async def seed() -> None:
        async with runtime.database.transaction() as session:
            await seed_calendar(session)
            await office.calendar.refresh(session)
        await handlers.seed_office(runtime, json.loads(settings.seed_file.read_text()))

    app = build_app(
        runtime,
        title="routing",
        description="Assigns cases to departments; the handler workbench.",
        router=router,
        pages=pages,
        prepare=seed,
    )
    app.state.office = office
    app.state.passwords = Passwords()
    provider = settings.identity_provider()
    app.state.identity_provider = IdentityProvider(provider) if provider is not None else None
    return app
