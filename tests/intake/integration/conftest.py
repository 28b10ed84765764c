"""Intake in-process on the real broker and each database, for the integration tests here."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from services.intake.app import create_app
from services.intake.config import IntakeSettings
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support.services import in_process, settings_for


@pytest_asyncio.fixture
async def intake(
    kafka_bootstrap: str, topics: Topics, database_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    settings = settings_for(IntakeSettings, kafka_bootstrap, topics, database_url)
    async with in_process(create_app, settings) as running:
        yield running
