"""The event contract as documents: each event's JSON Schema in its CloudEvents envelope, each
service's AsyncAPI 3.0 document, and the rule a released schema holds the code to.

Pure: payload classes (`shared.events`) and what a service declares it sends and receives
(`ServiceContract`, from `shared.runtime.ServiceRuntime.contract`) in, JSON-ready dicts out;
``services.contracts`` writes them to ``contracts/`` and checks the committed ones.

    payload class ──► payload_schema ──► message_schema: the envelope, ``data`` its payload schema
                                             │
    ServiceContract ─────────────────────────┴──► asyncapi_document: a channel per topic, a message
                                                  per CloudEvents type, send and receive operations
    released schemas, current schemas ──► breaking_changes

How an event travels (`shared.kafka.make_publisher`): CloudEvents' Kafka binding in structured mode —
the record's value is the whole CloudEvent as JSON (``content-type: application/cloudevents+json``),
its key the aggregate id (the event's ``subject``); a ``ce-type`` header repeats the type, so that a
consumer skips the types it does not handle unread, and ``traceparent`` carries the trace.

The schemas are a reader's contract: a payload class refuses fields it does not name when an event is
written, but its schema leaves ``additionalProperties`` open, because consumers read leniently and
ignore the fields of a newer release (`shared.events`). What stays compatible (`breaking_changes`):

- passes: a new event type; a new optional field; changed titles, descriptions and defaults;
- fails: a removed event type; a removed field; a field's type, format or bounds changed (a nullable
  one included); an optional field made required, or a required one optional; a new required field;
  an enum value removed — or added: consumers ignore unknown fields but validate enums strictly, so
  an older one dead-letters an event carrying a value it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from shared.consumer import TYPE_HEADER
from shared.events import EVENT_TYPES, EXTENSION_NAME, SCHEMA_VERSION, Envelope, EventPayload
from shared.kafka import CLOUDEVENTS_CONTENT_TYPE
from shared.telemetry import TRACEPARENT
from shared.topics import ALL_TOPICS, Topics, TopicSpec

__all__ = [
    "JSON_SCHEMA_DIALECT",
    "Receives",
    "ServiceContract",
    "asyncapi_document",
    "breaking_changes",
    "event_schemas",
    "message_schema",
    "payload_schema",
]

Schema = dict[str, Any]

JSON_SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"
"""What the schemas are written in: draft 07, which AsyncAPI 3.0's schema format extends."""
KAFKA_BINDING = "0.5.0"

_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "default", "examples"})
_DESCENDED = frozenset({"properties", "required", "items", "anyOf", "enum", "const"})
"""Keywords `breaking_changes` looks into; any other one must stay as it was."""


@dataclass(frozen=True, slots=True)
class Receives:
    """One consumer group of a service: the topic it reads and the event types its use cases handle."""

    name: str
    group_id: str
    topic: TopicSpec
    events: tuple[type[EventPayload], ...]


@dataclass(frozen=True, slots=True)
class ServiceContract:
    """What one service sends (its declaration) and receives (its consumer groups), on one
    deployment's topics."""

    service: str
    topics: Topics
    sends: tuple[type[EventPayload], ...]
    receives: tuple[Receives, ...]


# --- schemas --------------------------------------------------------------------------------


def payload_schema(payload_type: type[EventPayload]) -> Schema:
    """The JSON Schema of an event's ``data``, generated from its payload class, self-contained."""
    generated = payload_type.model_json_schema()
    schema: Schema = _lenient(_inlined(generated, generated.get("$defs", {})))
    return schema


def message_schema(payload_type: type[EventPayload]) -> Schema:
    """An event as it travels: the CloudEvents envelope (`shared.events.Envelope`) with its ``type``
    fixed and ``data`` the payload's schema — the one place the envelope's schema is built."""
    envelope = Envelope.model_json_schema()
    properties = dict(_inlined(envelope["properties"], envelope.get("$defs", {})))
    properties["type"] = {**properties["type"], "const": payload_type.event_type}
    properties["subject"] = {
        **properties["subject"],
        "description": f"The {payload_type.topic.key}: the record's key too.",
    }
    properties["schemaversion"] = {**properties["schemaversion"], "const": SCHEMA_VERSION}
    properties["data"] = payload_schema(payload_type)
    return {
        "title": payload_type.__name__,
        "description": _message_description(payload_type),
        "type": "object",
        "properties": properties,
        "required": envelope["required"],
        # Other extension attributes travel on: a name CloudEvents allows, a value of a simple type.
        "propertyNames": {"pattern": EXTENSION_NAME.pattern},
        "additionalProperties": {"type": ["string", "integer", "boolean", "null"]},
    }


def event_schemas() -> dict[str, Schema]:
    """Every event type's message schema as a document of its own, by CloudEvents type: what
    ``contracts/events/`` holds."""
    return {
        event_type: {"$schema": JSON_SCHEMA_DIALECT, **message_schema(EVENT_TYPES[event_type])}
        for event_type in sorted(EVENT_TYPES)
    }


def _message_description(payload_type: type[EventPayload]) -> str:
    text = f"``{payload_type.event_type}`` in its CloudEvents envelope, on ``{payload_type.topic.name}``."
    if payload_type.personal:
        text += (
            " Personal data, sealed on the wire: the payload holds a placeholder and the envelope's"
            f" ``personaldata`` the values of {', '.join(payload_type.personal)}."
        )
    return text


def _inlined(schema: Any, definitions: Mapping[str, Any], trail: tuple[str, ...] = ()) -> Any:
    """``schema`` with every ``$ref`` to ``definitions`` replaced by what it names (no ``$defs`` left)."""
    if isinstance(schema, list):
        return [_inlined(item, definitions, trail) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        if name in trail:
            raise ValueError(f"{name} refers to itself: a recursive payload cannot be inlined")
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        return {
            **_inlined(definitions[name], definitions, (*trail, name)),
            **_inlined(siblings, definitions, trail),
        }
    return {key: _inlined(value, definitions, trail) for key, value in schema.items() if key != "$defs"}


def _lenient(schema: Any) -> Any:
    """``schema`` without ``additionalProperties: false``: a reader ignores fields it does not know."""
    if isinstance(schema, list):
        return [_lenient(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        key: _lenient(value)
        for key, value in schema.items()
        if not (key == "additionalProperties" and value is False)
    }


# --- the AsyncAPI document ------------------------------------------------------------------


def asyncapi_document(contract: ServiceContract) -> Schema:
    """The service's AsyncAPI 3.0 document: a channel for each topic it sends to or reads, with a
    message for each CloudEvents type it sends or receives there; one ``send`` operation per topic it
    sends to, one ``receive`` operation per consumer group."""
    sends = sorted(set(contract.sends), key=_event_type)
    received = {event for group in contract.receives for event in group.events}
    messages = sorted(set(sends) | received, key=_event_type)
    used = {event.topic for event in sends} | {group.topic for group in contract.receives}
    channels = {
        _id(spec.name): _channel(contract.topics, spec, [event for event in messages if event.topic == spec])
        for spec in ALL_TOPICS
        if spec in used
    }
    operations: dict[str, Any] = {}
    for spec in ALL_TOPICS:
        sent_here = [event for event in sends if event.topic == spec]
        if sent_here:
            operations[f"send-{_id(spec.name)}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{_id(spec.name)}"},
                "summary": f"{contract.service} sends these events (through its outbox).",
                "messages": [_message_ref(event) for event in sent_here],
            }
    for group in contract.receives:
        operations[f"receive-{_id(group.name)}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{_id(group.topic.name)}"},
            "summary": f"Consumer group {group.group_id}: its use cases handle these events; it skips others.",
            "messages": [_message_ref(event) for event in sorted(group.events, key=_event_type)],
            "bindings": {
                "kafka": {
                    "groupId": {"type": "string", "enum": [group.group_id]},
                    "bindingVersion": KAFKA_BINDING,
                }
            },
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"Civic Channels — {contract.service} events",
            "version": SCHEMA_VERSION,
            "description": (
                f"The events {contract.service} sends and receives on Kafka: CloudEvents 1.0 in structured "
                f"mode (`{CLOUDEVENTS_CONTENT_TYPE}`), keyed by the aggregate id, the type also in the "
                f"`{TYPE_HEADER}` header. Readers ignore fields they do not know. The version is the "
                "events' `schemaversion`."
            ),
        },
        "defaultContentType": CLOUDEVENTS_CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"messages": {event.__name__: _message(event) for event in messages}},
    }


def _channel(topics: Topics, spec: TopicSpec, events: list[type[EventPayload]]) -> Schema:
    binding: Schema = {"topic": topics.name(spec)}
    if spec.compacted:
        binding["topicConfiguration"] = {"cleanup.policy": ["compact"]}
    return {
        "address": topics.name(spec),
        "title": spec.name,
        "description": f"Keyed by the {spec.key}: one aggregate's events keep their order."
        + (" Compacted: Kafka keeps the newest record of each key." if spec.compacted else ""),
        "messages": {event.__name__: {"$ref": f"#/components/messages/{event.__name__}"} for event in events},
        "bindings": {"kafka": {**binding, "bindingVersion": KAFKA_BINDING}},
    }


def _message(payload_type: type[EventPayload]) -> Schema:
    payload = message_schema(payload_type)
    return {
        "name": payload_type.event_type,
        "title": payload_type.__name__,
        "summary": _first_paragraph(payload["properties"]["data"].get("description", payload["description"])),
        "contentType": CLOUDEVENTS_CONTENT_TYPE,
        "headers": {
            "type": "object",
            "properties": {
                "content-type": {"type": "string", "const": CLOUDEVENTS_CONTENT_TYPE},
                TYPE_HEADER: {
                    "type": "string",
                    "const": payload_type.event_type,
                    "description": "The event's type, read before the value (a consumer skips what it does not handle).",
                },
                TRACEPARENT: {"type": "string", "description": "W3C trace context of the span that sent it."},
            },
            "required": ["content-type", TYPE_HEADER],
        },
        "payload": payload,
        "correlationId": {"location": "$message.payload#/correlationid"},
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "description": f"The {payload_type.topic.key} (the event's subject).",
                },
                "bindingVersion": KAFKA_BINDING,
            }
        },
    }


def _first_paragraph(text: str) -> str:
    return " ".join(text.split("\n\n")[0].split())


def _message_ref(payload_type: type[EventPayload]) -> Schema:
    return {"$ref": f"#/channels/{_id(payload_type.topic.name)}/messages/{payload_type.__name__}"}


def _event_type(payload_type: type[EventPayload]) -> str:
    return payload_type.event_type


def _id(name: str) -> str:
    """An AsyncAPI key (channel, operation): letters, digits, ``-`` and ``_`` only."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


# --- compatibility --------------------------------------------------------------------------


def breaking_changes(released: Mapping[str, Schema], current: Mapping[str, Schema]) -> list[str]:
    """What a reader of the released schemas could not read of the current ones, or the other way
    round (events of the old release stay in the log), by CloudEvents type; empty when compatible."""
    changes = [
        f"{event_type}: the event type is gone" for event_type in sorted(released.keys() - current.keys())
    ]
    for event_type in sorted(released.keys() & current.keys()):
        changes += [
            f"{event_type}: {change}" for change in _changes(released[event_type], current[event_type], "")
        ]
    return changes


def _changes(old: Schema, new: Schema, at: str) -> Iterator[str]:
    where = at or "the event"
    if _constraints(old) != _constraints(new):
        yield f"{where}: {_shape(old)} became {_shape(new)}"
        return
    old_values, new_values = _values(old), _values(new)
    if old_values != new_values:
        if old_values is None or new_values is None:
            yield f"{where}: {_shape(old)} became {_shape(new)}"
            return
        if old_values - new_values:
            yield f"{where}: value {', '.join(sorted(map(str, old_values - new_values)))} removed"
        if new_values - old_values:
            yield (
                f"{where}: value {', '.join(sorted(map(str, new_values - old_values)))} added "
                "(an older reader refuses it)"
            )
    yield from _field_changes(old, new, at)
    if "items" in old or "items" in new:
        yield from _changes(old.get("items", {}), new.get("items", {}), f"{at}[]")
    old_variants, new_variants = old.get("anyOf", []), new.get("anyOf", [])
    if len(old_variants) != len(new_variants):
        yield f"{where}: {_shape(old)} became {_shape(new)}"
        return
    for old_variant, new_variant in zip(old_variants, new_variants, strict=True):
        yield from _changes(old_variant, new_variant, at)


def _field_changes(old: Schema, new: Schema, at: str) -> Iterator[str]:
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
    for name, schema in old_fields.items():
        field = f"{at}.{name}" if at else name
        if name not in new_fields:
            yield f"{field}: removed"
            continue
        if name in old_required and name not in new_required:
            yield f"{field}: no longer required (an older reader needs it)"
        elif name in new_required and name not in old_required:
            yield f"{field}: now required (the events already sent may lack it)"
        yield from _changes(schema, new_fields[name], field)
    for name in new_fields.keys() - old_fields.keys():
        if name in new_required:
            yield f"{f'{at}.{name}' if at else name}: a new required field (the events already sent lack it)"


def _constraints(schema: Schema) -> Schema:
    return {key: value for key, value in schema.items() if key not in _ANNOTATIONS | _DESCENDED}


def _values(schema: Schema) -> frozenset[Any] | None:
    if "const" in schema:
        return frozenset([schema["const"]])
    return frozenset(schema["enum"]) if "enum" in schema else None


def _shape(schema: Schema) -> str:
    """A schema in a few words, for a message: ``string (date)``, ``integer exclusiveMinimum 0``,
    ``string or null``."""
    if "anyOf" in schema:
        return " or ".join(_shape(variant) for variant in schema["anyOf"])
    words = str(schema.get("type", "any"))
    if "format" in schema:
        words += f" ({schema['format']})"
    values = _values(schema)
    if values is not None:
        words += f" of {sorted(map(str, values))}"
    bounds = {key: value for key, value in _constraints(schema).items() if key not in ("type", "format")}
    if bounds:
        words += " " + ", ".join(f"{key} {value}" for key, value in sorted(bounds.items()))
    return words
