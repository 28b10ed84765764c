"""Fixtures shared by every tier.

- ``kafka``: ONE real Apache Kafka broker per test session, started by the same ``deploy.kafka`` code
  ``make run`` uses (or an existing one from ``CIVIC_TEST_KAFKA_BOOTSTRAP``).
- ``topics``: a fresh topic prefix per test, with every topic created: tests do not see each other's events.
- ``database_url``: each database test runs on SQLite, and on PostgreSQL when ``CIVIC_TEST_POSTGRES_URL``
  is set (CI sets it and ``CIVIC_REQUIRE_POSTGRES=1`` so a missing server fails instead of skipping).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from deploy.kafka.local import LocalKafka, create_topics
from shared.topics import Topics
from tests.support.databases import Databases
from tests.support.kafka import RawProducer, TopicReader


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("CIVIC_TEST_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    broker = LocalKafka(tmp_path_factory.mktemp("kafka"))
    broker.start()
    try:
        asyncio.run(broker.wait_ready())
        yield broker.bootstrap_servers
    finally:
        broker.stop()
        if os.environ.get("CI"):
            print(f"\nKafka log: {broker.log_file}")


@pytest_asyncio.fixture
async def topics(kafka_bootstrap: str) -> Topics:
    prefix = f"t{uuid.uuid4().hex[:10]}-"
    resolved = Topics(prefix)
    await create_topics(kafka_bootstrap, resolved)
    return resolved


@pytest_asyncio.fixture
async def case_events(kafka_bootstrap: str, topics: Topics) -> AsyncIterator[TopicReader]:
    reader = await TopicReader(kafka_bootstrap, topics.case_events).start()
    yield reader
    await reader.stop()


@pytest_asyncio.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[RawProducer]:
    raw = await RawProducer(kafka_bootstrap).start()
    yield raw
    await raw.stop()


def _backends() -> list[str]:
    return ["sqlite", "postgresql"]


def _require_postgres() -> None:
    if not os.environ.get("CIVIC_TEST_POSTGRES_URL"):
        if os.environ.get("CIVIC_REQUIRE_POSTGRES"):
            pytest.fail("CIVIC_REQUIRE_POSTGRES is set but CIVIC_TEST_POSTGRES_URL is not")
        pytest.skip("PostgreSQL not configured (set CIVIC_TEST_POSTGRES_URL)")


@pytest_asyncio.fixture(params=_backends())
async def databases(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Databases]:
    if request.param == "postgresql":
        _require_postgres()
    made = Databases(request.param, tmp_path)
    yield made
    await made.drop_all()


@pytest_asyncio.fixture
async def postgres_databases(tmp_path: Path) -> AsyncIterator[Databases]:
    """Fresh PostgreSQL databases only (for what only PostgreSQL does)."""
    _require_postgres()
    made = Databases("postgresql", tmp_path)
    yield made
    await made.drop_all()


@pytest_asyncio.fixture
async def database_url(databases: Databases) -> str:
    return await databases.new()
