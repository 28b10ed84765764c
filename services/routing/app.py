"""Routing: assigns each case to a department and runs the handler workbench."""

from __future__ import annotations

import json
from functools import partial

from fastapi import FastAPI

from services.routing import actions, handlers
from services.routing.actions import Office
from services.routing.api import router
from services.routing.config import RoutingSettings
from services.routing.db import SCHEMA
from services.routing.pages import pages
from services.routing.similarity import ClusterIndex
from services.routing.workflow import ExtensionRules
from shared.calendar_store import LiveCalendar, keep_calendar_year, seed_calendar
from shared.events import (
    CalendarUpdated,
    CaseRated,
    DeadlineBreached,
    DeadlineSet,
    DeadlineWarning,
    ReviewRejected,
    SubmissionReceived,
    SupplementReceived,
)
from shared.http import build_app
from shared.runtime import ServiceRuntime
from shared.topics import CALENDAR_EVENTS, CASE_EVENTS


def create_app(settings: RoutingSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, SCHEMA)
    clusters = ClusterIndex(settings.similarity_threshold)
    office = Office(
        calendar=LiveCalendar(),
        triage_department=settings.triage_department,
        max_returns=settings.max_returns,
        return_window_days=settings.return_window_days,
        supplement_window_days=settings.supplement_window_days,
        extension=ExtensionRules(settings.disclosure_extension_days, settings.mailbox_extension_days),
    )
    runtime.consume(
        "routing",
        CASE_EVENTS,
        {
            SubmissionReceived: partial(
                handlers.on_submission_received,
                triage_department=settings.triage_department,
                clusters=clusters,
            ),
            DeadlineSet: handlers.on_deadline_set,
            DeadlineWarning: handlers.on_deadline_card,
            DeadlineBreached: handlers.on_deadline_card,
            SupplementReceived: actions.on_supplement_received,
            CaseRated: actions.on_case_rated,
            ReviewRejected: actions.on_review_rejected,
        },
    )

    runtime.consume(
        "routing-calendar",
        CALENDAR_EVENTS,
        {CalendarUpdated: partial(keep_calendar_year, calendar=office.calendar)},
    )

    async def seed() -> None:
        async with runtime.database.transaction() as session:
            await seed_calendar(session)
            await office.calendar.refresh(session)
        await handlers.seed_office(runtime, json.loads(settings.seed_file.read_text()))
        await handlers.load_clusters(runtime, clusters)

    app = build_app(
        runtime,
        title="routing",
        description="Assigns cases to departments; the handler workbench.",
        router=router,
        pages=pages,
        prepare=seed,
    )
    app.state.office = office
    return app
