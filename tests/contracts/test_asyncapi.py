"""Each service's ``GET /asyncapi.json``: an AsyncAPI 3.0 document that lists exactly the events the
service sends (its ``SENDS``) and receives (its consumer groups), on the deployment's topics, each
message with a schema that the records the relay writes fit — and that refuses another type's."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import jsonschema
import pytest
import pytest_asyncio
from faststream.kafka import KafkaBroker

from services.contracts import SERVICES
from shared.events import EVENT_TYPES, EventPayload, new_event
from shared.kafka import make_publisher
from shared.outbox import RelayedMessage
from shared.runtime import ServiceRuntime
from shared.sealing import new_data_key, seal_fields
from shared.topics import Topics
from tests.contracts.examples import examples
from tests.support.services import settings_for

TOPICS = Topics("deploy-a.")
"""A prefix with a character AsyncAPI keys may not hold: the addresses carry it, the keys do not."""


@dataclass
class Document:
    service: str
    body: dict[str, Any]
    runtime: ServiceRuntime

    def resolve(self, reference: dict[str, str]) -> dict[str, Any]:
        node: Any = self.body
        for part in reference["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        assert isinstance(node, dict), reference
        return node

    def operations(self, action: str) -> list[dict[str, Any]]:
        return [operation for operation in self.body["operations"].values() if operation["action"] == action]

    def message_types(self, operation: dict[str, Any]) -> set[str]:
        return {self.resolve(self.resolve(reference))["name"] for reference in operation["messages"]}

    def message(self, event_type: str) -> dict[str, Any]:
        messages: list[dict[str, Any]] = list(self.body["components"]["messages"].values())
        (message,) = [candidate for candidate in messages if candidate["name"] == event_type]
        return message


@pytest_asyncio.fixture(params=list(SERVICES))
async def document(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Document]:
    """The document as the route serves it; the app is built, not started (nothing connects)."""
    create, settings_type = SERVICES[request.param]
    app = create(settings_for(settings_type, "127.0.0.1:1", TOPICS, f"sqlite+aiosqlite:///{tmp_path}/x.db"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://service") as client:
        response = await client.get("/asyncapi.json")
    assert response.status_code == 200, response.text
    yield Document(request.param, response.json(), app.state.runtime)


def test_the_document_is_asyncapi_3_with_operations_on_its_channels(document: Document) -> None:
    body = document.body
    assert body["asyncapi"] == "3.0.0"
    assert document.service in body["info"]["title"]
    assert body["channels"]
    assert body["operations"]
    assert {channel["address"] for channel in body["channels"].values()} <= set(TOPICS.layout())
    for name, operation in body["operations"].items():
        assert operation["action"] in ("send", "receive"), name
        channel = document.resolve(operation["channel"])
        channel_ref = operation["channel"]["$ref"]
        for reference in operation["messages"]:
            assert reference["$ref"].startswith(f"{channel_ref}/messages/"), (name, reference)
            assert document.resolve(document.resolve(reference))["payload"]["type"] == "object"
        assert channel["address"].startswith(TOPICS.prefix)
    for key in (*body["channels"], *body["operations"]):
        assert key.replace("-", "").replace("_", "").isalnum(), key


def test_it_sends_exactly_what_the_service_declares(document: Document) -> None:
    sent: dict[str, str] = {}
    for operation in document.operations("send"):
        for event_type in document.message_types(operation):
            sent[event_type] = document.resolve(operation["channel"])["address"]
    declared = document.runtime.sends
    assert declared, document.service
    assert sent == {payload.event_type: TOPICS.name(payload.topic) for payload in declared}


def test_it_receives_exactly_what_its_consumer_groups_handle(document: Document) -> None:
    received: dict[str, tuple[str, set[str]]] = {}
    for operation in document.operations("receive"):
        (group,) = operation["bindings"]["kafka"]["groupId"]["enum"]
        received[group] = (
            document.resolve(operation["channel"])["address"],
            document.message_types(operation),
        )
    consumers = document.runtime.contract().receives
    assert [group.group_id for group in consumers] == [c.group_id for c in document.runtime.consumers]
    assert received == {
        group.group_id: (TOPICS.name(group.topic), {payload.event_type for payload in group.events})
        for group in consumers
    }
    assert all(group.startswith(TOPICS.prefix) for group in received)


class CapturingBroker:
    """Takes what the relay's publisher sends (`shared.kafka.make_publisher`) instead of Kafka."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    async def publish(self, body: bytes, **record: Any) -> asyncio.Future[None]:
        self.records.append({"value": body, **record})
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


async def on_the_wire(payload: EventPayload, *, sealed: bool) -> dict[str, Any]:
    """The record the relay sends for ``payload``: its value as `shared.outbox` writes it (personal
    fields sealed with a case key, as `shared.keyring.Keyring.seal` does), its key and its headers."""
    envelope = new_event(payload, source="/civic/test")
    if sealed:
        data, personal = seal_fields(
            envelope.data, payload.personal, new_data_key(), event_id=envelope.id, subject=envelope.subject
        )
        envelope = envelope.model_copy(update={"data": data, "personaldata": personal})
    broker = CapturingBroker()
    message = RelayedMessage(
        topic=TOPICS.name(payload.topic),
        key=envelope.subject,
        body=envelope.model_dump_json().encode(),
        event_type=envelope.type,
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    await make_publisher(cast(KafkaBroker, broker))([message])
    (record,) = broker.records
    return record


async def test_every_message_fits_the_records_the_relay_sends_and_no_other_type(document: Document) -> None:
    channels = {channel["address"]: channel for channel in document.body["channels"].values()}
    listed = {message["name"] for message in document.body["components"]["messages"].values()}
    checked = set()
    for payload in examples():
        if payload.event_type not in listed:
            continue
        message = document.message(payload.event_type)
        for sealed in {False, bool(payload.personal)}:
            record = await on_the_wire(payload, sealed=sealed)
            assert record["headers"]["content-type"] == message["contentType"]
            validate(record["headers"], message["headers"])
            validate(json.loads(record["value"]), message["payload"])
            validate(record["key"].decode(), message["bindings"]["kafka"]["key"])
            assert record["topic"] in channels
            assert message["title"] in channels[record["topic"]]["messages"]
            other = next(m for m in document.body["components"]["messages"].values() if m is not message)
            with pytest.raises(jsonschema.ValidationError):
                validate(json.loads(record["value"]), other["payload"])
        checked.add(payload.event_type)
    assert checked == listed


def test_the_examples_cover_every_event_type() -> None:
    assert {payload.event_type for payload in examples()} == set(EVENT_TYPES)


def validate(instance: Any, schema: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(
        instance
    )
