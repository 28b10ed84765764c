"""Replay: every service rebuilds, from the log alone, the state it had — table by table — on SQLite and
PostgreSQL, publishing nothing; and after the replay each service goes on with nothing applied twice.

The log comes from a day at the office run through the four services as processes
(`tests.support.office.drive`): every kind of event, each in the order the services produced it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from sqlalchemy import Table

from deploy.processes import stop_services
from shared.consumer import PROCESSED_TABLE
from shared.events import decode_event
from shared.outbox import OUTBOX_TABLE
from shared.replay import ReplayPlan, replay
from tests.support.databases import Databases
from tests.support.installation import Installation, install, running
from tests.support.kafka import TopicReader
from tests.support.office import SERVICES, Office, Staff, drive
from tests.support.state import differences, end_offsets, snapshot

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

SECRET = "replay-test-secret-at-least-32-bytes-long!"


@pytest_asyncio.fixture
async def office(kafka_bootstrap: str, databases: Databases, tmp_path: Path) -> AsyncIterator[Installation]:
    """The office after a day's work, every service stopped and every event consumed."""
    env = {
        "CIVIC_JWT_SECRET": SECRET,
        "CIVIC_ENV": "test",
        "TRACKING_ALARM_CHECK_SECONDS": "1",
        "INTAKE_SUBMISSIONS_PER_CLIENT": "1000",
    }
    installation = await install(kafka_bootstrap, databases, tmp_path, env, prefix="rp")
    services = installation.start()
    try:
        await running(services)
        async with httpx.AsyncClient(timeout=30) as http:
            urls_by_name = {s.name: s.url for s in services}
            installation.manifest = await drive(Office(http, urls_by_name, Staff(SECRET)))
        await installation.rest()
    except BaseException:
        for process in services:
            print(f"----- {process.label} -----\n{process.log_tail(80)}")
        raise
    finally:
        stop_services(services)
    yield installation


async def _publish_each_again(bootstrap: str, topics: list[str]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for topic in topics:
            reader = await TopicReader(bootstrap, topic).start()
            try:
                await reader.settle(1.0)
                for record in reader.records:
                    await producer.send(topic, record.value, key=record.key, partition=record.partition)
            finally:
                await reader.stop()
        await producer.flush()
    finally:
        await producer.stop()


async def _wipe(url: str, tables: list[Table]) -> None:
    """What a bug in a projection, or a lost table, would leave: nothing."""
    from shared.db import Database

    database = Database(url, [])
    try:
        async with database.engine.begin() as conn:
            for table in reversed(tables):
                await conn.execute(table.delete())
    finally:
        await database.dispose()


async def _events_of(bootstrap: str, topics: list[str], told: str) -> str:
    """The log's events of every case a failure names, in their partitions' order: what to read it by."""
    lines = []
    for topic in topics:
        reader = await TopicReader(bootstrap, topic).start()
        try:
            await reader.settle(1.0)
            for record in reader.records:
                envelope, _ = decode_event(record.value)
                if envelope.subject in told:
                    lines.append(
                        f"{topic}[{record.partition}]@{record.offset} {envelope.time.isoformat()} "
                        f"{envelope.source} {envelope.type} {envelope.subject} id={envelope.id}"
                    )
        finally:
            await reader.stop()
    return "the log of those cases:\n" + "\n".join(lines)


def _tables(plan: ReplayPlan) -> list[Table]:
    return [t if isinstance(t, Table) else t.__table__ for t in plan.rebuilt]  # type: ignore[attr-defined]


async def test_every_service_rebuilds_the_state_it_had_from_the_log(office: Installation) -> None:
    topics = [office.topics.case_events, office.topics.consultation_events, office.topics.calendar_events]
    # At least once: a relay that died between publishing and marking sent publishes again. Every
    # record of the log twice, each copy after the original in its partition — applied once all the same.
    await _publish_each_again(office.bootstrap, topics)
    published = await end_offsets(office.bootstrap, topics)
    before: dict[str, Any] = {}
    for service in SERVICES:
        plan = office.plan(service)
        rebuilt = _tables(plan)
        compared = [*rebuilt, PROCESSED_TABLE, OUTBOX_TABLE]
        before[service] = await snapshot(office.urls[service], compared)
        assert all(before[service][t.name] for t in rebuilt), f"{service}: a table to rebuild is empty"
        # Not a replay that changes nothing: every rebuilt table is emptied first.
        await _wipe(office.urls[service], rebuilt)
        lines: list[str] = []
        result = await replay(plan, office.settings(service), progress=lines.append)
        assert (result.left, result.applied > 0) == (0, True), result
        assert lines[-1] == result.summary()
        after = await snapshot(office.urls[service], compared)
        differ = {
            table.name: differences(before[service][table.name], after[table.name])
            for table in compared
            if after[table.name] != before[service][table.name]
        }
        if differ:
            told = "\n".join(f"{name} differs\n{how}" for name, how in differ.items())
            raise AssertionError(f"{service}: {told}\n{await _events_of(office.bootstrap, topics, told)}")
    assert await end_offsets(office.bootstrap, topics) == published, "the replays published nothing"

    # The services go on from where they were: nothing applied twice, the next letter handled as usual.
    services = office.start()
    try:
        await running(services)
        await office.rest()
        for service in SERVICES:
            plan = office.plan(service)
            after = await snapshot(office.urls[service], _tables(plan))
            assert after == {k: v for k, v in before[service].items() if k in after}, service
        async with httpx.AsyncClient(timeout=30) as http:
            intake = next(s for s in services if s.name == "intake").url
            receipt = (
                await http.post(
                    f"{intake}/api/v1/mailbox-messages",
                    json={
                        "mailbox": "civil-air-defence",
                        "category": "咨询",
                        "subject": "重放之后的来信",
                        "body": "人防工程的维护由谁负责？",
                        "contact": {"name": "周小川"},
                        "publish_consent": False,
                    },
                )
            ).json()
            office_ = Office(http, {s.name: s.url for s in services}, Staff(SECRET))
            await office_.wait_status(receipt["tracking_code"], "assigned", with_due_date=True)
    finally:
        stop_services(services)
