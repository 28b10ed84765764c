"""Broker factory and the outbox relay's publisher."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker

from shared.outbox import PublishBatch, RelayedMessage

__all__ = ["CLOUDEVENTS_CONTENT_TYPE", "make_broker", "make_publisher", "partitions_of"]

CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


def make_broker(bootstrap_servers: str, *, client_id: str) -> KafkaBroker:
    """An idempotent producer (``enable_idempotence`` implies ``acks=all``); nothing connects yet."""
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        request_timeout_ms=15_000,
    )


def make_publisher(broker: KafkaBroker) -> PublishBatch:
    """Publish a batch: send all, then wait for every acknowledgement (order per key is kept)."""

    async def publish(messages: Sequence[RelayedMessage]) -> None:
        pending = [
            await broker.publish(
                message.body,
                topic=message.topic,
                key=message.key.encode(),
                headers={"content-type": CLOUDEVENTS_CONTENT_TYPE, "ce-type": message.event_type},
                no_confirm=True,
            )
            for message in messages
        ]
        await asyncio.gather(*pending)

    return publish


async def partitions_of(bootstrap_servers: str, topic: str) -> list[int]:
    """The partition numbers of ``topic``, asked of the broker."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        (description,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(int(partition["partition"]) for partition in description["partitions"])
