"""Tracking: keeps every case's statutory clocks on the Chinese working-day calendar."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from services.tracking import alarms, calendar_updates, handlers, supervised
from services.tracking.api import router
from services.tracking.clock_book import SqlClockBook, TrackingUnitOfWork
from services.tracking.config import TrackingSettings
from services.tracking.db import SCHEMA
from services.tracking.figures import count_clocks
from services.tracking.pages import pages
from services.tracking.projection import project
from shared.calendar_store import LiveCalendar, keep_calendar_year, seed_calendar
from shared.consumer import ConsumerSpec, EventHandler
from shared.events import (
    AdoptionReportPublished,
    CalendarRecountContinued,
    CalendarUpdated,
    CaseAccepted,
    CaseAssigned,
    CaseClosed,
    CaseReopened,
    CaseReplied,
    CaseReturned,
    CaseSupervised,
    CaseSupervisionAcknowledged,
    ConsultationClosed,
    DeadlineBreached,
    DeadlineExtended,
    DeadlineLapsed,
    DeadlineSet,
    DeadlineWarning,
    Envelope,
    EventPayload,
    SubmissionReceived,
    SubmissionRefused,
    SupplementReceived,
    SupplementRequested,
    ThirdPartyConsulted,
    ThirdPartyReplied,
)
from shared.http import build_app
from shared.runtime import ServiceRuntime
from shared.topics import CALENDAR_EVENTS, CASE_EVENTS, CONSULTATION_EVENTS
from shared.uow import EventUseCase, consumed

SENDS = (
    DeadlineSet,
    DeadlineWarning,
    DeadlineBreached,
    DeadlineLapsed,
    CalendarUpdated,
    CalendarRecountContinued,
)
"""Every event tracking emits (its AsyncAPI document; `tests/contracts` keeps it true to the code)."""


def case_event_handlers(
    calendar: LiveCalendar, settings: TrackingSettings
) -> dict[type[EventPayload], EventHandler]:
    """What tracking does with each case event — used by the consumer and by the replay command."""
    rules = settings.clock_rules
    return on_the_clock_book(
        calendar,
        {
            SubmissionReceived: partial(handlers.on_submission_received, rules=rules),
            CaseAssigned: partial(handlers.on_case_assigned, rules=rules),
            CaseAccepted: handlers.on_case_accepted,
            CaseReturned: handlers.on_case_returned,
            CaseReplied: handlers.on_case_replied,
            CaseReopened: partial(handlers.on_case_reopened, rules=rules),
            DeadlineExtended: handlers.on_deadline_extended,
            SupplementRequested: handlers.on_supplement_requested,
            SupplementReceived: handlers.on_supplement_received,
            ThirdPartyConsulted: partial(handlers.on_third_party_consulted, rules=rules),
            ThirdPartyReplied: handlers.on_third_party_replied,
            CaseClosed: handlers.on_case_closed,
            SubmissionRefused: handlers.on_submission_refused,
            CaseSupervised: supervised.on_case_supervised,
            CaseSupervisionAcknowledged: supervised.on_supervision_acknowledged,
        },
    )


def consultation_event_handlers(
    calendar: LiveCalendar, settings: TrackingSettings
) -> dict[type[EventPayload], EventHandler]:
    rules = settings.clock_rules
    return on_the_clock_book(
        calendar,
        {
            ConsultationClosed: partial(handlers.on_consultation_closed, rules=rules),
            AdoptionReportPublished: handlers.on_adoption_report_published,
        },
    )


def on_the_clock_book(
    calendar: LiveCalendar, table: Mapping[type[EventPayload], EventUseCase[TrackingUnitOfWork]]
) -> dict[type[EventPayload], EventHandler]:
    """Each clock reaction on the clock book of the consumer's transaction, with the calendar made
    current first (one indexed query a transaction)."""

    async def unit_of_work(session: AsyncSession) -> TrackingUnitOfWork:
        await calendar.refresh(session)
        return TrackingUnitOfWork(SqlClockBook(session), calendar)

    return {event: consumed(use_case, unit_of_work) for event, use_case in table.items()}


def consumers(calendar: LiveCalendar, settings: TrackingSettings) -> list[ConsumerSpec]:
    """Tracking's consumer groups. A replay recounts with the same use cases — they decide from the
    events and the calendar as the log had it, nothing else — and stores each announced year first, as
    the admin's request did before ``calendar.updated`` was sent."""

    async def store_then_recount(
        session: AsyncSession, envelope: Envelope, payload: CalendarUpdated
    ) -> Sequence[EventPayload]:
        await keep_calendar_year(session, envelope, payload, calendar=calendar)
        return await calendar_updates.recount_whole(session, envelope, payload, calendar=calendar)

    chunk = settings.recount_chunk
    return [
        ConsumerSpec("tracking", CASE_EVENTS, case_event_handlers(calendar, settings)),
        ConsumerSpec(
            "tracking-consultations",
            CONSULTATION_EVENTS,
            consultation_event_handlers(calendar, settings),
        ),
        ConsumerSpec(
            "tracking-calendar",
            CALENDAR_EVENTS,
            {
                CalendarUpdated: partial(
                    calendar_updates.on_calendar_updated, calendar=calendar, chunk=chunk
                ),
                CalendarRecountContinued: partial(
                    calendar_updates.on_recount_continued, calendar=calendar, chunk=chunk
                ),
            },
            rebuild={CalendarUpdated: store_then_recount},
        ),
    ]


def create_app(settings: TrackingSettings) -> FastAPI:
    calendar = LiveCalendar()
    runtime = ServiceRuntime(settings, SCHEMA, sends=SENDS, projector=partial(project, calendar=calendar))
    count_clocks(runtime)
    runtime.consume_all(consumers(calendar, settings))
    runtime.in_background(lambda: alarms.watch_deadlines(runtime, calendar, settings.alarm_check_seconds))

    async def seed() -> None:
        async with runtime.database.transaction() as session:
            await seed_calendar(session)
            await calendar.refresh(session)

    app = build_app(
        runtime,
        title="tracking",
        description="Statutory and service deadlines in Chinese working days.",
        router=router,
        pages=pages,
        prepare=seed,
    )
    app.state.calendar = calendar
    return app
