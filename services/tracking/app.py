"""Tracking: keeps every case's statutory clocks on the Chinese working-day calendar."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from services.tracking import handlers
from services.tracking.api import router
from services.tracking.calendar_data import default_calendar
from services.tracking.config import TrackingSettings
from services.tracking.db import TABLES
from shared.events import CaseAssigned, CaseClosed, CaseReplied, SubmissionReceived
from shared.http import BodySizeLimit, install_common
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
            CaseClosed: handlers.on_case_closed,
        },
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with runtime.running():
            yield

    app = FastAPI(
        title="Civic Channels — tracking",
        version="1",
        description="Statutory and service deadlines in Chinese working days.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.jwt_key = settings.jwt_key
    app.include_router(router)
    install_common(
        app,
        broker_getter=lambda: runtime.broker,
        health_checks=lambda: [runtime.check_database, runtime.check_broker],
        service="tracking",
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
