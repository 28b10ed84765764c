"""Publishing in-process on the real broker and each database, for every integration test here."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from services.publishing.app import create_app
from services.publishing.config import PublishingSettings
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support.services import in_process, settings_for


@pytest.fixture
def settings(kafka_bootstrap: str, topics: Topics, database_url: str) -> PublishingSettings:
    return settings_for(PublishingSettings, kafka_bootstrap, topics, database_url)


@pytest_asyncio.fixture
async def publishing(settings: PublishingSettings) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    async with in_process(create_app, settings) as running:
        yield running
