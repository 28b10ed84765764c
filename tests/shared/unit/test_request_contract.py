"""What a request body takes is what its JSON Schema says — value by value, the model and the schema
agree (the schema checked as schemathesis checks it, with ECMA-262 patterns, and formats): text limits hold for the text as sent
(`CleanInput`, `Visible`), dates are written ``YYYY-MM-DD`` within 2000–2100 (`BoundedDate`), whole
numbers are numbers (`WholeNumber`), phones, e-mail addresses and ID numbers match their patterns.
And `errors` builds a route's error answers from its statuses.
"""

from __future__ import annotations

from typing import Annotated, Any

import jsonschema_rs
import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.intake.schemas import ContactIn, ErasureCreate, MailboxMessageCreate
from services.routing.schemas import RuleIn
from shared.dates import BoundedDate
from shared.errors import ErrorBody
from shared.numbers import WholeNumber
from shared.openapi import errors
from shared.text import CleanInput, NonBlank, Visible


class Note(CleanInput):
    model_config = ConfigDict(extra="forbid")

    title: NonBlank = Field(max_length=5)
    reason: Annotated[str, Visible(2)] | None = Field(default=None, max_length=10)
    on: BoundedDate | None = None
    days: WholeNumber = Field(default=1, ge=1, le=30)


def agree(model: type[BaseModel], body: Any) -> bool:
    """Whether the model accepts ``body``, after checking that its JSON Schema says the same."""
    schema_says = jsonschema_rs.validator_for(model.model_json_schema(), validate_formats=True).is_valid(body)
    try:
        model.model_validate(body)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted == schema_says, (
        f"the model {'accepts' if accepted else 'refuses'} {body!r}, its schema not"
    )
    return accepted


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        ({"title": "车位"}, True),
        ({"title": " 车位 "}, True),
        ({"title": "12345"}, True),
        ({"title": "123456"}, False),
        ({"title": "1234\x0b"}, True),
        ({"title": "12345\x0b"}, False),  # six characters as sent, whatever cleaning would leave
        ({"title": "   "}, False),
        ({"title": "\x00\x01"}, False),
        ({"title": ""}, False),
        ({"title": "x", "reason": "a"}, False),
        ({"title": "x", "reason": "a \x00 "}, False),
        ({"title": "x", "reason": "a b"}, True),
        ({"title": "x", "extra": 1}, False),
        ({"title": "x", "on": "2026-12-01"}, True),
        ({"title": "x", "on": "1999-12-31"}, False),
        ({"title": "x", "on": "2101-01-01"}, False),
        ({"title": "x", "on": "2100-12-31"}, True),
        ({"title": "x", "on": "2026-02-30"}, False),
        ({"title": "x", "on": "2026-12-01T00:00:00"}, False),
        ({"title": "x", "on": "1796083200"}, False),
        ({"title": "x", "on": 1796083200}, False),
        ({"title": "x", "days": 3}, True),
        ({"title": "x", "days": 3.0}, True),
        ({"title": "x", "days": 3.5}, False),
        ({"title": "x", "days": "3"}, False),
        ({"title": "x", "days": True}, False),
        ({"title": "x", "days": 31}, False),
        ({"title": "x", "days": 1e20}, False),
    ],
)
def test_a_body_is_taken_exactly_as_its_schema_says(body: dict[str, Any], accepted: bool) -> None:
    assert agree(Note, body) is accepted


def test_what_is_kept_is_cleaned() -> None:
    note = Note.model_validate({"title": " 车\x0b位 ", "reason": "\r\n因为\r\n所以 "})
    assert (note.title, note.reason) == ("车位", "因为\n所以")


@pytest.mark.parametrize(
    ("phone", "accepted"),
    [
        ("13812345678", True),
        ("138-1234-5678", True),
        (" +86 138 1234 5678 ", True),
        ("（0531）12345678", True),
        ("0531-1234567", True),
        ("12812345678", False),
        ("1381234567", False),
        ("+13812345678", False),
        ("13812345678\n", False),
        ("١٣٨١٢٣٤٥٦٧٨", False),  # Arabic-Indic digits
        ("", False),
    ],
)
def test_a_phone_is_what_its_pattern_says(phone: str, accepted: bool) -> None:
    assert agree(ContactIn, {"phone": phone}) is accepted


@pytest.mark.parametrize(
    ("email", "accepted"),
    [("zhangsan@example.com", True), ("a@mail.test", False), ("a@localhost", False), ("a@x.Local", False)],
)
def test_an_email_address_is_what_its_pattern_says(email: str, accepted: bool) -> None:
    assert agree(ContactIn, {"email": email}) is accepted


def test_the_letter_and_the_erasure_take_what_their_schemas_say() -> None:
    letter = {"mailbox": "director", "category": "咨询", "subject": "s", "body": "b", "contact": {}}
    assert agree(MailboxMessageCreate, letter)
    assert not agree(MailboxMessageCreate, letter | {"publish_consent": 1})
    assert not agree(MailboxMessageCreate, letter | {"subject": " "})
    assert agree(ErasureCreate, {"case_id": "6f1c9b6e-4f3e-4a59-9b1e-3f8d2b7c1a10", "reason": "本人申请"})
    assert not agree(ErasureCreate, {"case_id": "6f1c9b6e-4f3e-4a59-9b1e-3f8d2b7c1a10", "reason": "申"})
    assert agree(RuleIn, {"priority": 5.0, "department_id": "engineering"})
    assert not agree(RuleIn, {"priority": "5", "department_id": "engineering"})
    assert not agree(RuleIn, {"priority": 5, "department_id": "engineering", "enabled": 0})


def test_a_routes_errors_show_the_error_body_and_their_headers() -> None:
    responses = errors(401, 429, conflict="already decided")
    assert sorted(responses) == [401, 409, 429]
    assert all(response["model"] is ErrorBody for response in responses.values())
    assert responses[409]["description"] == "already decided"
    assert "WWW-Authenticate" in responses[401]["headers"]
    assert "Retry-After" in responses[429]["headers"]
    with pytest.raises(ValueError, match="no error code clash"):
        errors(clash="?")
