"""Rebuild a service's state from the event log: ``python -m services.<name> replay``.

The topics are the system of record (ARCHITECTURE §9): what a service knows of each case follows
from the events it consumed and the events it emitted. A replay reads them again, from offset 0,
into fresh tables, and swaps those in at the end — after a bug in a projection is fixed, or to check
that the database still says what the log says.

    1. refuses to start unless it is safe (`ReplayRefused`, saying why): the service is stopped (its
       consumer groups have no members), its outbox is empty (everything it emitted is in the log),
       and no partition has been trimmed (every partition's earliest offset is 0);
    2. builds fresh tables beside the live ones — a schema ``civic_replay`` on PostgreSQL, a file
       beside the database on SQLite — with the reference data copied in (departments, rules, …);
    3. reads every topic the service consumes from offset 0 to the end offsets seen at the start,
       partitions merged by record time (each partition in its own order), and applies:
       - an event of a type a consumer group handles, if that group had processed it (below its
         committed offset, or in its inbox): the group's `ConsumerSpec` rebuild handler, whose emitted
         events are dropped — they are in the log already; an event the group had not processed yet is
         left for the service to process when it starts, as it would have;
       - an event the service emitted itself: its `Projector`, as when it was emitted;
    4. swaps the fresh tables in, in ONE transaction (a failure before or during it leaves the old
       state untouched), adds the inbox rows of what it applied, and moves each group's committed
       offsets up to the replayed end: when the service starts, nothing is applied twice;
    5. publishes nothing, sends no card, and prints its progress on a long log.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata
from sqlalchemy import MetaData, Table, event, func, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.consumer import PROCESSED_TABLE, ConsumerSpec, Opener, Projector, takes
from shared.db import Database, insert_ignoring_duplicates
from shared.events import decode_event
from shared.kafka import group_members, partitions_of
from shared.kafka_security import client_options
from shared.migrations import ServiceSchema, upgrade
from shared.outbox import OUTBOX_TABLE
from shared.settings import KafkaSecurity, ServiceSettings

__all__ = ["ReplayPlan", "ReplayRefused", "ReplayResult", "replay"]

log = logging.getLogger(__name__)

SHADOW = "civic_replay"
BATCH = 500
"""Events applied per transaction of the rebuild."""


class ReplayRefused(Exception):
    """It is not safe to replay now; the message says why and what to do."""


@dataclass(frozen=True)
class ReplayPlan:
    """What a replay of one service reads, applies and rebuilds."""

    schema: ServiceSchema
    rebuilt: Sequence[type[SQLModel] | Table]
    """Emptied and refilled from the log; every other table of the service is kept as it is."""
    consumers: Sequence[ConsumerSpec]
    projector: Projector | None = None
    seed: Callable[[AsyncSession], Awaitable[None]] | None = None
    """Prepares the fresh tables before reading (tracking: the calendar as the package knows it)."""
    restarted: Sequence[type[SQLModel] | Table] = ()
    """Kept tables the rebuild starts empty instead of copied (tracking: the calendar, which the log's
    ``calendar.updated`` events bring to each year's state in the order they came)."""
    finish: Callable[[AsyncSession], Awaitable[None]] | None = None
    """Runs once every event is applied, before the swap."""
    keyring: Opener | None = None
    """Opens the events' sealed personal fields with the live database's case keys (an erased case's
    open erased: a replay brings none of its data back)."""


@dataclass
class ReplayResult:
    events_read: int = 0
    applied: int = 0
    """Events of other services (and the service's own that it consumes) applied as their group had."""
    projected: int = 0
    """Events the service emitted itself, applied by its projector."""
    left: int = 0
    """Events a group had not processed yet: left for the service to process when it starts."""
    rows: dict[str, int] = field(default_factory=dict)
    """Rows of each rebuilt table after the swap."""

    def summary(self) -> str:
        tables = ", ".join(f"{name} {count}" for name, count in self.rows.items())
        return (
            f"read {self.events_read} events: applied {self.applied}, own {self.projected}, "
            f"left for the service {self.left}; rebuilt {tables}; nothing was published"
        )


def _table(table: type[SQLModel] | Table) -> Table:
    return table if isinstance(table, Table) else table.__table__  # type: ignore[attr-defined]


async def replay(
    plan: ReplayPlan, settings: ServiceSettings, *, progress: Callable[[str], None] = print
) -> ReplayResult:
    live = Database(settings.resolved_database_url, plan.schema.tables)
    try:
        await upgrade(live, plan.schema)
        groups = {spec.name: f"{settings.topics.prefix}{spec.name}" for spec in plan.consumers}
        topics = {spec.name: settings.topics.name(spec.topic) for spec in plan.consumers}
        bootstrap, security = settings.kafka_bootstrap_servers, settings.kafka_security
        await _refuse_unless_stopped(bootstrap, groups, security)
        await _refuse_unless_sent(live)
        partitions = {
            name: await partitions_of(bootstrap, topic, security=security) for name, topic in topics.items()
        }
        ends = await _refuse_unless_whole(bootstrap, topics, partitions, security)
        committed = {
            name: await _committed(bootstrap, groups[name], topics[name], security) for name in groups
        }
        async with _shadow(live, plan) as shadow:
            result, replayed_ends = await _rebuild(
                plan, settings, live, shadow, topics, ends, committed, progress
            )
            await _refuse_unless_stopped(bootstrap, groups, security)  # nobody started it meanwhile
            await shadow.swap([_table(t) for t in plan.rebuilt])
            result.rows = await _counts(live, [_table(t) for t in plan.rebuilt])
        for name, group in groups.items():
            await _move_offsets(
                bootstrap, group, topics[name], committed[name], replayed_ends[name], security
            )
        progress(result.summary())
        return result
    finally:
        await live.dispose()


# --- is it safe? ------------------------------------------------------------------------------------


async def _refuse_unless_stopped(
    bootstrap: str, groups: dict[str, str], security: KafkaSecurity | None
) -> None:
    members = await group_members(bootstrap, list(groups.values()), security=security)
    for group, (state, clients) in members.items():
        if clients:
            raise ReplayRefused(
                f"consumer group {group} is {state} with {len(clients)} member(s) ({', '.join(clients)}): "
                "stop every instance of the service first"
            )


async def _refuse_unless_sent(live: Database) -> None:
    async with live.session() as session:
        unsent = (
            await session.exec(
                select(func.count()).select_from(OUTBOX_TABLE).where(OUTBOX_TABLE.c.published_at.is_(None))
            )
        ).one()
    if unsent:
        raise ReplayRefused(
            f"{unsent} event(s) wait in the outbox: start the service with Kafka reachable until they are "
            "sent, then stop it and replay (what is not in the log cannot be replayed)"
        )


async def _refuse_unless_whole(
    bootstrap: str,
    topics: dict[str, str],
    partitions: dict[str, list[int]],
    security: KafkaSecurity | None,
) -> dict[TopicPartition, int]:
    """The end offsets to replay up to; refused if a topic is missing or any partition was trimmed."""
    missing = sorted({topics[name] for name, found in partitions.items() if not found})
    if missing:
        # A wrong prefix or cluster would otherwise rebuild the service's state from nothing.
        raise ReplayRefused(
            f"no topic {', '.join(missing)} at {bootstrap}: are KAFKA_BOOTSTRAP_SERVERS and "
            "CIVIC_TOPIC_PREFIX those of the service? (civic topics describe)"
        )
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, **client_options(security)
    )
    await _start(consumer)
    try:
        tps = [TopicPartition(topics[name], p) for name in topics for p in partitions[name]]
        beginnings = await consumer.beginning_offsets(tps)
        trimmed = sorted(
            f"{tp.topic}[{tp.partition}] starts at {offset}" for tp, offset in beginnings.items() if offset
        )
        if trimmed:
            raise ReplayRefused(
                "the log was trimmed, so it no longer holds the whole history: "
                + "; ".join(trimmed)
                + " (its retention must be -1: civic topics alter)"
            )
        ends: dict[TopicPartition, int] = await consumer.end_offsets(tps)
        return ends
    finally:
        await consumer.stop()


async def _start(consumer: AIOKafkaConsumer) -> None:
    """Start a consumer without a group. aiokafka's, stopped before the event loop has turned once
    (an empty log: nothing to read), raises CancelledError from its stop; one turn avoids it."""
    await consumer.start()
    await asyncio.sleep(0)


async def _committed(
    bootstrap: str, group: str, topic: str, security: KafkaSecurity | None
) -> dict[int, int]:
    """The group's committed offset of each partition of ``topic`` (absent: none committed)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options(security))
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {
        tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset >= 0
    }


# --- the fresh tables -------------------------------------------------------------------------------


class _Shadow:
    """Fresh tables beside the live ones, and the SQL that moves rows between the two."""

    def __init__(self, live: Database, metadata: MetaData) -> None:
        self.live = live
        self.metadata = metadata
        if live.is_sqlite:
            path = make_url(live.url).database
            assert path, "a replay needs a SQLite file"
            self.file: Path | None = Path(f"{path}.replay")
            self.file.unlink(missing_ok=True)
            self.database = Database(f"sqlite+aiosqlite:///{self.file}", [])
            self.bridge = Database(live.url, [])  # the live file, with the fresh one attached
            event.listen(self.bridge.engine.sync_engine, "connect", self._attach)
        else:
            self.file = None
            self.database = Database(live.url, [], execution_options={"schema_translate_map": {None: SHADOW}})
            self.bridge = Database(live.url, [])

    def _attach(self, dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"ATTACH DATABASE '{self.file}' AS {SHADOW}")
        cursor.close()

    async def create(self) -> None:
        if self.file is None:
            async with self.bridge.engine.begin() as conn:
                await conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SHADOW} CASCADE")
                await conn.exec_driver_sql(f"CREATE SCHEMA {SHADOW}")
        async with self.database.engine.begin() as conn:
            await conn.run_sync(self.metadata.create_all)

    def _copy(self, table: Table, source: str | None, target: str | None) -> Any:
        """INSERT INTO target.table SELECT * FROM source.table (a schema of None: the live one)."""
        into, out_of = _in_schema(table, target), _in_schema(table, source)
        return into.insert().from_select([c.name for c in table.columns], select(*out_of.columns))

    async def copy_in(self, tables: Sequence[Table]) -> None:
        """The live rows of ``tables`` into the fresh tables (reference data the use cases read)."""
        async with self.bridge.engine.begin() as conn:
            for table in tables:
                await conn.execute(self._copy(table, None, SHADOW))

    async def swap(self, rebuilt: Sequence[Table]) -> None:
        """In one transaction: each rebuilt table emptied and refilled from its fresh copy; the inbox
        rows of what the replay applied added to the live inbox."""
        ordered = [t for t in self.metadata.sorted_tables if t.name in {r.name for r in rebuilt}]
        async with self.bridge.engine.begin() as conn:
            for table in reversed(ordered):
                await conn.execute(table.delete())
            for table in ordered:
                await conn.execute(self._copy(table, SHADOW, None))
                if self.file is None:
                    await _reset_sequence(conn, table)
            insert = pg_insert if self.file is None else sqlite_insert
            columns = [c.name for c in PROCESSED_TABLE.columns]
            await conn.execute(
                insert(PROCESSED_TABLE)
                # WHERE true: SQLite would read ON CONFLICT as the SELECT's join constraint without it
                .from_select(columns, select(*_in_schema(PROCESSED_TABLE, SHADOW).columns).where(true()))
                .on_conflict_do_nothing()
            )

    async def drop(self) -> None:
        await self.database.dispose()
        await self.bridge.dispose()
        if self.file is not None:
            self.file.unlink(missing_ok=True)
            return
        cleanup = Database(self.live.url, [])
        try:
            async with cleanup.engine.begin() as conn:
                await conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SHADOW} CASCADE")
        finally:
            await cleanup.dispose()


def _in_schema(table: Table, schema: str | None) -> Table:
    return table if schema is None else table.to_metadata(MetaData(), schema=schema)


async def _reset_sequence(conn: Any, table: Table) -> None:
    """PostgreSQL: the id sequence of a table refilled with explicit ids continues after the highest."""
    for column in table.primary_key.columns:
        if column.autoincrement is True or (
            column.autoincrement == "auto" and column.type.python_type is int
        ):
            highest = select(func.max(column)).scalar_subquery()
            sequence = func.pg_get_serial_sequence(table.name, column.name)
            await conn.execute(select(func.setval(sequence, func.coalesce(highest, 1), highest.is_not(None))))


@asynccontextmanager
async def _shadow(live: Database, plan: ReplayPlan) -> AsyncIterator[_Shadow]:
    shadow = _Shadow(live, plan.schema.metadata)
    try:
        await shadow.create()
        skipped = {_table(t).name for t in (*plan.rebuilt, *plan.restarted)} | {
            PROCESSED_TABLE.name,
            OUTBOX_TABLE.name,
        }
        await shadow.copy_in([t for t in plan.schema.metadata.sorted_tables if t.name not in skipped])
        if plan.seed is not None:
            async with shadow.database.transaction() as session:
                await plan.seed(session)
        yield shadow
    finally:
        await shadow.drop()


# --- reading and applying ---------------------------------------------------------------------------


@dataclass(order=True)
class _Head:
    timestamp: int
    rank: int
    partition: int
    offset: int
    value: bytes = field(compare=False)
    consumers: tuple[str, ...] = field(compare=False)
    """The consumer groups that read the record's topic (a topic may have several: routing's
    assignment and its similarity both read ``case-events``), in the plan's order."""


async def _merged(
    bootstrap: str, topics: dict[str, str], ends: dict[TopicPartition, int], security: KafkaSecurity | None
) -> AsyncIterator[_Head]:
    """Every record below ``ends``, each partition in its order, partitions merged by record time."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_poll_records=BATCH,
        **client_options(security),
    )
    owners: dict[str, tuple[str, ...]] = {}
    for name, topic in topics.items():
        owners[topic] = (*owners.get(topic, ()), name)
    rank = {topic: n for n, topic in enumerate(owners)}
    wanted = [tp for tp, end in ends.items() if end > 0]
    await _start(consumer)
    try:
        if not wanted:
            return
        consumer.assign(wanted)
        await consumer.seek_to_beginning(*wanted)
        buffers: dict[TopicPartition, deque[Any]] = {tp: deque() for tp in wanted}
        heap: list[tuple[_Head, TopicPartition]] = []

        async def fill(tp: TopicPartition) -> None:
            while not buffers[tp] and await consumer.position(tp) < ends[tp]:
                fetched = await consumer.getmany(tp, timeout_ms=1000, max_records=BATCH)
                buffers[tp].extend(r for r in fetched.get(tp, []) if r.offset < ends[tp])

        async def push(tp: TopicPartition) -> None:
            await fill(tp)
            if buffers[tp]:
                record = buffers[tp].popleft()
                head = _Head(
                    record.timestamp,
                    rank[tp.topic],
                    tp.partition,
                    record.offset,
                    record.value,
                    owners[tp.topic],
                )
                heapq.heappush(heap, (head, tp))

        for tp in wanted:
            await push(tp)
        while heap:
            head, tp = heapq.heappop(heap)
            yield head
            await push(tp)
    finally:
        await consumer.stop()


async def _rebuild(
    plan: ReplayPlan,
    settings: ServiceSettings,
    live: Database,
    shadow: _Shadow,
    topics: dict[str, str],
    ends: dict[TopicPartition, int],
    committed: dict[str, dict[int, int]],
    progress: Callable[[str], None],
) -> tuple[ReplayResult, dict[str, dict[int, int]]]:
    specs = {spec.name: spec for spec in plan.consumers}
    own_source = f"/civic/{settings.service_name}"
    result = ReplayResult()
    replayed_ends: dict[str, dict[int, int]] = {name: {} for name in specs}
    total = sum(ends.values())
    started = time.monotonic()
    every = settings.replay_progress_every
    next_report = every
    pending: list[_Head] = []
    own_seen: set[int] = set()
    """The service's own events applied (by id): a record the log holds twice is applied once."""

    async def apply(batch: list[_Head]) -> None:
        async with shadow.database.transaction() as session, live.session() as live_session:
            for head in batch:
                await _apply_one(head, session, live_session)

    async def _apply_one(head: _Head, session: AsyncSession, live_session: AsyncSession) -> None:
        result.events_read += 1
        try:
            envelope, payload = decode_event(head.value)
        except ValueError:
            return  # not an event: it went to the dead-letter topic the first time
        if payload is None:
            return
        if plan.keyring is not None:
            payload = await plan.keyring.open(live_session, envelope, payload)
        handled = False
        for name in head.consumers:
            spec = specs[name]
            handler = spec.rebuild_handler(type(payload))
            if handler is None:
                continue
            handled = True
            below_committed = head.offset < committed[spec.name].get(head.partition, 0)
            if not takes(spec.handlers[type(payload)], payload):
                # An event the use case changes nothing for: skipped here as the consumer skipped it;
                # the group's end moves past it only where the group had (never past one left).
                if below_committed:
                    replayed_ends[spec.name][head.partition] = head.offset + 1
                continue
            processed = below_committed or await _in_inbox(live_session, spec.name, str(envelope.id))
            if not processed:
                result.left += 1  # the service processes it when it starts, as it would have
                continue
            replayed_ends[spec.name][head.partition] = head.offset + 1
            first_time = await insert_ignoring_duplicates(
                session,
                PROCESSED_TABLE,
                {"consumer": spec.name, "event_id": str(envelope.id), "processed_at": datetime.now(UTC)},
            )
            if first_time:  # a record delivered twice is applied once, as the consumer did
                await handler(session, envelope, payload)  # what it emits is in the log already
                result.applied += 1
        if handled:
            return
        if plan.projector is not None and envelope.source == own_source and envelope.id.int not in own_seen:
            own_seen.add(envelope.id.int)
            await plan.projector(session, envelope, payload)
            result.projected += 1

    async for head in _merged(settings.kafka_bootstrap_servers, topics, ends, settings.kafka_security):
        pending.append(head)
        if len(pending) >= BATCH or len(pending) + result.events_read >= next_report:
            await apply(pending)
            pending = []
        if result.events_read >= next_report:
            rate = result.events_read / max(time.monotonic() - started, 1e-6)
            progress(f"replayed {result.events_read} of {total} events ({rate:.0f}/s)")
            next_report += every
    if pending:
        await apply(pending)
    if plan.finish is not None:
        async with shadow.database.transaction() as session:
            await plan.finish(session)
    return result, replayed_ends


async def _in_inbox(session: AsyncSession, consumer: str, event_id: str) -> bool:
    found = await session.exec(
        select(PROCESSED_TABLE.c.event_id).where(
            PROCESSED_TABLE.c.consumer == consumer, PROCESSED_TABLE.c.event_id == event_id
        )
    )
    return found.first() is not None


async def _move_offsets(
    bootstrap: str,
    group: str,
    topic: str,
    committed: dict[int, int],
    replayed: dict[int, int],
    security: KafkaSecurity | None,
) -> None:
    """Each partition's committed offset moves up to the replayed end (never back)."""
    moves = {
        TopicPartition(topic, partition): OffsetAndMetadata(end, "")
        for partition, end in replayed.items()
        if end > committed.get(partition, 0)
    }
    if not moves:
        return
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, **client_options(security)
    )
    await consumer.start()
    try:
        consumer.assign(list(moves))
        await consumer.commit(moves)
    finally:
        await consumer.stop()


async def _counts(database: Database, tables: Sequence[Table]) -> dict[str, int]:
    counts = {}
    async with database.session() as session:
        for table in tables:
            counts[table.name] = int((await session.exec(select(func.count()).select_from(table))).one())
    return counts
