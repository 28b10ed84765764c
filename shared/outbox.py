"""Transactional outbox (发件箱): events are stored with the change that caused them, then relayed.

A use case adds its events to the session it commits; :class:`OutboxRelay` publishes committed rows
in id order and marks them sent. A broker outage delays events and loses none. Delivery is at least
once — consumers drop the duplicates by event id (``shared.consumer``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Index, LargeBinary, String, Table, update
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import Database, UTCDateTime
from shared.events import Envelope, EventPayload, encode_event, new_event
from shared.topics import Topics

__all__ = ["OutboxMessage", "OutboxRelay", "PublishBatch", "RelayedMessage", "add_events"]

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


OUTBOX_TABLE: Table = OutboxMessage.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class RelayedMessage:
    topic: str
    key: str
    body: bytes
    event_type: str


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
    """Put events in the outbox as part of the caller's transaction."""
    now = datetime.now(UTC)
    envelopes = []
    for payload in payloads:
        envelope = new_event(payload, source=source, correlation_id=correlation_id)
        session.add(
            OutboxMessage(
                event_id=str(envelope.id),
                event_type=envelope.type,
                topic=topics.name(payload.topic),
                key=envelope.subject,
                body=encode_event(envelope),
                created_at=now,
            )
        )
        envelopes.append(envelope)
    return envelopes


class OutboxRelay:
    """Moves committed outbox rows to Kafka, in id order. Run ONE relay per database.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two relays never publish the
    same row twice — but they could publish two events of one case out of order. Until relays are
    partitioned by key, each service runs one instance per database (SQLite has no row locks anyway).
    """

    def __init__(
        self,
        database: Database,
        publish: PublishBatch,
        *,
        poll_seconds: float = 0.5,
        batch_size: int = 500,
        max_backoff_seconds: float = 5.0,
    ) -> None:
        self._db = database
        self._publish = publish
        self._poll = poll_seconds
        self._batch_size = batch_size
        self._max_backoff = max_backoff_seconds
        self._wake = asyncio.Event()

    def notify(self) -> None:
        """Something was committed to the outbox: relay now rather than at the next poll."""
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish one batch of unsent rows; the number published. Raises if the broker fails."""
        async with self._db.transaction() as session:
            query = (
                select(OutboxMessage)
                .where(col(OutboxMessage.published_at).is_(None))
                .order_by(col(OutboxMessage.id))
                .limit(self._batch_size)
            )
            if not self._db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = (await session.exec(query)).all()
            if not rows:
                return 0
            await self._publish(
                [RelayedMessage(row.topic, row.key, row.body, row.event_type) for row in rows]
            )
            await session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_([row.id for row in rows]))
                .values(published_at=datetime.now(UTC))
            )
            return len(rows)

    async def run(self) -> None:
        """Relay until cancelled, backing off while the broker is unreachable."""
        backoff = self._poll
        while True:
            # Cleared before draining, so a notify() that lands mid-drain triggers another pass.
            self._wake.clear()
            try:
                while await self.relay_once() == self._batch_size:
                    pass
                backoff = self._poll
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("outbox relay could not publish; retrying in %.1fs", backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that arrives as
            # the wait completes, and the relay would outlive its service.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()

    async def unsent_count(self) -> int:
        async with self._db.session() as session:
            rows = await session.exec(
                select(OutboxMessage.id).where(col(OutboxMessage.published_at).is_(None))
            )
            return len(rows.all())
