"""Tracking: keeps every case's statutory clocks on the Chinese working-day calendar."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.tracking import handlers
from services.tracking.api import router
from services.tracking.config import TrackingSettings
from services.tracking.db import TABLES
from shared.calendar_data import default_calendar
from shared.events import (
    CaseAssigned,
    CaseClosed,
    CaseReplied,
    DeadlineExtended,
    SubmissionReceived,
    SupplementReceived,
    SupplementRequested,
    ThirdPartyConsulted,
    ThirdPartyReplied,
)
from shared.http import build_app
from shared.runtime import ServiceRuntime
from shared.topics import CASE_EVENTS


def create_app(settings: TrackingSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, TABLES)
    calendar = default_calendar()
    rules = settings.clock_rules
    runtime.consume(
        "tracking",
        CASE_EVENTS,
        {
            SubmissionReceived: partial(handlers.on_submission_received, calendar=calendar, rules=rules),
            CaseAssigned: partial(handlers.on_case_assigned, calendar=calendar, rules=rules),
            CaseReplied: handlers.on_case_replied,
            DeadlineExtended: partial(handlers.on_deadline_extended, calendar=calendar),
            SupplementRequested: handlers.on_supplement_requested,
            SupplementReceived: partial(handlers.on_supplement_received, calendar=calendar),
            ThirdPartyConsulted: partial(handlers.on_third_party_consulted, calendar=calendar, rules=rules),
            ThirdPartyReplied: partial(handlers.on_third_party_replied, calendar=calendar),
            CaseClosed: handlers.on_case_closed,
        },
    )
    runtime.in_background(lambda: handlers.watch_deadlines(runtime, calendar, settings.alarm_check_seconds))
    return build_app(
        runtime,
        title="tracking",
        description="Statutory and service deadlines in Chinese working days.",
        router=router,
    )
