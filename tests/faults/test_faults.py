"""The fault tier: at least 200 submissions of all three channels meet a fault, and nothing is lost,
nothing doubled, nothing dead-lettered. `make faults` prints each row as a table (tests/faults/table.py).

Each fault runs on an installation of its own (`tests.faults.rig`): its own broker, and PostgreSQL
where the machine has it (a cluster of the tier's own, so that restarting it disturbs no other test),
else SQLite.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.tracking.config import TrackingSettings
from services.tracking.replay import replay_plan
from shared.replay import replay
from tests.faults.rig import GROUPS, SECRET, PostgresCluster, Rig, Row, new_rig

pytestmark = [pytest.mark.kafka, pytest.mark.faults]

SUBMISSIONS = 210
"""Letters, disclosure requests and comments in turn: 70 of each."""


def _cluster_tools() -> bool:
    return (
        bool(shutil.which("pg_createcluster")) and os.geteuid() == 0 and Path("/usr/lib/postgresql").is_dir()
    )


def _backends() -> list[str]:
    """``CIVIC_FAULTS_BACKENDS`` (e.g. ``sqlite,postgresql``), else PostgreSQL where it is at hand."""
    configured = os.environ.get("CIVIC_FAULTS_BACKENDS")
    if configured:
        return [b.strip() for b in configured.split(",") if b.strip()]
    if _cluster_tools() or os.environ.get("CIVIC_REQUIRE_POSTGRES"):
        return ["postgresql"]
    return ["sqlite"]


@pytest.fixture(scope="session")
def cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of the tier's own, where Debian's cluster tools and root are at hand."""
    if not _cluster_tools():
        pytest.fail("the fault tier on PostgreSQL needs pg_createcluster, run as root (.ci/run has both)")
    made = PostgresCluster.create()
    try:
        yield made
    finally:
        made.drop()


@pytest_asyncio.fixture(params=_backends())
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    cluster: PostgresCluster | None = (
        request.getfixturevalue("cluster") if request.param == "postgresql" else None
    )
    made = await new_rig(tmp_path, cluster)
    try:
        yield made
    except BaseException:
        print(made.logs())
        raise
    finally:
        made.stop()
        made.kafka.stop()


async def _started(rig: Rig) -> None:
    rig.start()
    await rig.healthy()
    await rig.open_consultation()


def _assert_nothing_lost(row: Row, rig: Rig) -> None:
    row.record()
    assert row.accepted == row.submitted >= 200, row
    assert (row.lost, row.doubled, row.dead_lettered) == (0, 0, 0), (row, row.failures, rig.logs())
    assert row.assigned == row.with_deadline == row.accepted, row


async def test_postgresql_restarted_twice_during_the_stream(rig: Rig, request: pytest.FixtureRequest) -> None:
    if rig.backend != "postgresql":
        pytest.skip("a PostgreSQL fault: the tier runs on SQLite here")
    cluster: PostgresCluster = request.getfixturevalue("cluster")
    await _started(rig)

    async def restart() -> None:
        await asyncio.to_thread(cluster.restart)

    await rig.stream(SUBMISSIONS, faults={60: restart, 140: restart})
    await rig.rest()
    _assert_nothing_lost(await rig.count("PostgreSQL restarted twice"), rig)


async def test_the_broker_killed_and_started_again(rig: Rig) -> None:
    await _started(rig)

    async def kill_the_broker() -> None:
        await asyncio.to_thread(rig.kafka.kill)
        await asyncio.sleep(3)  # the outage: submissions keep coming, the outboxes fill
        await asyncio.to_thread(rig.kafka.start)
        await rig.kafka.wait_ready()

    await rig.stream(SUBMISSIONS, faults={70: kill_the_broker})
    await rig.rest()
    _assert_nothing_lost(await rig.count("Kafka broker SIGKILLed, restarted"), rig)


async def test_a_routing_and_a_tracking_process_killed_while_a_second_instance_runs(rig: Rig) -> None:
    await _started(rig)
    seconds = rig.start(("routing", "tracking"), instance="2")
    await rig.healthy(seconds)
    first_routing, first_tracking = (
        next(p for p in rig.processes if p.name == name and not p.instance)
        for name in ("routing", "tracking")
    )

    async def kill(process_name: str) -> None:
        process = first_routing if process_name == "routing" else first_tracking
        await asyncio.to_thread(process.kill)

    await rig.stream(SUBMISSIONS, faults={60: lambda: kill("routing"), 120: lambda: kill("tracking")})
    await rig.rest()
    _assert_nothing_lost(await rig.count("routing + tracking SIGKILLed (2nd instance runs)"), rig)


async def test_every_event_delivered_twice_and_a_replay_in_the_middle(rig: Rig) -> None:
    await _started(rig)
    await rig.poison(2)
    stop = asyncio.Event()
    copies = asyncio.create_task(_deliver_twice(rig.bootstrap, rig.topics.case_events, stop))

    async def replay_tracking() -> None:
        tracking = next(p for p in rig.processes if p.name == "tracking")
        await asyncio.to_thread(tracking.stop)
        rig.processes.remove(tracking)
        settings = TrackingSettings(
            KAFKA_BOOTSTRAP_SERVERS=rig.bootstrap,
            CIVIC_TOPIC_PREFIX=rig.topics.prefix,
            CIVIC_JWT_SECRET=SECRET,
            database_url=rig.urls["tracking"],
        )
        result = await replay(replay_plan(settings), settings, progress=lambda _line: None)
        assert result.applied > 0
        await rig.healthy(rig.start(("tracking",)))

    try:
        await rig.stream(SUBMISSIONS, faults={100: replay_tracking})
        await rig.rest()
    finally:
        stop.set()
        await copies
    await rig.rest()
    row = await rig.count("every event twice + tracking replayed mid-stream")
    # Two poisoned messages, each delivered twice, each dead-lettered by every case-events consumer
    # (five since routing's similarity has a group of its own; six since intake tells citizens in a
    # group of its own, issue 15).
    readers = sum(topic == "case-events" for topic in GROUPS.values())
    assert readers == 6
    assert row.poisoned == 2 * 2 * readers, row
    _assert_nothing_lost(row, rig)


async def _deliver_twice(bootstrap: str, topic: str, stop: asyncio.Event) -> None:
    """Every record of ``topic`` published a second time, to the same partition with the same key."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await consumer.start()
    await producer.start()
    try:
        while not stop.is_set():
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    if any(key == "x-fault-copy" for key, _ in record.headers):
                        continue
                    await producer.send(
                        topic,
                        record.value,
                        key=record.key,
                        partition=record.partition,
                        headers=[*record.headers, ("x-fault-copy", b"1")],
                    )
        await producer.flush()
    finally:
        await producer.stop()
        await consumer.stop()
