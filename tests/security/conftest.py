"""Each service in-process on the real broker and each database, for the security tier."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from services.intake.app import create_app as intake_app
from services.intake.config import IntakeSettings
from services.publishing.app import create_app as publishing_app
from services.publishing.config import PublishingSettings
from services.routing.app import create_app as routing_app
from services.routing.config import RoutingSettings
from services.tracking.app import create_app as tracking_app
from services.tracking.config import TrackingSettings
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.topics import Topics
from tests.support import events as support
from tests.support.kafka import RawProducer, TopicReader
from tests.support.services import in_process, settings_for

SERVICES: dict[str, tuple[Callable[[Any], FastAPI], type[ServiceSettings]]] = {
    "intake": (intake_app, IntakeSettings),
    "routing": (routing_app, RoutingSettings),
    "tracking": (tracking_app, TrackingSettings),
    "publishing": (publishing_app, PublishingSettings),
}


@dataclass
class Running:
    name: str
    app: FastAPI
    client: httpx.AsyncClient
    runtime: ServiceRuntime


@pytest_asyncio.fixture(params=list(SERVICES))
async def service(
    request: pytest.FixtureRequest, kafka_bootstrap: str, topics: Topics, database_url: str
) -> AsyncIterator[Running]:
    create, settings_class = SERVICES[request.param]
    settings = settings_for(settings_class, kafka_bootstrap, topics, database_url)
    app = create(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Running(request.param, app, client, app.state.runtime)


@dataclass
class RoutingCase:
    """Routing in-process with one letter assigned to engineering (人防工程管理处) and its similarity decided."""

    client: httpx.AsyncClient
    case_id: str


@pytest_asyncio.fixture
async def routing_case(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> AsyncIterator[RoutingCase]:
    settings = settings_for(RoutingSettings, kafka_bootstrap, topics, database_url)
    async with in_process(routing_app, settings) as (client, _):
        letter = support.letter("人防车位", "车位能否出租？", mailbox="civil-air-defence")
        await producer.send_payloads(topics.case_events, [letter])
        await case_events.wait_for_event(str(letter.case_id), "case.assigned")
        # Similarity is decided apart from the assignment: the case is as it stays once both are out.
        await case_events.wait_for_event(str(letter.case_id), "case.clustered")
        yield RoutingCase(client, str(letter.case_id))
