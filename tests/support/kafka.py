"""Reading and writing raw events on the real broker, for assertions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared.events import Envelope, EventPayload, decode_event, encode_event, new_event
from shared.kafka_security import client_options
from shared.settings import KafkaSecurity


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes | None
    value: bytes
    headers: dict[str, str]
    partition: int
    offset: int


class TopicReader:
    """Reads a topic from the beginning, without a consumer group, and remembers what it saw."""

    def __init__(self, bootstrap_servers: str, topic: str, *, security: KafkaSecurity | None = None) -> None:
        self.topic = topic
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers, enable_auto_commit=False, **client_options(security)
        )
        self.records: list[Record] = []

    async def start(self) -> TopicReader:
        await self._consumer.start()
        deadline = time.monotonic() + 15
        partitions: set[int] | None = None
        while not partitions:  # a topic created a moment ago may not be in the metadata yet
            # consumer.topics() fetches metadata but does not keep it; ask the client for a snapshot
            cluster = await self._consumer._client.fetch_all_metadata()
            partitions = cluster.partitions_for_topic(self.topic)
            if not partitions and time.monotonic() > deadline:
                await self._consumer.stop()
                raise AssertionError(f"topic {self.topic} does not exist")
            if not partitions:
                await asyncio.sleep(0.2)
        assigned = [TopicPartition(self.topic, p) for p in partitions]
        self._consumer.assign(assigned)
        await self._consumer.seek_to_beginning(*assigned)
        return self

    async def stop(self) -> None:
        await self._consumer.stop()

    async def _poll(self) -> None:
        batches = await self._consumer.getmany(timeout_ms=200)
        for batch in batches.values():
            for message in batch:
                self.records.append(
                    Record(
                        topic=message.topic,
                        key=message.key,
                        value=message.value,
                        headers={k: v.decode() for k, v in message.headers},
                        partition=message.partition,
                        offset=message.offset,
                    )
                )

    async def wait_for_records(
        self, predicate: Callable[[Record], bool], *, count: int = 1, timeout: float = 30.0
    ) -> list[Record]:
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.records if predicate(r)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} records on {self.topic} after {timeout}s")
            await self._poll()

    def events(self, subject: str | None = None) -> list[Envelope]:
        envelopes = []
        for record in self.records:
            try:
                envelope, _ = decode_event(record.value)
            except ValueError:
                continue
            if subject is None or envelope.subject == subject:
                envelopes.append(envelope)
        return envelopes

    async def wait_for_event(
        self,
        subject: str,
        event_type: str,
        *,
        count: int = 1,
        timeout: float = 30.0,
        where: Callable[[Envelope], bool] | None = None,
    ) -> list[Envelope]:
        """The events of ``event_type`` about ``subject`` (those ``where`` accepts), once ``count`` came."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.events(subject) if e.type == event_type and (where is None or where(e))]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [e.type for e in self.events(subject)]
                raise AssertionError(f"no {count}× {event_type} for {subject} after {timeout}s; saw {seen}")
            await self._poll()

    async def settle(self, seconds: float = 1.0) -> None:
        """Read whatever arrives in the next ``seconds`` (to show something did NOT happen)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await self._poll()


class RawProducer:
    def __init__(self, bootstrap_servers: str, *, security: KafkaSecurity | None = None) -> None:
        self.bootstrap_servers = bootstrap_servers
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers, enable_idempotence=True, **client_options(security)
        )

    async def start(self) -> RawProducer:
        await self._producer.start()
        return self

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(
        self,
        topic: str,
        value: bytes,
        key: str | None = None,
        content_type: str | None = None,
        event_type: str | None = None,
    ) -> None:
        headers = [("content-type", content_type.encode())] if content_type else []
        if event_type is not None:
            headers.append(("ce-type", event_type.encode()))
        await self._producer.send_and_wait(
            topic, value, key=key.encode() if key else None, headers=headers or None
        )

    async def send_event(self, topic: str, envelope: Envelope) -> None:
        await self.send(topic, encode_event(envelope), key=envelope.subject)

    async def send_payloads(
        self, topic: str, payloads: Sequence[EventPayload], source: str = "/tests"
    ) -> list[Envelope]:
        envelopes = [new_event(p, source=source) for p in payloads]
        for envelope in envelopes:
            await self.send_event(topic, envelope)
        return envelopes
