"""Rebuild tracking's clocks from the event log: ``python -m services.tracking replay``.

Stop the tracking service first. The command then

1. deletes every clock, ledger entry and case row (the calendar and the record of cards sent stay);
2. reads ``case-events`` and then ``consultation-events`` from offset 0 up to their current ends, and
   applies each event with the same handlers the service uses, on the stored calendar;
3. gives each clock the state its cards left it in (red card sent for its due date → breached; a
   window that ran out → stopped).

Nothing is published: the due dates were announced when the events first came, and a card already
sent is recorded in ``tracking_alarm`` by case, clock and due date — so a replay never sends one
twice, and the next periodic check sends only what is new. Events are applied in the order of each
partition (all events of a case share one); the consultation events come after the case events.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import delete, func, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.tracking.app import case_event_handlers, consultation_event_handlers
from services.tracking.config import TrackingSettings
from services.tracking.db import TABLES, AlarmSent, CaseChannel, Clock, ClockLedgerEntry
from shared.calendar_store import LiveCalendar, seed_calendar
from shared.codes import ClockState
from shared.consumer import EventHandler
from shared.db import Database
from shared.events import EventPayload, decode_event
from shared.kafka import partitions_of
from shared.topics import CASE_EVENTS, CONSULTATION_EVENTS

__all__ = ["ReplayResult", "replay"]

log = logging.getLogger(__name__)

BATCH = 500
"""Events applied per transaction."""


@dataclass(frozen=True, slots=True)
class ReplayResult:
    events_read: int
    events_applied: int
    clocks: int


async def replay(settings: TrackingSettings) -> ReplayResult:
    database = Database(settings.resolved_database_url, TABLES)
    await database.create_schema()
    calendar = LiveCalendar()
    try:
        async with database.transaction() as session:
            await seed_calendar(session)
            await calendar.refresh(session)
            for table in (ClockLedgerEntry, Clock, CaseChannel):
                await session.exec(delete(table))
        handlers: dict[type[EventPayload], EventHandler] = {
            **case_event_handlers(calendar, settings),
            **consultation_event_handlers(calendar, settings),
        }
        read = applied = 0
        for spec in (CASE_EVENTS, CONSULTATION_EVENTS):
            async for batch in _read_to_end(settings.kafka_bootstrap_servers, settings.topics.name(spec)):
                async with database.transaction() as session:
                    for raw in batch:
                        read += 1
                        try:
                            envelope, payload = decode_event(raw)
                        except ValueError:
                            continue  # it went to the dead-letter topic the first time too
                        handler = handlers.get(type(payload)) if payload is not None else None
                        if handler is not None:
                            await handler(session, envelope, payload)  # what it would emit was sent then
                            applied += 1
        async with database.transaction() as session:
            await _restore_card_states(session)
            clocks = (await session.exec(select(func.count()).select_from(Clock))).one()
    finally:
        await database.dispose()
    return ReplayResult(events_read=read, events_applied=applied, clocks=clocks)


async def _restore_card_states(session: AsyncSession) -> None:
    """A clock whose red card was sent for its due date is breached; a window that ran out, stopped."""
    for card, state in (("breached", ClockState.BREACHED), ("lapsed", ClockState.STOPPED)):
        sent = (
            sa_select(col(AlarmSent.case_id))
            .where(
                col(AlarmSent.case_id) == col(Clock.case_id),
                col(AlarmSent.clock) == col(Clock.kind),
                col(AlarmSent.due_date) == col(Clock.due_date),
                col(AlarmSent.kind) == card,
            )
            .exists()
        )
        values: dict[str, Any] = {"state": state.value}
        if state is ClockState.STOPPED:
            values["stopped_on"] = col(Clock.due_date)  # a window closes on its due date
        await session.exec(
            update(Clock)
            .where(col(Clock.state).in_([ClockState.RUNNING.value, ClockState.BREACHED.value]), sent)
            .values(**values)
        )


async def _read_to_end(bootstrap_servers: str, topic: str) -> AsyncIterator[list[bytes]]:
    """Batches of raw event bytes from offset 0 to the end offsets seen when reading began."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await partitions_of(bootstrap_servers, topic)]
        if not partitions:
            return
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            batches = await consumer.getmany(timeout_ms=500, max_records=BATCH)
            for tp, records in batches.items():
                values = [r.value for r in records if r.offset < end[tp] and r.value is not None]
                if values:
                    yield values
    finally:
        await consumer.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m services.tracking replay",
        description="Rebuild tracking's clocks from case-events offset 0 (stop the service first).",
    )
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s tracking-replay %(levelname)s %(message)s")
    result = asyncio.run(replay(TrackingSettings()))
    print(
        f"replayed {result.events_applied} of {result.events_read} events; {result.clocks} clocks rebuilt; "
        "no event was published"
    )
