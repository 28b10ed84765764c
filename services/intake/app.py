"""Intake: takes submissions in, publishes ``submission.received``, keeps the citizen's view."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.intake import handlers
from services.intake.api import router
from services.intake.config import IntakeSettings
from services.intake.db import TABLES
from shared.events import (
    CaseAccepted,
    CaseAssigned,
    CaseClosed,
    CasePublished,
    CaseReopened,
    CaseReplied,
    CaseReturned,
    ConsultationClosed,
    ConsultationOpened,
    DeadlineExtended,
    DeadlineSet,
    SupplementReceived,
    SupplementRequested,
)
from shared.http import BodySizeLimit, install_common
from shared.runtime import ServiceRuntime
from shared.topics import CASE_EVENTS, CONSULTATION_EVENTS

CITIZEN_VISIBLE = (
    CaseAssigned,
    CaseReturned,
    CaseAccepted,
    SupplementRequested,
    SupplementReceived,
    DeadlineSet,
    DeadlineExtended,
    CaseReplied,
    CaseReopened,
    CaseClosed,
    CasePublished,
)


def create_app(settings: IntakeSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, TABLES)
    runtime.consume("intake-case-view", CASE_EVENTS, dict.fromkeys(CITIZEN_VISIBLE, handlers.on_case_event))
    runtime.consume(
        "intake-consultations",
        CONSULTATION_EVENTS,
        {
            ConsultationOpened: handlers.on_consultation_opened,
            ConsultationClosed: handlers.on_consultation_closed,
        },
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async def seed() -> None:
            await handlers.seed_mailboxes(runtime, json.loads(settings.mailboxes_file.read_text()))

        async with runtime.running(prepare=seed):
            yield

    app = FastAPI(
        title="Civic Channels — intake",
        version="1",
        description="Citizens write to mailboxes, comment on consultations and apply for information.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.jwt_key = settings.jwt_key
    app.include_router(router)
    install_common(
        app,
        broker_getter=lambda: runtime.broker,
        health_checks=lambda: [runtime.check_database, runtime.check_broker],
        service="intake",
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
