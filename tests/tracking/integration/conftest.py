"""Tracking in-process on the real broker and each database, for the integration tests here."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from services.tracking.app import create_app
from services.tracking.config import TrackingSettings
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support.services import in_process, settings_for


@pytest_asyncio.fixture
async def tracking(
    kafka_bootstrap: str, topics: Topics, database_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    """The periodic due check is an hour away: tests call it with the day they mean."""
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    async with in_process(create_app, settings) as running:
        yield running
