"""Routing: assigns each case to a department and runs the handler workbench."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from services.routing import handlers
from services.routing.api import router
from services.routing.config import RoutingSettings
from services.routing.db import TABLES
from shared.events import DeadlineSet, SubmissionReceived
from shared.http import BodySizeLimit, install_common
from shared.runtime import ServiceRuntime
from shared.topics import CASE_EVENTS


def create_app(settings: RoutingSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, TABLES)
    runtime.consume(
        "routing",
        CASE_EVENTS,
        {
            SubmissionReceived: partial(
                handlers.on_submission_received, triage_department=settings.triage_department
            ),
            DeadlineSet: handlers.on_deadline_set,
        },
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async def seed() -> None:
            await handlers.seed_office(runtime, json.loads(settings.seed_file.read_text()))

        async with runtime.running(prepare=seed):
            yield

    app = FastAPI(
        title="Civic Channels — routing",
        version="1",
        description="Assigns cases to departments; the handler workbench.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.jwt_key = settings.jwt_key
    app.include_router(router)
    install_common(
        app,
        broker_getter=lambda: runtime.broker,
        health_checks=lambda: [runtime.check_database, runtime.check_broker],
        service="routing",
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
