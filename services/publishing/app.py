"""Publishing: what the public sees — reviewed, masked replies and adoption reports, consultations,
statistics and the annual disclosure report."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from fastapi import APIRouter, FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from services.publishing import handlers, interviews, records
from services.publishing.api import router
from services.publishing.config import PublishingSettings
from services.publishing.db import SCHEMA
from services.publishing.erasure import scrub_case
from services.publishing.figures import count_review_queue
from services.publishing.interview_api import interview_routes
from services.publishing.pages import pages
from services.publishing.unit_of_work import PublishingUnitOfWork, publishing_unit_of_work
from shared.calendar_store import LiveCalendar, keep_calendar_year, seed_calendar
from shared.codes import ClockKind
from shared.consumer import ConsumerSpec, EventHandler, only_when
from shared.events import (
    AdoptionReportPublished,
    AdoptionReportRejected,
    AdoptionReportWithdrawn,
    CalendarUpdated,
    CaseAssigned,
    CasePublicationWithdrawn,
    CasePublished,
    CaseRated,
    CaseReopened,
    CaseReplied,
    ConsultationClosed,
    ConsultationOpened,
    DeadlineSet,
    EventPayload,
    InterviewClosed,
    InterviewScheduled,
    InterviewTranscriptPublished,
    ReviewRejected,
    SubmissionReceived,
    SubmissionRefused,
)
from shared.http import build_app
from shared.keyring import Keyring, key_feed
from shared.runtime import ServiceRuntime
from shared.topics import CALENDAR_EVENTS, CASE_EVENTS
from shared.uow import Delivered, EventUseCase, consumed

SENDS = (
    ConsultationOpened,
    ConsultationClosed,
    CasePublished,
    ReviewRejected,
    AdoptionReportPublished,
    AdoptionReportRejected,
    CasePublicationWithdrawn,
    AdoptionReportWithdrawn,
    InterviewScheduled,
    InterviewClosed,
    InterviewTranscriptPublished,
)
"""Every event publishing emits (its AsyncAPI document; `tests/contracts` keeps it true to the code)."""


def each(*use_cases: EventUseCase[PublishingUnitOfWork]) -> EventUseCase[PublishingUnitOfWork]:
    """Several use cases reacting to the same event, on one unit of work, in order."""

    async def react(event: Delivered[Any], uow: PublishingUnitOfWork) -> Sequence[EventPayload]:
        emitted: list[EventPayload] = []
        for use_case in use_cases:
            emitted += await use_case(event, uow)
        return emitted

    return react


def consumers(settings: PublishingSettings, calendar: LiveCalendar) -> list[ConsumerSpec]:
    """Publishing's consumer groups. A replay rebuilds what follows from the events alone — the figures
    (`records`), the consented letters and the comments with their adoption decisions — and sends no
    reply to review again: the review queue and what it published are publishing's own record."""

    async def unit_of_work(session: AsyncSession) -> PublishingUnitOfWork:
        return await publishing_unit_of_work(session, calendar)

    def on_books(use_case: EventUseCase[PublishingUnitOfWork]) -> EventHandler:
        return consumed(use_case, unit_of_work)

    projection: dict[type[EventPayload], EventUseCase[PublishingUnitOfWork]] = {
        SubmissionReceived: each(
            handlers.on_submission_received, partial(records.on_submission_received, secret=settings.jwt_key)
        ),
        CaseAssigned: records.on_case_assigned,
        DeadlineSet: records.on_deadline_set,
        CaseReplied: each(handlers.on_comment_answered, records.on_case_replied),
        CaseReopened: records.on_case_reopened,
        CaseRated: records.on_case_rated,
        SubmissionRefused: handlers.on_submission_refused,
    }
    to_review = partial(handlers.on_case_replied, rules=settings.review_rules())
    rebuilt = {event: on_books(use_case) for event, use_case in projection.items()}
    rebuilt[DeadlineSet] = only_when(lambda deadline: deadline.clock is ClockKind.REPLY, rebuilt[DeadlineSet])
    return [
        ConsumerSpec(
            "publishing",
            CASE_EVENTS,
            {
                **rebuilt,
                # An interview's questions, and what its moderators made of them, are publishing's own
                # record (like the review queue): taken up live, never rebuilt.
                SubmissionReceived: on_books(
                    each(projection[SubmissionReceived], interviews.on_question_received)
                ),
                CaseReplied: on_books(each(projection[CaseReplied], to_review)),
            },
            rebuild=rebuilt,
        ),
        ConsumerSpec(
            "publishing-calendar",
            CALENDAR_EVENTS,
            {CalendarUpdated: partial(keep_calendar_year, calendar=calendar)},
        ),
    ]


def _api_routes() -> APIRouter:
    """Publishing's API: its routes and the online interviews' (`services.publishing.interview_api`)."""
    routes = APIRouter()
    routes.include_router(router)
    routes.include_router(interview_routes)
    return routes


def create_app(settings: PublishingSettings) -> FastAPI:
    keyring = Keyring(settings.case_key_secret)
    runtime = ServiceRuntime(settings, SCHEMA, sends=SENDS, keyring=keyring)
    count_review_queue(runtime)
    api_routes = _api_routes()
    calendar = LiveCalendar()
    runtime.consume_all(
        [*consumers(settings, calendar), key_feed("publishing-case-keys", keyring, scrub_case)]
    )

    async def seed() -> None:
        async with runtime.database.transaction() as session:
            await seed_calendar(session)
            await calendar.refresh(session)

    app = build_app(
        runtime,
        title="publishing",
        description="Reviewed, masked replies and adoption reports; consultations; statistics; the annual report.",
        router=api_routes,
        pages=pages,
        prepare=seed,
    )
    app.state.calendar = calendar
    return app
