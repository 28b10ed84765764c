"""Transactional outbox (发件箱): events are stored with the change that caused them, then relayed.

A use case adds its events to the session it commits; :class:`OutboxRelay` publishes committed rows
in id order and marks them sent. A broker outage delays events and loses none. Delivery is at least
once — consumers drop the duplicates by event id (``shared.consumer``).

Order. A case's events must reach Kafka in the order their transactions committed, whatever the number
of service instances on one database:

- ids follow commit order: the rows are inserted at the very end of their transaction (`write_outbox`,
  run by `shared.db.Database.transaction` just before the commit), on PostgreSQL after taking a
  transaction-level advisory lock that the commit releases — so no transaction can take an id between
  another's insert and its commit. SQLite lets one writer at a time, so its ids follow commits anyway.
- one relay publishes at a time: on PostgreSQL each batch is published under a transaction-level
  advisory lock (a relay that cannot take it waits for its next turn; a relay that dies releases it
  with its connection); on SQLite one process holds a file lock beside the database while it runs,
  and another instance's relay takes over only when that process is gone. A batch is acknowledged by
  Kafka before its rows are marked sent, so the next batch — by any relay — comes after it in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Column, Index, LargeBinary, String, Table, func, update
from sqlalchemy.engine import make_url
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from shared.db import BEFORE_COMMIT, Database, UTCDateTime
from shared.events import Envelope, EventPayload, encode_event, new_event
from shared.failures import describe_failure
from shared.locks import FileLock, try_xact_lock, xact_lock
from shared.telemetry import Telemetry, current_traceparent
from shared.topics import Topics

__all__ = [
    "Backlog",
    "OutboxMessage",
    "OutboxRelay",
    "PublishBatch",
    "RelayedMessage",
    "Sealer",
    "add_events",
    "backlog",
    "write_outbox",
]

PENDING = "civic_outbox_pending"
"""``session.info`` key: the transaction's outbox rows, inserted just before it commits."""
SEALER = "civic_sealer"
"""``session.info`` key (set by `shared.db.Database`): seals events' personal fields as rows are written."""
ORDER_LOCK = "civic-outbox-order"
RELAY_LOCK = "civic-outbox-relay"

log = logging.getLogger(__name__)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_unsent", "published_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(sa_column=Column(String(36), nullable=False, unique=True))
    event_type: str
    topic: str
    key: str
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    trace_context: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """The W3C ``traceparent`` of the span that wrote the event: the relay's publish span continues it."""


OUTBOX_TABLE: Table = OutboxMessage.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class RelayedMessage:
    topic: str
    key: str
    body: bytes
    event_type: str
    traceparent: str | None = None
    """The relay's publish span, sent as the record's ``traceparent`` header."""


class Sealer(Protocol):
    """Seals an event's personal fields with its case's key (`shared.keyring.Keyring`)."""

    async def seal(self, session: AsyncSession, envelope: Envelope) -> Envelope: ...


PublishBatch = Callable[[Sequence[RelayedMessage]], Awaitable[None]]
"""Publishes every message or raises; the relay's only I/O seam besides the database."""


def add_events(
    session: AsyncSession,
    topics: Topics,
    payloads: Sequence[EventPayload],
    *,
    source: str,
    correlation_id: str | None = None,
) -> list[Envelope]:
    """Put events in the outbox as part of the caller's transaction (written when it commits)."""
    now = datetime.now(UTC)
    trace_context = current_traceparent()
    envelopes = []
    pending: list[tuple[OutboxMessage, Envelope]] = session.info.setdefault(PENDING, [])
    hooks = session.info.setdefault(BEFORE_COMMIT, [])
    if write_outbox not in hooks:
        hooks.append(write_outbox)
    for payload in payloads:
        envelope = new_event(payload, source=source, correlation_id=correlation_id)
        row = OutboxMessage(
            event_id=str(envelope.id),
            event_type=envelope.type,
            topic=topics.name(payload.topic),
            key=envelope.subject,
            body=b"",
            created_at=now,
            trace_context=trace_context,
        )
        pending.append((row, envelope))
        envelopes.append(envelope)
    return envelopes


async def write_outbox(session: AsyncSession) -> None:
    """Insert the transaction's outbox rows, last thing before the commit, so ids follow commit order;
    each event's personal fields sealed with its case's key (as the transaction leaves the key)."""
    pending: list[tuple[OutboxMessage, Envelope]] = session.info.pop(PENDING, [])
    if not pending:
        return
    sealer: Sealer | None = session.info.get(SEALER)
    for row, envelope in pending:
        row.body = encode_event(envelope if sealer is None else await sealer.seal(session, envelope))
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await xact_lock(session, ORDER_LOCK)  # released by the commit that follows
    session.add_all([row for row, _ in pending])
    await session.flush()


class OutboxRelay:
    """Moves committed outbox rows to Kafka, in id order; at most one relay per database publishes at
    any moment (see the module's docstring), so several instances of a service keep a case's order."""

    def __init__(
        self,
        database: Database,
        publish: PublishBatch,
        *,
        poll_seconds: float = 0.5,
        batch_size: int = 500,
        max_backoff_seconds: float = 5.0,
        telemetry: Telemetry | None = None,
    ) -> None:
        """``telemetry``: each message published in a span that continues its row's trace."""
        self._db = database
        self._telemetry = telemetry
        self._publish = publish
        self._poll = poll_seconds
        self._batch_size = batch_size
        self._max_backoff = max_backoff_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._file_lock = _relay_file_lock(database)

    def notify(self) -> None:
        """Something was committed to the outbox: relay now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the pass under way, then return from `run`: a batch the broker took is marked sent
        before the relay ends, instead of being rolled back by a cancel and sent again at shutdown."""
        self._stopping = True
        self._wake.set()

    @property
    def active(self) -> bool:
        """Whether this relay holds the database's relay lock (SQLite: for its process's lifetime)."""
        return self._file_lock is None or self._file_lock.held

    async def relay_once(self) -> int:
        """Publish one batch of unsent rows; the number published (0 also when another relay has the
        turn). Raises if the broker fails."""
        if self._db.is_sqlite:
            if self._file_lock is not None and not self._file_lock.try_acquire():
                return 0  # another process relays for this database; we take over when it is gone
            # This process alone relays: read without the write lock, which a slow broker would
            # otherwise hold against every submission for as long as it takes to answer.
            async with self._db.session() as session:
                rows = (await session.exec(self._unsent())).all()
            if rows:
                await self._send(rows)
                async with self._db.transaction() as session:
                    await self._mark_sent(session, rows)
            return len(rows)
        async with self._db.transaction() as session:
            if not await try_xact_lock(session, RELAY_LOCK):
                return 0  # another instance is publishing a batch: its rows come first
            rows = (await session.exec(self._unsent())).all()
            if rows:
                await self._send(rows)
                await self._mark_sent(session, rows)
            return len(rows)

    def _unsent(self) -> SelectOfScalar[OutboxMessage]:
        return (
            select(OutboxMessage)
            .where(col(OutboxMessage.published_at).is_(None))
            .order_by(col(OutboxMessage.id))
            .limit(self._batch_size)
        )

    async def _send(self, rows: Sequence[OutboxMessage]) -> None:
        if self._telemetry is None:
            await self._publish(
                [RelayedMessage(row.topic, row.key, row.body, row.event_type) for row in rows]
            )
            return
        with self._telemetry.publishing(
            [(row.topic, row.event_type, row.trace_context) for row in rows]
        ) as sent:
            await self._publish(
                [
                    RelayedMessage(row.topic, row.key, row.body, row.event_type, traceparent)
                    for row, traceparent in zip(rows, sent, strict=True)
                ]
            )

    @staticmethod
    async def _mark_sent(session: AsyncSession, rows: Sequence[OutboxMessage]) -> None:
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_([row.id for row in rows]))
            .values(published_at=datetime.now(UTC))
        )

    def release(self) -> None:
        """Give up the relay lock (at shutdown): another instance's relay may take over."""
        if self._file_lock is not None:
            self._file_lock.release()

    async def run(self) -> None:
        """Relay until cancelled, backing off while the broker is unreachable."""
        try:
            await self._run()
        finally:
            self.release()

    async def _run(self) -> None:
        backoff = self._poll
        while not self._stopping:
            # Cleared before draining, so a notify() that lands mid-drain triggers another pass.
            self._wake.clear()
            try:
                while await self.relay_once() == self._batch_size:
                    pass
                backoff = self._poll
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "outbox relay could not publish (%s); retrying in %.1fs", describe_failure(exc), backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that arrives as
            # the wait completes, and the relay would outlive its service.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()

    async def unsent_count(self) -> int:
        return (await backlog(self._db)).unsent


@dataclass(frozen=True, slots=True)
class Backlog:
    """What waits in an outbox: how many rows are not yet sent, and when the oldest of them was written."""

    unsent: int
    oldest: datetime | None

    def oldest_age_seconds(self, now: datetime) -> float:
        return max(0.0, (now - self.oldest).total_seconds()) if self.oldest is not None else 0.0


async def backlog(database: Database) -> Backlog:
    """The outbox's backlog, in one indexed query (``ix_outbox_unsent``)."""
    async with database.session() as session:
        unsent, oldest = (
            await session.exec(
                select(func.count(), func.min(OutboxMessage.created_at)).where(
                    col(OutboxMessage.published_at).is_(None)
                )
            )
        ).one()
    return Backlog(int(unsent), oldest)


def _relay_file_lock(database: Database) -> FileLock | None:
    """SQLite: the lock file beside the database that makes one process its relay."""
    if not database.is_sqlite:
        return None
    path = make_url(database.url).database
    return FileLock(Path(f"{path}.relay.lock")) if path and path != ":memory:" else None
