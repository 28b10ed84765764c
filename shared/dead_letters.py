"""Dead letters (死信): the events a consumer could not apply after its attempts, kept in ``<topic>.dlq``
with why (`shared.consumer`): listed and shown to an admin or operator, and replayed — after the cause
is fixed, every message not replayed yet goes back to the topic it came from, with its key, so it keeps
its place in its case's order from then on. The consumer group ``dlq-replay`` remembers how far each
dead-letter topic was replayed: replaying twice replays nothing twice, and a consumer that had applied
an event already ignores it by its id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.kafka import partitions_of
from shared.kafka_security import client_options
from shared.settings import KafkaSecurity
from shared.topics import ALL_TOPICS, Topics, TopicSpec

__all__ = ["DeadLetter", "dead_letter", "list_dead_letters", "replay_dead_letters", "topic_spec"]

REPLAY_GROUP = "dlq-replay"
SHOWN_BYTES = 8_000


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One dead letter: where it is, what it was (as far as it can be read) and why it failed."""

    topic: str
    """The topic it failed on (without the deployment's prefix), e.g. ``case-events``."""
    partition: int
    offset: int
    at: datetime
    event_type: str
    event_id: str
    subject: str
    error: str
    consumer: str
    attempts: str
    replayed: bool
    body: str = ""
    """The record as it was (JSON pretty-printed when it is JSON), cut at 8,000 characters; set by
    `dead_letter` only. Personal fields are sealed with their case's key, as in the log."""


def topic_spec(name: str) -> TopicSpec:
    spec = next((t for t in ALL_TOPICS if t.name == name), None)
    if spec is None:
        raise ValueError(f"unknown topic {name!r}; one of {', '.join(t.name for t in ALL_TOPICS)}")
    return spec


def _read(
    record: ConsumerRecord[bytes, bytes], spec: TopicSpec, replayed_to: int, *, body: bool
) -> DeadLetter:
    headers = {k: v.decode(errors="replace") for k, v in record.headers}
    value = record.value or b""
    envelope: dict[str, object] = {}
    try:
        parsed = json.loads(value)
        envelope = parsed if isinstance(parsed, dict) else {}
        shown = json.dumps(parsed, ensure_ascii=False, indent=2)
    except (UnicodeDecodeError, json.JSONDecodeError):
        shown = value[:SHOWN_BYTES].decode(errors="replace")
    return DeadLetter(
        topic=spec.name,
        partition=record.partition,
        offset=record.offset,
        at=datetime.fromtimestamp(record.timestamp / 1000, UTC),
        event_type=str(
            headers.get("ce_type") or headers.get("ce-type") or envelope.get("type") or "（无法识别）"
        ),
        event_id=str(envelope.get("id") or ""),
        subject=str(envelope.get("subject") or (record.key or b"").decode(errors="replace")),
        error=headers.get("x-dlq-error", ""),
        consumer=headers.get("x-dlq-consumer", ""),
        attempts=headers.get("x-dlq-attempts", ""),
        replayed=record.offset < replayed_to,
        body=shown[:SHOWN_BYTES] if body else "",
    )


async def _replayed_to(
    bootstrap_servers: str, topics: Topics, dlq: str, security: KafkaSecurity | None
) -> dict[int, int]:
    """How far the replay group got in each partition of a dead-letter topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **client_options(security))
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(f"{topics.prefix}{REPLAY_GROUP}")
    finally:
        await admin.close()
    return {
        tp.partition: meta.offset for tp, meta in committed.items() if tp.topic == dlq and meta.offset >= 0
    }


async def list_dead_letters(
    bootstrap_servers: str, topics: Topics, *, limit: int = 200, security: KafkaSecurity | None = None
) -> list[DeadLetter]:
    """Every topic's dead letters, the newest first (at most ``limit``)."""
    found: list[DeadLetter] = []
    for spec in ALL_TOPICS:
        dlq = topics.dlq(spec)
        replayed = await _replayed_to(bootstrap_servers, topics, dlq, security)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers, enable_auto_commit=False, **client_options(security)
        )
        await consumer.start()
        try:
            partitions = [
                TopicPartition(dlq, p) for p in await partitions_of(bootstrap_servers, dlq, security=security)
            ]
            if not partitions:
                continue
            consumer.assign(partitions)
            end = await consumer.end_offsets(partitions)
            for tp in partitions:
                consumer.seek(tp, max(0, end[tp] - limit))
            while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found += [_read(r, spec, replayed.get(r.partition, 0), body=False) for r in records]
        finally:
            await consumer.stop()
    return sorted(found, key=lambda letter: (letter.at, letter.offset), reverse=True)[:limit]


async def dead_letter(
    bootstrap_servers: str,
    topics: Topics,
    topic: str,
    partition: int,
    offset: int,
    *,
    security: KafkaSecurity | None = None,
) -> DeadLetter | None:
    """One dead letter with its body, or None when there is none there."""
    spec = topic_spec(topic)
    dlq = topics.dlq(spec)
    if partition not in await partitions_of(bootstrap_servers, dlq, security=security):
        return None
    tp = TopicPartition(dlq, partition)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, enable_auto_commit=False, **client_options(security)
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        end = (await consumer.end_offsets([tp]))[tp]
        if not 0 <= offset < end:
            return None
        consumer.seek(tp, offset)
        record = await consumer.getone()
    finally:
        await consumer.stop()
    replayed = await _replayed_to(bootstrap_servers, topics, dlq, security)
    return _read(record, spec, replayed.get(partition, 0), body=True)


async def replay_dead_letters(
    bootstrap_servers: str, topics: Topics, topic: str, *, security: KafkaSecurity | None = None
) -> int:
    """Publish every dead letter of ``topic`` not replayed yet back to its topic; how many."""
    dlq = topics.dlq(topic_spec(topic))
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=f"{topics.prefix}{REPLAY_GROUP}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **client_options(security),
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, enable_idempotence=True, **client_options(security)
    )
    await consumer.start()
    await producer.start()
    replayed = 0
    try:
        partitions = [
            TopicPartition(dlq, p) for p in await partitions_of(bootstrap_servers, dlq, security=security)
        ]
        consumer.assign(partitions)
        end = await consumer.end_offsets(partitions)
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    headers = dict(record.headers)
                    target = headers.get("x-dlq-topic", topics.name(topic_spec(topic)).encode()).decode()
                    await producer.send_and_wait(
                        target,
                        record.value,
                        key=record.key,
                        headers=[
                            ("x-dlq-replayed-from", f"{dlq}:{record.partition}:{record.offset}".encode())
                        ],
                    )
                    replayed += 1
            await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()
    return replayed
