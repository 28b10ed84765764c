"""The one Kafka consumer wrapper every service uses.

Messages come in batches (``getmany``). The types a consumer does not handle are skipped by their
``ce-type`` header; the others are decoded, and those its use case declares it changes nothing for
(`only_when`: a deadline of a clock the service does not show) are skipped too — a batch of nothing
else opens no transaction. The rest, in ONE database transaction per batch: their event ids
are recorded as processed by this consumer (the inbox, 收件登记, one statement) and their use cases run
in offset order, each adding events to the outbox; commit; only then are the Kafka offsets committed
(FastStream ``AckPolicy.NACK_ON_ERROR`` with auto-commit off). A redelivered event finds its id
recorded and changes nothing.

Failures:

- a message that is not a valid event (any bytes at all: FastStream's own decoding is bypassed) is
  dead-lettered at once;
- a batch whose use cases raise is split in two and each half applied apart, down to the one event
  that fails: it is tried ``attempts`` times with backoff, then goes to ``<topic>.dlq`` with headers
  ``x-dlq-error``, ``x-dlq-consumer``, ``x-dlq-attempts`` and the original topic, partition and offset,
  and the consumer moves on — its neighbours are applied, in their order;
- an infrastructure failure (the database or the network is down, restarting, out of connections;
  see `shared.failures`) is never dead-lettered: after the attempts the batch is not acknowledged
  and Kafka delivers it again, so the partition waits for the database instead of losing events;
- if even the dead-letter publish fails, the batch is not acknowledged: Kafka redelivers it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from sqlalchemy import Column, String, Table
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import Database, UTCDateTime, insert_new
from shared.events import Envelope, EventPayload, decode_event
from shared.failures import FailedAt, OwnMessage, describe_failure, is_awaited, is_infrastructure
from shared.logs import EventContext, logged
from shared.metrics import ServiceMetrics
from shared.outbox import OutboxRelay, add_events
from shared.telemetry import TRACEPARENT, Telemetry
from shared.topics import Topics, TopicSpec

__all__ = [
    "BatchPolicy",
    "ConsumerSpec",
    "EventConsumer",
    "EventHandler",
    "InfrastructureUnavailable",
    "Opener",
    "PermanentFailure",
    "ProcessedEvent",
    "Projector",
    "only_when",
    "takes",
]

log = logging.getLogger(__name__)

P = TypeVar("P", bound=EventPayload)

EventHandler = Callable[[AsyncSession, Envelope, Any], Awaitable[Sequence[EventPayload]]]
"""A use case reacting to one event: it gets the open transaction, returns the events to emit."""


class _Selective:
    """A use case that changes nothing for some events of its type, which it says beforehand."""

    def __init__(self, applies: Callable[[Any], bool], handler: EventHandler) -> None:
        self.applies, self._handler = applies, handler
        self.__name__ = getattr(handler, "__name__", "handler")

    async def __call__(
        self, session: AsyncSession, envelope: Envelope, payload: Any
    ) -> Sequence[EventPayload]:
        return await self._handler(session, envelope, payload)


def only_when(applies: Callable[[Any], bool], handler: EventHandler) -> EventHandler:
    """``handler`` for the events ``applies`` picks (it sees the decoded payload, personal fields still
    sealed). Any other event of its type changes nothing, so the consumer skips it before opening a
    transaction, and records nothing of it: skipped again when redelivered, it still changes nothing."""
    return _Selective(applies, handler)


def takes(handler: EventHandler, payload: Any) -> bool:
    """Whether ``handler`` takes this event of its type (see `only_when`); a replay skips it alike."""
    return not isinstance(handler, _Selective) or handler.applies(payload)


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
AWAIT_STEP_SECONDS = 0.02
AWAIT_SECONDS = 2.0
"""How long a batch looks again every 20 ms for what another consumer is bringing (a case's key)
before it waits like an outage, with backoff and then redelivery."""
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


@dataclass(frozen=True, slots=True)
class BatchPolicy:
    size: int = 200
    """Most events taken in one transaction."""
    wait_ms: int = 50
    """How long an idle consumer waits for records before it looks again."""


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
        batch: BatchPolicy = BatchPolicy(),
        projector: Projector | None = None,
        keyring: Opener | None = None,
        metrics: ServiceMetrics | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        """Without ``keyring`` the use cases get personal fields as they travel (sealed). ``metrics``
        counts the dead letters; ``telemetry`` applies each event in a span continuing its record's trace."""
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
        self._batch = batch
        self._projector = projector
        self._keyring = keyring
        self._metrics = metrics
        self._telemetry = telemetry
        self._broker: KafkaBroker | None = None
        self._subscriber: Any = None

    def subscribe(self, broker: KafkaBroker) -> None:
        self._broker = broker

        async def on_batch(message: KafkaMessage) -> None:
            records = message.raw_message
            await self.process(records if isinstance(records, tuple) else (records,))

        on_batch.__doc__ = f"{self.name}: handles {', '.join(sorted(t.event_type for t in self._handlers))}"
        self._subscriber = broker.subscriber(
            self.topic,
            group_id=self.group_id,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            batch=True,
            max_records=self._batch.size,
            batch_timeout_ms=self._batch.wait_ms,
            decoder=_raw_body,
            title=f"{self.topic}:{self.name}",
            description=on_batch.__doc__,
        )
        self._subscriber(on_batch)

    async def lag(self) -> dict[int, int]:
        """For each partition this instance holds: the newest offset it has seen less its group's
        committed one (nothing while it holds none or has not fetched yet)."""
        consumer = getattr(self._subscriber, "consumer", None)
        if consumer is None:
            return {}
        lags: dict[int, int] = {}
        for partition in consumer.assignment():
            newest = consumer.highwater(partition)
            if newest is None:
                continue
            committed = await consumer.committed(partition)
            lags[partition.partition] = max(0, newest - (committed or 0))
        return lags

    async def process(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        """One batch, in offset order per partition: decoded (the types handled only), then applied."""
        deliveries: list[_Delivery] = []
        for record in records:
            declared = _header(record, TYPE_HEADER)
            if declared is not None and declared not in self._types:
                continue  # a type this consumer does not handle, told by its header: not even decoded
            try:
                envelope, payload = decode_event(record.value or b"")
            except Exception as exc:  # whatever the bytes are, they are dead-lettered, never retried
                await self._dead_letter(record, exc, attempts=1)
                continue
            handler = self._handlers.get(type(payload)) if payload is not None else None
            if handler is not None and takes(handler, payload):
                deliveries.append(_Delivery(record, envelope, payload, handler))
        if deliveries:
            await self._apply(deliveries)

    async def _apply(self, deliveries: list[_Delivery], *, tried: int = 0) -> None:
        """One transaction for the whole batch. If a use case fails for a reason of its own, the events
        before it are applied again without it, it is retried alone (``tried`` attempts already spent)
        and dead-lettered when it keeps failing, and the events after it follow — in their order. A
        failure no event can be blamed for (at the commit) splits the batch in halves. If the database
        or network is down, the batch is retried whole, then left unacknowledged."""
        attempt, awaited = tried, 0.0
        while True:
            attempt += 1
            try:
                emitted = await self._apply_once(deliveries)
            except Exception as raised:
                exc, culprit = (
                    (raised.cause, raised.index) if isinstance(raised, FailedAt) else (raised, None)
                )
                first = deliveries[0].envelope
                if is_awaited(exc) and awaited < AWAIT_SECONDS:
                    # A case's key is on its way on another topic (read by another consumer of this
                    # service): look again shortly, without spending an attempt or backing off.
                    await asyncio.sleep(AWAIT_STEP_SECONDS)
                    awaited += AWAIT_STEP_SECONDS
                    attempt -= 1
                    continue
                if is_infrastructure(exc):
                    log.warning(
                        "%s: %s %s (+%d more): infrastructure failure (attempt %d): %s",
                        self.name,
                        first.type,
                        first.id,
                        len(deliveries) - 1,
                        attempt,
                        describe_failure(exc),
                    )
                    await asyncio.sleep(min(self._retry.backoff_seconds * 2**attempt, MAX_BACKOFF_SECONDS))
                    if attempt >= self._retry.attempts:  # the cause's text stays out of the log
                        raise InfrastructureUnavailable(
                            f"{first.type} {first.id}: {describe_failure(exc)}"
                        ) from None
                    continue
                if len(deliveries) > 1:
                    await self._set_apart(deliveries, culprit, exc)
                    return
                if isinstance(exc, PermanentFailure) or attempt >= self._retry.attempts:
                    await self._dead_letter(deliveries[0].record, exc, attempts=attempt)
                    return
                log.warning(
                    "%s: %s %s failed (attempt %d: %s), retrying",
                    self.name,
                    first.type,
                    first.id,
                    attempt,
                    describe_failure(exc),
                )
                await asyncio.sleep(self._retry.backoff_seconds * attempt)
            else:
                if emitted:
                    self._relay.notify()
                return

    async def _set_apart(self, deliveries: list[_Delivery], culprit: int | None, exc: BaseException) -> None:
        log.info(
            "%s: a batch of %d failed (%s): applying %s apart",
            self.name,
            len(deliveries),
            describe_failure(exc),
            "the halves" if culprit is None else f"event {deliveries[culprit].envelope.id}",
        )
        if culprit is None:
            middle = len(deliveries) // 2
            await self._apply(deliveries[:middle])
            await self._apply(deliveries[middle:])
            return
        if culprit:
            await self._apply(deliveries[:culprit])
        if isinstance(exc, PermanentFailure):  # never retried
            await self._dead_letter(deliveries[culprit].record, exc, attempts=1)
        else:
            await self._apply([deliveries[culprit]], tried=1)
        if culprit + 1 < len(deliveries):
            await self._apply(deliveries[culprit + 1 :])

    async def _apply_once(self, deliveries: Sequence[_Delivery]) -> int:
        """The inbox rows in one statement, then each new event's use case in offset order; each sees
        the database as the one before left it, as if it had its own transaction."""
        async with self._db.transaction() as session:
            now = datetime.now(UTC)
            fresh = await insert_new(
                session,
                PROCESSED_TABLE,
                list(
                    {
                        event_id: {"consumer": self.name, "event_id": event_id, "processed_at": now}
                        for event_id in (str(d.envelope.id) for d in deliveries)
                    }.values()
                ),
                key="event_id",
            )
            emitted_count = 0
            for index, delivery in enumerate(deliveries):
                envelope = delivery.envelope
                with self._observed(delivery):
                    if str(envelope.id) not in fresh:
                        log.info("%s: %s %s already processed", self.name, envelope.type, envelope.id)
                        continue
                    fresh.discard(str(envelope.id))  # the same event twice in one batch: applied once
                    try:
                        emitted_count += await self._apply_one(
                            session, envelope, delivery.payload, delivery.handler
                        )
                    except Exception as exc:
                        raise FailedAt(index, exc) from exc
            return emitted_count

    def _observed(self, delivery: _Delivery) -> contextlib.AbstractContextManager[object]:
        """The event's ids in the log context and, with telemetry, its span (child of the record's trace)."""
        envelope, record = delivery.envelope, delivery.record
        event = EventContext(str(envelope.id), envelope.type, envelope.correlationid)
        if self._telemetry is None:
            return logged(event)
        return self._telemetry.processing(
            group=self.group_id,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            event=event,
            traceparent=_header(record, TRACEPARENT) or _traceparent_of(envelope),
        )

    async def _apply_one(
        self, session: AsyncSession, envelope: Envelope, payload: Any, handler: EventHandler
    ) -> int:
        if self._keyring is not None:
            payload = await self._keyring.open(session, envelope, payload)
        emitted = await handler(session, envelope, payload)
        envelopes = add_events(
            session, self._topics, emitted, source=self._source, correlation_id=envelope.correlationid
        )
        if self._projector is not None:
            for own, own_payload in zip(envelopes, emitted, strict=True):
                await self._projector(session, own, own_payload)
        await session.flush()  # a write that fails is blamed on this event
        session.expunge_all()  # the next use case loads what it reads afresh
        return len(emitted)

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], error: BaseException, *, attempts: int
    ) -> None:
        assert self._broker is not None, "subscribe() first"
        log.error(
            "%s: dead-lettering offset %s of %s: %s",
            self.name,
            record.offset,
            record.topic,
            describe_failure(error),
        )
        await self._broker.publish(
            record.value,
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
        if self._metrics is not None:  # once published: a failed publish is redelivered, and counted then
            self._metrics.dead_letters.labels(topic=record.topic, group=self.group_id).inc()


@dataclass(frozen=True, slots=True)
class _Delivery:
    record: ConsumerRecord[bytes, bytes]
    envelope: Envelope
    payload: Any
    handler: EventHandler


def _traceparent_of(envelope: Envelope) -> str | None:
    """Another producer may carry the trace in the event itself (CloudEvents' distributed tracing extension)."""
    value = (envelope.model_extra or {}).get(TRACEPARENT)
    return value if isinstance(value, str) else None


def _header(record: ConsumerRecord[bytes, bytes], name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return bytes(value).decode("utf-8", "replace")
    return None
