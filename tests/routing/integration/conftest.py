"""Routing in-process on the real broker and each database, for every integration test here."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from services.routing.app import create_app
from services.routing.config import RoutingSettings
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support.services import in_process, settings_for


@pytest_asyncio.fixture
async def routing(
    kafka_bootstrap: str, topics: Topics, database_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    async with in_process(
        create_app, settings_for(RoutingSettings, kafka_bootstrap, topics, database_url)
    ) as running:
        yield running
