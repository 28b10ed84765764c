"""The outbox relay on a real database, with a fake publisher at its one seam."""

from __future__ import annotations

import asyncio
import random
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlmodel import select

from shared.codes import Channel
from shared.db import Database
from shared.events import CaseAssigned, decode_event
from shared.outbox import OutboxMessage, OutboxRelay, RelayedMessage, add_events
from shared.topics import Topics
from tests.support.databases import Databases


class FakePublisher:
    def __init__(self) -> None:
        self.published: list[RelayedMessage] = []
        self.down = False

    async def __call__(self, messages: Sequence[RelayedMessage]) -> None:
        if self.down:
            raise ConnectionError("broker unreachable")
        self.published.extend(messages)


def assigned(case_id: UUID) -> CaseAssigned:
    return CaseAssigned(
        case_id=case_id,
        channel=Channel.MAILBOX,
        department_id="d",
        department_name="部门",
        reason="r",
        assigned_on=date(2026, 11, 25),
    )


async def test_committed_events_are_published_in_order_and_marked(database_url: str) -> None:
    database = Database(database_url, [OutboxMessage])
    await database.create_schema()
    publisher = FakePublisher()
    relay = OutboxRelay(database, publisher, poll_seconds=0.05)
    case_ids = [uuid4() for _ in range(5)]
    async with database.transaction() as session:
        add_events(session, Topics("p-"), [assigned(c) for c in case_ids], source="/tests")

    publisher.down = True
    with pytest.raises(ConnectionError):
        await relay.relay_once()
    assert await relay.unsent_count() == 5, "a failed publish must leave the rows to be sent again"

    publisher.down = False
    assert await relay.relay_once() == 5
    assert await relay.relay_once() == 0
    assert [decode_event(m.body)[0].subject for m in publisher.published] == [str(c) for c in case_ids]
    assert {m.topic for m in publisher.published} == {"p-case-events"}
    assert await relay.unsent_count() == 0
    await database.dispose()


async def test_the_relay_stops_when_cancelled_however_the_timing_falls(tmp_path: object) -> None:
    """Regression: on Python 3.11 asyncio.wait_for could swallow the cancel and keep the relay alive."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/relay.db", [OutboxMessage])
    await database.create_schema()
    relay = OutboxRelay(database, FakePublisher(), poll_seconds=0.001)
    for _ in range(200):
        task = asyncio.create_task(relay.run())
        await asyncio.sleep(random.uniform(0, 0.005))
        relay.notify()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(task), timeout=5)
    await database.dispose()


async def test_ids_follow_commit_order_not_the_order_events_were_added(
    postgres_databases: Databases,
) -> None:
    """T1 adds its event first but commits last: the relay publishes T2's event first, as Kafka must."""
    database = Database(await postgres_databases.new("order"), [OutboxMessage])
    await database.create_schema()
    first, second = uuid4(), uuid4()
    t1_added, t2_done = asyncio.Event(), asyncio.Event()

    async def t1() -> None:
        async with database.transaction() as session:
            add_events(session, Topics("o-"), [assigned(first)], source="/tests")
            await session.exec(select(OutboxMessage.id).limit(1))  # any query: autoflush, if rows were added
            t1_added.set()
            await t2_done.wait()

    async def t2() -> None:
        await t1_added.wait()
        async with database.transaction() as session:
            add_events(session, Topics("o-"), [assigned(second)], source="/tests")
        t2_done.set()

    await asyncio.gather(t1(), t2())
    publisher = FakePublisher()
    assert await OutboxRelay(database, publisher).relay_once() == 2
    assert [decode_event(m.body)[0].subject for m in publisher.published] == [str(second), str(first)]
    await database.dispose()


async def test_on_postgresql_one_relay_publishes_at_a_time(postgres_databases: Databases) -> None:
    """While one relay is publishing a batch, another relay of the same database publishes nothing —
    not even the rows after that batch, which would then reach Kafka before it."""
    database = Database(await postgres_databases.new("relays"), [OutboxMessage])
    await database.create_schema()
    async with database.transaction() as session:
        add_events(session, Topics("r-"), [assigned(uuid4()) for _ in range(3)], source="/tests")
    entered, release = asyncio.Event(), asyncio.Event()

    class SlowPublisher(FakePublisher):
        async def __call__(self, messages: Sequence[RelayedMessage]) -> None:
            entered.set()
            await release.wait()
            await super().__call__(messages)

    slow, other = SlowPublisher(), FakePublisher()
    busy = asyncio.create_task(OutboxRelay(database, slow, batch_size=2).relay_once())
    await entered.wait()
    assert await OutboxRelay(database, other).relay_once() == 0, "the second relay must wait its turn"
    release.set()
    assert await busy == 2
    assert await OutboxRelay(database, other).relay_once() == 1, "then the rest, after the first batch"
    assert (len(slow.published), len(other.published)) == (2, 1)
    await database.dispose()


async def test_on_sqlite_the_relay_of_a_second_process_waits_for_the_first_to_end(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'two.db'}"
    database = Database(url, [OutboxMessage])
    await database.create_schema()
    async with database.transaction() as session:
        add_events(session, Topics("s-"), [assigned(uuid4())], source="/tests")
    # Another process holds the relay lock, as a running instance's relay does.
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLD_LOCK, f"{tmp_path / 'two.db'}.relay.lock", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert holder.stdout is not None
        assert (await holder.stdout.readline()).strip() == b"locked"
        publisher = FakePublisher()
        relay = OutboxRelay(database, publisher)
        assert await relay.relay_once() == 0
        assert not relay.active
    finally:
        holder.kill()
        await holder.wait()
    assert await relay.relay_once() == 1, "the relay takes over once the other process is gone"
    assert relay.active
    relay.release()
    await database.dispose()


HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(600)
"""


async def test_events_added_outside_a_transaction_are_refused(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", [OutboxMessage])
    await database.create_schema()
    with pytest.raises(RuntimeError, match=r"outside Database\.transaction"):
        async with database.session() as session:
            add_events(session, Topics("x-"), [assigned(uuid4())], source="/tests")
    await database.dispose()
