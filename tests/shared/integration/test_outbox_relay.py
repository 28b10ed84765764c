"""The outbox relay on a real database, with a fake publisher at its one seam."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

import pytest

from shared.codes import Channel
from shared.db import Database
from shared.events import CaseAssigned, decode_event
from shared.outbox import OutboxMessage, OutboxRelay, RelayedMessage, add_events
from shared.topics import Topics


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
