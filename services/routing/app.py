"""Routing: assigns each case to a department and runs the handler workbench."""

from __future__ import annotations

import json
from functools import partial

from fastapi import FastAPI

from services.routing import handlers
from services.routing.api import router
from services.routing.config import RoutingSettings
from services.routing.db import TABLES
from shared.events import DeadlineSet, SubmissionReceived
from shared.http import build_app
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

    async def seed() -> None:
        await handlers.seed_office(runtime, json.loads(settings.seed_file.read_text()))

    return build_app(
        runtime,
        title="routing",
        description="Assigns cases to departments; the handler workbench.",
        router=router,
        prepare=seed,
    )
