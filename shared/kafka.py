"""Broker factory and the outbox relay's publisher."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import DescribeGroupsRequest_v1, DescribeGroupsRequest_v2
from aiokafka.protocol.api import Request
from faststream.kafka import KafkaBroker

from shared.consumer import TYPE_HEADER
from shared.kafka_security import broker_options, client_options
from shared.outbox import PublishBatch, RelayedMessage
from shared.settings import KafkaSecurity
from shared.telemetry import TRACEPARENT

__all__ = ["CLOUDEVENTS_CONTENT_TYPE", "group_members", "make_broker", "make_publisher", "partitions_of"]

CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"

# aiokafka logs each record's value at DEBUG: the events carry citizens' letters, names and numbers.
logging.getLogger("aiokafka").setLevel(max(logging.getLogger("aiokafka").level, logging.INFO))


def make_broker(
    bootstrap_servers: str,
    *,
    client_id: str,
    middlewares: Sequence[Any] = (),
    security: KafkaSecurity | None = None,
) -> KafkaBroker:
    """An idempotent producer (``enable_idempotence`` implies ``acks=all``); nothing connects yet.
    ``middlewares``: FastStream's (the Prometheus one, `shared.metrics`); ``security``: TLS and SASL
    for its producer and every consumer (`shared.kafka_security`)."""
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        request_timeout_ms=15_000,
        middlewares=tuple(middlewares),
        logger=logging.getLogger("civic.kafka"),  # through the service's own handler: JSON lines
        **broker_options(security),
    )


def make_publisher(broker: KafkaBroker) -> PublishBatch:
    """Publish a batch: send all, then wait for every acknowledgement (order per key is kept)."""

    async def publish(messages: Sequence[RelayedMessage]) -> None:
        pending = [
            await broker.publish(
                message.body,
                topic=message.topic,
                key=message.key.encode(),
                headers=_headers(message),
                no_confirm=True,
            )
            for message in messages
        ]
        await asyncio.gather(*pending)

    return publish


def _headers(message: RelayedMessage) -> dict[str, str]:
    headers = {"content-type": CLOUDEVENTS_CONTENT_TYPE, TYPE_HEADER: message.event_type}
    if message.traceparent is not None:
        headers[TRACEPARENT] = message.traceparent
    return headers


async def partitions_of(
    bootstrap_servers: str, topic: str, *, security: KafkaSecurity | None = None
) -> list[int]:
    """The partition numbers of ``topic``, asked of the broker."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **client_options(security))
    await admin.start()
    try:
        (description,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(int(partition["partition"]) for partition in description["partitions"])


class _DescribeGroups(Request[DescribeGroupsRequest_v1 | DescribeGroupsRequest_v2]):  # type: ignore[misc]
    """DescribeGroups up to v2: aiokafka 0.14 decodes the v3 answer with v2's schema and fails, and
    ``AIOKafkaAdminClient.describe_consumer_groups`` would pick v3."""

    API_KEY = 15

    def __init__(self, groups: list[str]) -> None:
        self._groups = groups

    def build(
        self, request_struct_class: type[DescribeGroupsRequest_v1 | DescribeGroupsRequest_v2]
    ) -> DescribeGroupsRequest_v1 | DescribeGroupsRequest_v2:
        return request_struct_class(self._groups)


async def group_members(
    bootstrap_servers: str, groups: list[str], *, security: KafkaSecurity | None = None
) -> dict[str, tuple[str, list[str]]]:
    """Each consumer group's state and the client ids of its members (none when it is stopped)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **client_options(security))
    await admin.start()
    found: dict[str, tuple[str, list[str]]] = {}
    try:
        for group in groups:
            node = await admin.find_coordinator(group)
            response: Any = await admin._send_request(_DescribeGroups([group]), node)
            for _error, group_id, state, _type, _protocol, members in response.groups:
                found[group_id] = (state, sorted(member[1] for member in members))
    finally:
        await admin.close()
    return found
