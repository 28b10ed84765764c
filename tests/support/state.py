"""A service's state, table by table, in a form two databases can be compared in; and waiting until the
whole system is at rest (every outbox sent, every consumer group at the end of its topics)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import Table, func
from sqlmodel import SQLModel, select

from shared.db import Database
from shared.kafka import partitions_of
from shared.outbox import OUTBOX_TABLE
from tests.support.polling import eventually

Snapshot = dict[str, list[tuple[Any, ...]]]

ORDERED_WITHIN = {"routing_case_history": "case_id", "tracking_clock_ledger": "clock_id"}
"""Tables whose rows keep an order within a case (or clock) — the order of their events' times —
compared as sequences there."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def _table(table: type[SQLModel] | Table) -> Table:
    return table if isinstance(table, Table) else table.__table__  # type: ignore[attr-defined]


async def snapshot(url: str, tables: Sequence[type[SQLModel] | Table]) -> Snapshot:
    """Every row of ``tables``; surrogate ids replaced by what they stand for (a ledger line's clock by
    its case and kind), rows sorted, a case's history and a clock's ledger kept in their order."""
    database = Database(url, [])
    found: Snapshot = {}
    try:
        async with database.engine.connect() as conn:
            ledger = any(_table(t).name == "tracking_clock_ledger" for t in tables)
            clock_keys = await _clock_keys(conn) if ledger else {}
            for table in map(_table, tables):
                columns = [c for c in table.columns if not _surrogate(table, c.name)]
                order = [table.c.at] if "at" in table.c and table.name in ORDERED_WITHIN else []
                rows = (
                    (await conn.execute(select(*table.columns).order_by(*order, *table.primary_key.columns)))
                    .mappings()
                    .all()
                )
                group_by = ORDERED_WITHIN.get(table.name)
                counters: dict[Any, int] = {}
                values = []
                for row in rows:
                    record = {c.name: _plain(row[c.name]) for c in columns}
                    if table.name == "tracking_clock_ledger":
                        record["clock_id"] = clock_keys.get(row["clock_id"])
                    if group_by is not None:
                        key = json.dumps(record[group_by], default=str)
                        counters[key] = counters.get(key, 0) + 1
                        record["#"] = counters[key]
                    values.append(tuple(sorted(record.items(), key=lambda kv: kv[0])))
                found[table.name] = sorted(values, key=repr)
    finally:
        await database.dispose()
    return found


def differences(before: list[tuple[Any, ...]], after: list[tuple[Any, ...]]) -> str:
    """What differs between two snapshots of a table, row by row and field by field — the rows paired by
    their first field (a case's or clock's id), so a failure names the case and the fields that moved."""
    old: dict[Any, list[dict[str, Any]]] = {}
    new: dict[Any, list[dict[str, Any]]] = {}
    for rows, into in ((before, old), (after, new)):
        for row in rows:
            record = dict(row)
            key = next((record[k] for k in ("case_id", "clock_id", "id", "event_id") if k in record), row[0])
            into.setdefault(json.dumps(key, default=str), []).append(record)
    lines = []
    for key in sorted(old.keys() | new.keys()):
        was, now = old.get(key, []), new.get(key, [])
        if was == now:
            continue
        if len(was) != len(now):
            lines.append(f"{key}: {len(was)} rows before, {len(now)} after")
        for a, b in zip(was, now, strict=False):
            changed = {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
            if changed:
                lines.append(
                    f"{key}: " + ", ".join(f"{k} {v[0]!r} -> {v[1]!r}" for k, v in sorted(changed.items()))
                )
    return "\n".join(lines)


async def _clock_keys(conn: Any) -> dict[Any, tuple[Any, ...]]:
    rows = (await conn.exec_driver_sql("SELECT id, case_id, kind FROM tracking_clock")).all()
    return {row[0]: (row[1], row[2]) for row in rows}


def _surrogate(table: Table, column: str) -> bool:
    """An autoincrement id, or routing's numbering of the changes to its similar cases (the order its
    instances made them in, which a replay, reading by time, numbers its own way): which number a row
    got says nothing about the case."""
    if (table.name, column) == ("routing_similar_case", "changed"):
        return True
    return column == "id" and table.name in {
        "tracking_clock",
        "tracking_clock_ledger",
        "routing_case_history",
    }


async def unsent(url: str) -> int:
    database = Database(url, [])
    try:
        async with database.engine.connect() as conn:
            query = (
                select(func.count()).select_from(OUTBOX_TABLE).where(OUTBOX_TABLE.c.published_at.is_(None))
            )
            return int((await conn.execute(query)).scalar_one())
    finally:
        await database.dispose()


async def end_offsets(bootstrap: str, topics: Sequence[str]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(t, p) for t in topics for p in await partitions_of(bootstrap, t)]
        ends: dict[TopicPartition, int] = await consumer.end_offsets(tps)
        return ends
    finally:
        await consumer.stop()


async def lag(bootstrap: str, group: str, topic: str) -> int:
    """How many records of ``topic`` the group has not committed yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    ends = await end_offsets(bootstrap, [topic])
    return sum(end - max(committed.get(tp).offset if tp in committed else 0, 0) for tp, end in ends.items())


async def at_rest(
    bootstrap: str, groups: dict[str, str], database_urls: Sequence[str], timeout: float = 90.0
) -> None:
    """Until every outbox is sent and every group (name → topic) has committed every record, twice in
    a row a moment apart (a consumer that just committed may have emitted more)."""
    calm = 0

    async def quiet() -> bool:
        nonlocal calm
        busy = [url for url in database_urls if await unsent(url)]
        behind = [group for group, topic in groups.items() if await lag(bootstrap, group, topic)]
        calm = calm + 1 if not busy and not behind else 0
        return calm >= 2

    await eventually(quiet, "every outbox sent and every consumer group caught up", timeout=timeout)
