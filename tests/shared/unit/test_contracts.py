"""The event schemas (`shared.contracts`): an envelope schema that accepts what `decode_event` reads
and refuses what it refuses, and the compatibility rule, on pairs of releases of one payload class."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, ClassVar, Literal
from uuid import UUID, uuid4

import jsonschema
import pytest
from pydantic import BaseModel, ConfigDict, Field, create_model

from shared.contracts import breaking_changes, event_schemas, message_schema
from shared.events import CaseClosed, EventPayload, InvalidEvent, decode_event, encode_event, new_event
from shared.topics import CASE_EVENTS, TopicSpec

# --- the envelope ---------------------------------------------------------------------------


def closed_event(data: dict[str, Any] | None = None, **attributes: Any) -> dict[str, Any]:
    """A ``case.closed`` event as JSON, with ``attributes`` and ``data`` fields set (None removes one)."""
    payload = CaseClosed(case_id=uuid4(), closed_on=date(2026, 3, 2))
    event = json.loads(encode_event(new_event(payload, source="/t")))
    fields = {**event["data"], **(data or {})}
    return {**event, **attributes, "data": {k: v for k, v in fields.items() if v is not None}}


def schema_accepts(event: dict[str, Any]) -> bool:
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    return jsonschema.Draft7Validator(message_schema(CaseClosed), format_checker=checker).is_valid(event)


def decoder_accepts(event: dict[str, Any]) -> bool:
    try:
        decode_event(json.dumps(event).encode())
    except InvalidEvent:
        return False
    return True


@pytest.mark.parametrize(
    ("event", "accepted"),
    [
        (closed_event(), True),
        (
            closed_event(traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", retries=2),
            True,
        ),
        (closed_event(dataschema="https://example.cn/case.closed.json", sampled=True), True),
        (closed_event(None, **{"Trace-Parent": "00-…"}), False),  # not a CloudEvents attribute name
        (closed_event(partitionkey={"case": "x"}), False),  # an extension's value is a simple type
        (closed_event(type="case.accepted"), False),
        (closed_event(schemaversion="2"), False),
        (closed_event({"closed_on": None}), False),  # required
        (closed_event({"closed_on": "2 March"}), False),
        (closed_event({"by": 7}), False),
        (closed_event({"by": None}), True),  # optional
        (closed_event({"reopened": True}), True),  # a newer release's field: read leniently
    ],
)
def test_the_schema_accepts_what_the_consumers_decode_and_nothing_else(
    event: dict[str, Any], accepted: bool
) -> None:
    assert decoder_accepts(event) is accepted
    assert schema_accepts(event) is accepted


def test_every_event_schema_is_self_contained_draft_07_and_lenient() -> None:
    for event_type, schema in event_schemas().items():
        jsonschema.Draft7Validator.check_schema(schema)
        text = json.dumps(schema)
        assert "$ref" not in text, event_type
        assert '"additionalProperties": false' not in text, event_type  # readers ignore newer fields
        assert schema["properties"]["type"]["const"] == event_type


def test_the_released_schemas_are_compatible_with_themselves() -> None:
    assert breaking_changes(event_schemas(), event_schemas()) == []


# --- compatibility --------------------------------------------------------------------------


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Happened(EventPayload):
    event_type: ClassVar[str] = "test.happened"
    topic: ClassVar[TopicSpec] = CASE_EVENTS


def contact(**fields: Any) -> type[BaseModel]:
    fields = {"name": (str | None, None), "phone": (str | None, None), **fields}
    return create_model("Contact", __base__=_Part, **{k: v for k, v in fields.items() if v is not None})


RELEASED: dict[str, Any] = {
    "case_id": (UUID, ...),
    "reason": (str, ...),
    "by": (str | None, None),
    "kind": (Literal["paper", "online"], ...),
    "working_days": (int, Field(gt=0)),
    "days": (tuple[date, ...], ...),
    "contact": (contact() | None, None),
}


def release(**changes: Any) -> dict[str, Any]:
    """The released payload's schema with ``changes`` to its fields (None removes one)."""
    fields = {name: spec for name, spec in {**RELEASED, **changes}.items() if spec is not None}
    payload = create_model("Happened", __base__=_Happened, **fields)
    return {"test.happened": message_schema(payload)}


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="nothing"),
        pytest.param({"note": (str | None, None)}, id="a new optional field"),
        pytest.param(
            {"contact": (contact(email=(str | None, None)) | None, None)}, id="a new optional nested field"
        ),
        pytest.param({"reason": (str, Field(description="Why, in words."))}, id="a description"),
    ],
)
def test_compatible_changes_pass(changes: dict[str, Any]) -> None:
    assert breaking_changes(release(), release(**changes)) == []


@pytest.mark.parametrize(
    ("changes", "found"),
    [
        pytest.param({"by": None}, "data.by: removed", id="a removed field"),
        pytest.param({"reason": (int, ...)}, "data.reason: string became integer", id="a retyped field"),
        pytest.param(
            {"days": (tuple[datetime, ...], ...)},
            "data.days[]: string (date) became string (date-time)",
            id="a retyped item",
        ),
        pytest.param(
            {"reason": (str | None, ...)}, "data.reason: string became string or null", id="made nullable"
        ),
        pytest.param(
            {"working_days": (int, Field(ge=0))},
            "data.working_days: integer exclusiveMinimum 0 became integer minimum 0",
            id="a changed bound",
        ),
        pytest.param(
            {"note": (str, ...)},
            "data.note: a new required field (the events already sent lack it)",
            id="a new required field",
        ),
        pytest.param(
            {"by": (str | None, ...)},
            "data.by: now required (the events already sent may lack it)",
            id="an optional field made required",
        ),
        pytest.param(
            {"reason": (str, "-")},
            "data.reason: no longer required (an older reader needs it)",
            id="a required field made optional",
        ),
        pytest.param(
            {"contact": (contact(phone=None) | None, None)},
            "data.contact.phone: removed",
            id="nested removed",
        ),
        pytest.param(
            {"contact": (contact(name=(int | None, None)) | None, None)},
            "data.contact.name: string became integer",
            id="nested retyped",
        ),
        pytest.param(
            {"contact": (contact(phone=(str | None, ...)) | None, None)},
            "data.contact.phone: now required (the events already sent may lack it)",
            id="nested required",
        ),
        pytest.param(
            {"kind": (Literal["paper"], ...)}, "data.kind: value online removed", id="an enum value removed"
        ),
        pytest.param(
            {"kind": (Literal["paper", "online", "pickup"], ...)},
            "data.kind: value pickup added (an older reader refuses it)",
            id="an enum value added",
        ),
    ],
)
def test_breaking_changes_fail_and_say_where(changes: dict[str, Any], found: str) -> None:
    assert breaking_changes(release(), release(**changes)) == [f"test.happened: {found}"]


def test_a_removed_event_type_fails_and_a_new_one_passes() -> None:
    released = {**release(), **{"case.closed": message_schema(CaseClosed)}}
    assert breaking_changes(released, release()) == ["case.closed: the event type is gone"]
    assert breaking_changes(release(), released) == []
