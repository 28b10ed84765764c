"""The one Kafka consumer wrapper every service uses.

For each message: decode the CloudEvents envelope; in ONE database transaction record the event id
as processed by this consumer (the inbox, 收件登记) and run the use case, which may add events to the
outbox; commit; only then is the Kafka offset committed (FastStream ``AckPolicy.NACK_ON_ERROR`` with
auto-commit off). A redelivered event finds its id recorded and changes nothing.

Failures:

- a message that is not a valid event (any bytes at all: FastStream's own decoding is bypassed) is
  dead-lettered at once;
- a use case that raises is tried ``attempts`` times with backoff, then the message goes to
  ``<topic>.dlq`` with headers ``x-dlq-error``, ``x-dlq-consumer``, ``x-dlq-attempts`` and the original
  topic, partition and offset, and the consumer moves on;
- an infrastructure failure (the database or the network is down, restarting, out of connections;
  see `shared.failures`) is never dead-lettered: after the attempts the message is not acknowledged
  and Kafka delivers it again, so the partition waits for the database instead of losing events;
- if even the dead-letter publish fails, the message is not acknowledged: Kafka redelivers it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from sqlalchemy import Column, String, Table
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import Database, UTCDateTime, insert_ignoring_duplicates
from shared.events import Envelope, EventPayload, decode_event
from shared.failures import OwnMessage, describe_failure, is_infrastructure
from shared.outbox import OutboxRelay, add_events
from shared.topics import Topics, TopicSpec

__all__ = [
    "ConsumerSpec",
    "EventConsumer",
    "EventHandler",
    "InfrastructureUnavailable",
    "Opener",
    "PermanentFailure",
    "ProcessedEvent",
    "Projector",
]

log = logging.getLogger(__name__)

P = TypeVar("P", bound=EventPayload)

EventHandler = Callable[[AsyncSession, Envelope, Any], Awaitable[Sequence[EventPayload]]]
"""A use case reacting to one event: it gets the open transaction, returns the events to emit."""


class Opener(Protocol):
    """Opens an event's sealed personal fields with its case's key (`shared.keyring.Keyring`)."""

    async def open(self, session: AsyncSession, envelope: Envelope, payload: Any) -> Any: ...


Projector = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]
"""Applies an event the service itself emitted to its own state, in the transaction that emits it —
and again, from the log, in a replay (`shared.replay`): one function for both, so they cannot differ."""


@dataclass(frozen=True)
class ConsumerSpec:
    """One consumer group of a service: its topic, its use cases, and what a replay does instead.

    ``rebuild`` (when given) replaces ``handlers`` in a replay for every type the group handles: the
    part of each reaction that follows from the event alone, without the decisions whose outcome is
    already in the log as the service's own events (a type it lacks does nothing in a replay). Without
    ``rebuild`` a replay runs ``handlers`` themselves and drops what they emit.
    """

    name: str
    topic: TopicSpec
    handlers: Mapping[type[EventPayload], EventHandler]
    rebuild: Mapping[type[EventPayload], EventHandler] | None = None

    def rebuild_handler(self, payload_type: type[EventPayload]) -> EventHandler | None:
        if payload_type not in self.handlers:
            return None
        if self.rebuild is None:
            return self.handlers[payload_type]
        handler: EventHandler = self.rebuild.get(payload_type, _nothing)
        return handler


async def _nothing(_session: AsyncSession, _envelope: Envelope, _payload: Any) -> list[EventPayload]:
    return []


class PermanentFailure(OwnMessage):
    """Raised by a use case for an event that can never succeed: dead-lettered without retries."""


class InfrastructureUnavailable(OwnMessage):
    """The database or network stayed down through every attempt: Kafka is to redeliver the message."""


MAX_BACKOFF_SECONDS = 5.0
TYPE_HEADER = "ce-type"
"""The header the relay puts the event's type in (`shared.kafka.make_publisher`): a consumer skips the
types it does not handle without decoding them. A record without it (another producer) is decoded."""


async def _raw_body(message: StreamMessage[Any]) -> bytes:
    """Hand the wrapper the bytes as they are: decoding (and its failures) is ours to handle."""
    body: bytes = message.body
    return body


class ProcessedEvent(SQLModel, table=True):
    """The inbox: which consumer has processed which event (idempotence under redelivery)."""

    __tablename__ = "processed_event"

    consumer: str = Field(sa_column=Column(String(100), primary_key=True))
    event_id: str = Field(sa_column=Column(String(36), primary_key=True))
    processed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


PROCESSED_TABLE: Table = ProcessedEvent.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    backoff_seconds: float = 0.2


class EventConsumer:
    """Subscribes one consumer group to one topic and dispatches events by type to use cases."""

    def __init__(
        self,
        *,
        name: str,
        topic: TopicSpec,
        topics: Topics,
        database: Database,
        relay: OutboxRelay,
        source: str,
        handlers: Mapping[type[EventPayload], EventHandler],
        retry: RetryPolicy = RetryPolicy(),
        projector: Projector | None = None,
        keyring: Opener | None = None,
    ) -> None:
        """Without ``keyring`` the use cases get personal fields as they travel (sealed)."""
        self.name = name
        self.group_id = f"{topics.prefix}{name}"
        self.topic = topics.name(topic)
        self.dlq_topic = topics.dlq(topic)
        self._topics = topics
        self._db = database
        self._relay = relay
        self._source = source
        self._handlers = dict(handlers)
        self._types = frozenset(payload_type.event_type for payload_type in self._handlers)
        self._retry = retry
        self._projector = projector
        self._keyring = keyring
        self._broker: KafkaBroker | None = None

    def subscribe(self, broker: KafkaBroker) -> None:
        self._broker = broker

        async def on_message(message: KafkaMessage) -> None:
            await self.process(message)

        on_message.__doc__ = f"{self.name}: handles {', '.join(sorted(t.event_type for t in self._handlers))}"
        broker.subscriber(
            self.topic,
            group_id=self.group_id,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            decoder=_raw_body,
            title=f"{self.topic}:{self.name}",
            description=on_message.__doc__,
        )(on_message)

    async def process(self, message: KafkaMessage) -> None:
        declared = (message.headers or {}).get(TYPE_HEADER)
        if declared is not None and declared not in self._types:
            return  # a type this consumer does not handle, told by its header: not even decoded
        raw: bytes = message.body
        try:
            envelope, payload = decode_event(raw)
        except Exception as exc:  # whatever the bytes are, they are dead-lettered, never retried
            await self._dead_letter(message, exc, attempts=1)
            return
        handler = self._handlers.get(type(payload)) if payload is not None else None
        if handler is None:
            return  # a type this consumer does not handle
        for attempt in range(1, self._retry.attempts + 1):
            try:
                emitted = await self._handle_once(envelope, payload, handler)
            except PermanentFailure as exc:
                await self._dead_letter(message, exc, attempts=attempt)
                return
            except Exception as exc:
                if is_infrastructure(exc):
                    log.warning(
                        "%s: %s %s: infrastructure failure (attempt %d): %s",
                        self.name,
                        envelope.type,
                        envelope.id,
                        attempt,
                        describe_failure(exc),
                    )
                    await asyncio.sleep(min(self._retry.backoff_seconds * 2**attempt, MAX_BACKOFF_SECONDS))
                    if attempt == self._retry.attempts:  # the cause's text stays out of the log
                        raise InfrastructureUnavailable(
                            f"{envelope.type} {envelope.id}: {describe_failure(exc)}"
                        ) from None
                    continue
                if attempt == self._retry.attempts:
                    await self._dead_letter(message, exc, attempts=attempt)
                    return
                log.warning(
                    "%s: %s %s failed (attempt %d: %s), retrying",
                    self.name,
                    envelope.type,
                    envelope.id,
                    attempt,
                    describe_failure(exc),
                )
                await asyncio.sleep(self._retry.backoff_seconds * attempt)
            else:
                if emitted:
                    self._relay.notify()
                return

    async def _handle_once(self, envelope: Envelope, payload: Any, handler: EventHandler) -> int:
        async with self._db.transaction() as session:
            first_time = await insert_ignoring_duplicates(
                session,
                PROCESSED_TABLE,
                {"consumer": self.name, "event_id": str(envelope.id), "processed_at": datetime.now(UTC)},
            )
            if not first_time:
                log.info("%s: %s %s already processed", self.name, envelope.type, envelope.id)
                return 0
            if self._keyring is not None:
                payload = await self._keyring.open(session, envelope, payload)
            emitted = await handler(session, envelope, payload)
            envelopes = add_events(
                session, self._topics, emitted, source=self._source, correlation_id=envelope.correlationid
            )
            if self._projector is not None:
                for own, own_payload in zip(envelopes, emitted, strict=True):
                    await self._projector(session, own, own_payload)
            return len(emitted)

    async def _dead_letter(self, message: KafkaMessage, error: BaseException, *, attempts: int) -> None:
        assert self._broker is not None, "subscribe() first"
        record = message.raw_message
        assert not isinstance(record, tuple), "subscribers here take one message at a time"
        log.error(
            "%s: dead-lettering offset %s of %s: %s",
            self.name,
            record.offset,
            record.topic,
            describe_failure(error),
        )
        await self._broker.publish(
            message.body,
            topic=self.dlq_topic,
            key=record.key,
            headers={
                "x-dlq-error": describe_failure(error)[:2000],
                "x-dlq-consumer": self.name,
                "x-dlq-attempts": str(attempts),
                "x-dlq-topic": record.topic,
                "x-dlq-partition": str(record.partition),
                "x-dlq-offset": str(record.offset),
            },
        )
