"""Publishing: what the public sees — consented replies with personal data masked, consultations."""

from __future__ import annotations

from fastapi import FastAPI

from services.publishing import handlers
from services.publishing.api import router
from services.publishing.config import PublishingSettings
from services.publishing.db import TABLES
from shared.events import CaseReplied, SubmissionReceived
from shared.http import build_app
from shared.runtime import ServiceRuntime
from shared.topics import CASE_EVENTS


def create_app(settings: PublishingSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, TABLES)
    runtime.consume(
        "publishing",
        CASE_EVENTS,
        {SubmissionReceived: handlers.on_submission_received, CaseReplied: handlers.on_case_replied},
    )
    return build_app(
        runtime,
        title="publishing",
        description="Published replies, consultations and statistics, after review and masking.",
        router=router,
    )
