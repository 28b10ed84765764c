"""The pipeline's baselines: a bare three-hop chain on the same broker, and the same chain with the
architecture's floor — one SQLite inbox + outbox transaction per batch per hop.

The chain has the pipeline's shape: the load is produced to ``in`` (as intake's relay produces
``submission.received``); hop ``routing`` reads ``in`` and produces each record on to ``mid`` (as
``case.assigned``); hop ``tracking`` reads ``mid`` and produces it on to ``out`` (as ``deadline.set``);
hop ``publishing`` reads ``mid`` and produces nothing (a service that follows); the benchmark reads
``out`` — four consumer groups. Each hop is its own process, as the services are, and takes batches
with ``getmany`` (up to 200 records, 50 ms), produces with an idempotent ``acks=all`` producer, and
commits the offsets once the batch is out.

With ``--database`` a hop first records the batch in one SQLite transaction (WAL, ``synchronous=NORMAL``
as the services): the event ids in an inbox table (``INSERT OR IGNORE``, one statement), the records to
produce in an outbox table (one statement), commit; then produces them, marks them published in a
second transaction, and commits the offsets — the least work that keeps the services' guarantees.

    python -m bench.chain hop --bootstrap HOST:PORT --group G --source T [--sink T2] [--database F]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.cpu import cpu_seconds

__all__ = ["HOPS", "Chain", "chain"]

BATCH = 200
WAIT_MS = 50


@dataclass(frozen=True)
class Hop:
    name: str
    source: str
    sink: str | None


HOPS = (Hop("routing", "in", "mid"), Hop("tracking", "mid", "out"), Hop("publishing", "mid", None))


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS inbox (event_id TEXT PRIMARY KEY, at REAL NOT NULL)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, key BLOB, value BLOB NOT NULL,"
        " published INTEGER NOT NULL DEFAULT 0)"
    )
    return db


def _record(
    db: sqlite3.Connection, batch: Sequence[ConsumerRecord[bytes, bytes]], forward: bool
) -> list[int]:
    """The batch's inbox rows and the records to produce, in one transaction: the outbox ids."""
    now = time.time()
    db.execute("BEGIN IMMEDIATE")
    before = db.total_changes
    db.executemany(
        "INSERT OR IGNORE INTO inbox (event_id, at) VALUES (?, ?)",
        [(f"{r.topic}:{r.partition}:{r.offset}", now) for r in batch],
    )
    fresh = db.total_changes - before
    ids: list[int] = []
    if forward and fresh:
        cursor = db.executemany(
            "INSERT INTO outbox (key, value) VALUES (?, ?) RETURNING id", [(r.key, r.value) for r in batch]
        )
        ids = [row[0] for row in cursor.fetchall()]
    db.execute("COMMIT")
    return ids


def _published(db: sqlite3.Connection, ids: Sequence[int]) -> None:
    db.execute("BEGIN IMMEDIATE")
    db.executemany("UPDATE outbox SET published = 1 WHERE id = ?", [(i,) for i in ids])
    db.execute("COMMIT")


async def run_hop(bootstrap: str, group: str, source: str, sink: str | None, database: Path | None) -> None:
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    db = _open(database) if database is not None else None
    await consumer.start()
    await producer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=WAIT_MS, max_records=BATCH)
            records = [record for part in batches.values() for record in part]
            if not records:
                continue
            ids = _record(db, records, sink is not None) if db is not None else []
            if sink is not None:
                sent = [await producer.send(sink, r.value, key=r.key) for r in records]
                await asyncio.gather(*sent)
                if db is not None and ids:
                    _published(db, ids)
            await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


@dataclass
class Chain:
    """A running chain: its topics (``in``, ``mid``, ``out``), groups, hop processes."""

    topics: dict[str, str]
    groups: list[str]
    processes: list[asyncio.subprocess.Process]

    def cpu(self) -> dict[str, float]:
        return {hop.name: cpu_seconds(process.pid) for hop, process in zip(HOPS, self.processes, strict=True)}


@asynccontextmanager
async def chain(bootstrap: str, partitions: int, folder: Path | None) -> AsyncIterator[Chain]:
    """Topics and hop processes (with a SQLite file each in ``folder`` when given), stopped afterwards."""
    tag = uuid.uuid4().hex[:6]
    topics = {name: f"bench-chain-{tag}-{name}" for name in ("in", "mid", "out")}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, partitions, 1) for topic in topics.values()])
    finally:
        await admin.close()
    groups = [f"bench-chain-{tag}-{hop.name}" for hop in HOPS]
    if folder is not None:
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    processes = []
    for hop, group in zip(HOPS, groups, strict=True):
        args = ["--bootstrap", bootstrap, "--group", group, "--source", topics[hop.source]]
        if hop.sink is not None:
            args += ["--sink", topics[hop.sink]]
        if folder is not None:
            args += ["--database", str(folder / f"{hop.name}-{tag}.sqlite")]
        processes.append(
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.chain", "hop", *args, start_new_session=True
            )
        )
    try:
        yield Chain(topics, groups, processes)
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            await process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    hop = commands.add_parser("hop", help="run one hop of the chain until stopped")
    hop.add_argument("--bootstrap", required=True)
    hop.add_argument("--group", required=True)
    hop.add_argument("--source", required=True)
    hop.add_argument("--sink", default=None)
    hop.add_argument("--database", type=Path, default=None)
    args = parser.parse_args()
    with suppress(KeyboardInterrupt):
        asyncio.run(run_hop(args.bootstrap, args.group, args.source, args.sink, args.database))


if __name__ == "__main__":
    main()
