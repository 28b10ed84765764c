"""Publishing: what the public sees — consented replies with personal data masked, consultations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.publishing import handlers
from services.publishing.api import router
from services.publishing.config import PublishingSettings
from services.publishing.db import TABLES
from shared.events import CaseReplied, SubmissionReceived
from shared.http import BodySizeLimit, install_common
from shared.runtime import ServiceRuntime
from shared.topics import CASE_EVENTS


def create_app(settings: PublishingSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, TABLES)
    runtime.consume(
        "publishing",
        CASE_EVENTS,
        {SubmissionReceived: handlers.on_submission_received, CaseReplied: handlers.on_case_replied},
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with runtime.running():
            yield

    app = FastAPI(
        title="Civic Channels — publishing",
        version="1",
        description="Published replies, consultations and statistics, after review and masking.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.settings = settings
    app.state.jwt_key = settings.jwt_key
    app.include_router(router)
    install_common(
        app,
        broker_getter=lambda: runtime.broker,
        health_checks=lambda: [runtime.check_database, runtime.check_broker],
        service="publishing",
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
