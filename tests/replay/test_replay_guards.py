"""What a replay refuses, what it leaves for the service, and what a failure half-way leaves: tracking
in-process against the real broker, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.records_to_delete import RecordsToDelete
from sqlalchemy import Table, inspect
from sqlmodel import SQLModel

from services.tracking.app import create_app
from services.tracking.config import TrackingSettings
from services.tracking.db import Clock, ClockLedgerEntry
from services.tracking.replay import replay_plan
from shared.consumer import PROCESSED_TABLE, ConsumerSpec
from shared.db import Database
from shared.events import DeadlineExtended, Envelope, SubmissionReceived
from shared.outbox import OUTBOX_TABLE, OutboxMessage
from shared.replay import ReplayPlan, ReplayRefused, replay
from shared.topics import Topics
from tests.support import events as support
from tests.support.kafka import RawProducer, TopicReader
from tests.support.services import JWT_SECRET, in_process, settings_for
from tests.support.state import lag, snapshot

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parents[2]


def _reply_extensions(reader: TopicReader, case: SubmissionReceived) -> list[Envelope]:
    return [
        e
        for e in reader.events(str(case.case_id))
        if e.type == "deadline.set" and e.data["cause"] == "deadline.extended"
    ]


async def _clocks_set(
    settings: TrackingSettings, producer: RawProducer, topics: Topics, reader: TopicReader
) -> SubmissionReceived:
    """A disclosure request received, its clocks set by tracking; tracking then stopped."""
    request = support.disclosure_request(on=date(2026, 11, 2))
    async with in_process(create_app, settings):
        await producer.send_payloads(topics.case_events, [request])
        await reader.wait_for_event(str(request.case_id), "deadline.set", count=2)
    return request


async def test_an_extension_approved_while_tracking_was_stopped_counts_once(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    request = await _clocks_set(settings, producer, topics, case_events)
    await producer.send_payloads(
        topics.case_events, [DeadlineExtended(case_id=request.case_id, working_days=10, reason="需调取档案")]
    )
    group = f"{topics.prefix}tracking"
    behind = await lag(kafka_bootstrap, group, topics.case_events)
    assert behind >= 1, "the extension is not committed: tracking has not seen it"

    result = await replay(replay_plan(settings), settings, progress=lambda _line: None)
    assert (result.applied, result.left) == (1, 1), "the request replayed; the extension left for tracking"
    after = await lag(kafka_bootstrap, group, topics.case_events)
    assert after == behind, "the offsets stay before the extension"

    async with in_process(create_app, settings):
        (extension,) = await case_events.wait_for_event(
            str(request.case_id), "deadline.set", where=lambda e: e.data["cause"] == "deadline.extended"
        )
    await case_events.settle(1.0)
    assert len(_reply_extensions(case_events, request)) == 1, "announced once"
    clocks = await snapshot(database_url, [Clock])
    (reply,) = [dict(row) for row in clocks["tracking_clock"] if dict(row)["kind"] == "reply"]
    assert reply["extension_days"] == 10, "counted once"
    assert reply["due_date"] == extension.data["due_date"]


async def test_a_replay_refuses_while_the_service_runs(
    kafka_bootstrap: str, topics: Topics, database_url: str
) -> None:
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    async with in_process(create_app, settings):
        with pytest.raises(ReplayRefused, match=f"consumer group {topics.prefix}tracking"):
            await replay(replay_plan(settings), settings)


async def test_a_replay_refuses_while_events_wait_in_the_outbox(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    await _clocks_set(settings, producer, topics, case_events)
    database = Database(database_url, [])
    try:
        async with database.engine.begin() as conn:
            await conn.execute(OUTBOX_TABLE.update().values(published_at=None))
    finally:
        await database.dispose()
    with pytest.raises(ReplayRefused, match=r"2 event\(s\) wait in the outbox"):
        await replay(replay_plan(settings), settings)
    assert OutboxMessage.__tablename__ == OUTBOX_TABLE.name


async def test_a_replay_refuses_a_trimmed_log_naming_the_partition(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    request = await _clocks_set(settings, producer, topics, case_events)
    (record,) = [r for r in case_events.records if r.key == str(request.case_id).encode()][:1]
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.delete_records({TopicPartition(topics.case_events, record.partition): RecordsToDelete(1)})
    finally:
        await admin.close()
    with pytest.raises(ReplayRefused, match=rf"{topics.case_events}\[{record.partition}\] starts at 1"):
        await replay(replay_plan(settings), settings)


async def test_a_failure_half_way_leaves_the_old_state_untouched(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    requests = [support.disclosure_request(on=date(2026, 11, 2)) for _ in range(4)]
    async with in_process(create_app, settings):
        await producer.send_payloads(topics.case_events, requests)
        for request in requests:
            await case_events.wait_for_event(str(request.case_id), "deadline.set", count=2)
    tables: list[type[SQLModel] | Table] = [Clock, ClockLedgerEntry, PROCESSED_TABLE]
    before = await snapshot(database_url, tables)
    committed_lag = await lag(kafka_bootstrap, f"{topics.prefix}tracking", topics.case_events)

    plan = replay_plan(settings)
    seen = {"n": 0}

    async def breaks_on_the_third(*args: Any) -> Any:
        seen["n"] += 1
        if seen["n"] == 3:
            raise RuntimeError("the disk filled up")
        return await plan.consumers[0].rebuild_handler(SubmissionReceived)(*args)  # type: ignore[misc]

    (case_spec, *others) = plan.consumers
    broken = ReplayPlan(
        schema=plan.schema,
        rebuilt=plan.rebuilt,
        restarted=plan.restarted,
        consumers=[
            ConsumerSpec(
                case_spec.name, case_spec.topic, case_spec.handlers, {SubmissionReceived: breaks_on_the_third}
            ),
            *others,
        ],
        projector=plan.projector,
        seed=plan.seed,
        finish=plan.finish,
    )
    with pytest.raises(RuntimeError, match="the disk filled up"):
        await replay(broken, settings)
    assert await snapshot(database_url, tables) == before, "the live tables are as they were"
    assert await lag(kafka_bootstrap, f"{topics.prefix}tracking", topics.case_events) == committed_lag
    assert not await _shadow_left(database_url), "the fresh tables are gone"
    assert (await replay(plan, settings)).applied == 4, "and a second try succeeds"
    assert await snapshot(database_url, tables) == before


async def _shadow_left(url: str) -> bool:
    if url.startswith("sqlite"):
        return await asyncio.to_thread(Path(url.split("///", 1)[1] + ".replay").exists)
    database = Database(url, [])
    try:
        async with database.engine.connect() as conn:
            return "civic_replay" in await conn.run_sync(lambda sync: inspect(sync).get_schema_names())
    finally:
        await database.dispose()


async def test_a_long_replay_says_how_far_it_got(
    kafka_bootstrap: str, topics: Topics, tmp_path: Path, producer: RawProducer, case_events: TopicReader
) -> None:
    """On the command line: progress while it reads, then what it did; a refusal exits 2 saying why."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'tracking.db'}"
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, url, alarm_check_seconds=3600)
    requests = [support.disclosure_request(on=date(2026, 11, 2)) for _ in range(600)]
    async with in_process(create_app, settings):
        await producer.send_payloads(topics.case_events, requests)
        await case_events.wait_for_event(str(requests[-1].case_id), "deadline.set", count=2, timeout=120)
        while await lag(kafka_bootstrap, f"{topics.prefix}tracking", topics.case_events):
            await case_events.settle(0.2)
    command = [sys.executable, "-m", "services.tracking", "replay"]
    env = {
        "PATH": "/usr/bin:/bin",
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "CIVIC_TOPIC_PREFIX": topics.prefix,
        "CIVIC_JWT_SECRET": JWT_SECRET,
        "TRACKING_DATABASE_URL": url,
        "CIVIC_REPLAY_PROGRESS_EVERY": "500",
    }
    code, out, _ = await _run(command, env)
    assert code == 0, out
    lines = out.splitlines()
    assert any(line.startswith("replayed 500 of ") for line in lines), lines
    assert lines[-1].startswith("read ")
    assert "applied 600" in lines[-1]
    assert "nothing was published" in lines[-1]

    async with in_process(create_app, settings):
        code, _, err = await _run(command, env)
    assert code == 2
    assert err.startswith("replay refused: consumer group")


async def _run(command: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()
