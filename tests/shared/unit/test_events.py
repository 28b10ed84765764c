from __future__ import annotations

import json
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from shared.codes import Channel
from shared.events import (
    EVENT_TYPES,
    CaseAssigned,
    InvalidEvent,
    MailboxContent,
    SubmissionReceived,
    decode_event,
    encode_event,
    new_event,
)
from shared.topics import CASE_EVENTS, Topics


def assigned() -> CaseAssigned:
    return CaseAssigned(
        case_id=uuid4(),
        channel=Channel.MAILBOX,
        department_id="d",
        department_name="部门",
        reason="r",
        assigned_on=date(2026, 11, 25),
    )


def test_an_event_round_trips_as_a_cloudevents_structured_message() -> None:
    payload = assigned()
    envelope = new_event(payload, source="/civic/routing")
    document = json.loads(encode_event(envelope))
    assert document["specversion"] == "1.0"
    assert document["type"] == "case.assigned"
    assert document["subject"] == str(payload.case_id)
    assert document["datacontenttype"] == "application/json"
    assert document["schemaversion"] == "1"
    assert document["correlationid"] == str(payload.case_id)
    assert document["time"].endswith("Z")
    decoded, again = decode_event(encode_event(envelope))
    assert decoded == envelope
    assert again == payload


def test_every_event_of_the_architecture_has_a_contract() -> None:
    assert set(EVENT_TYPES) == {
        "submission.received",
        "supplement.received",
        "case.rated",
        "case.assigned",
        "case.returned",
        "case.accepted",
        "supplement.requested",
        "third_party.consulted",
        "third_party.replied",
        "deadline.extended",
        "case.replied",
        "case.reopened",
        "case.closed",
        "deadline.set",
        "deadline.warning",
        "deadline.breached",
        "calendar.updated",
        "consultation.opened",
        "consultation.closed",
        "case.published",
        "adoption_report.published",
        # added by the review queue (三审): a rejection goes back as an event
        "review.rejected",
        "adoption_report.rejected",
        # a window that ran out, so that a replay of the log stops its clock as the due check did
        "deadline.lapsed",
        # a comment intake had accepted after its consultation closed, taken back
        "submission.refused",
        # each case's data key, and the erasure of its personal data (the compacted case-keys topic)
        "case_key.issued",
        "personal_data.erased",
        # similarity decided apart from the assignment, by a consumer group of its own (issue 12)
        "case.clustered",
        # the calendar recount carried on a chunk at a time (issue 12)
        "calendar.recount_continued",
        # formal notices to a disclosure applicant (告知书), their download and delivery (issue 15)
        "notice.issued",
        "notice.downloaded",
        "notice.delivered",
        # the second unsatisfied rating sends a case to supervision (督办), its head reads it (issue 15)
        "case.supervised",
        "case.supervision_acknowledged",
        # a published reply or adoption report withdrawn (撤回) (issue 15)
        "case.publication_withdrawn",
        "adoption_report.withdrawn",
        # online interviews (在线访谈) (issue 15)
        "interview.scheduled",
        "interview.closed",
        "interview.transcript_published",
    }


def test_an_unknown_type_decodes_without_a_payload() -> None:
    envelope = new_event(assigned(), source="/x").model_copy(update={"type": "case.teleported"})
    decoded, payload = decode_event(encode_event(envelope))
    assert decoded.type == "case.teleported"
    assert payload is None


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2", "not JSON"),
        (b'{"type": "case.assigned"}', "not a CloudEvents envelope"),
    ],
)
def test_bytes_that_are_not_an_event_are_invalid(raw: bytes, why: str) -> None:
    with pytest.raises(InvalidEvent, match=why):
        decode_event(raw)


def test_a_field_added_by_a_newer_producer_is_ignored_by_an_older_consumer() -> None:
    original = assigned()
    envelope = new_event(original, source="/x")
    newer = envelope.model_copy(update={"data": envelope.data | {"assigned_by": "auto"}})
    _, payload = decode_event(encode_event(newer))
    assert payload == original


def test_a_producer_cannot_send_a_field_the_contract_does_not_name() -> None:
    with pytest.raises(ValueError, match="handler_name"):
        CaseAssigned.model_validate(assigned().model_dump() | {"handler_name": "李四"})


def test_a_payload_missing_a_required_field_is_invalid() -> None:
    envelope = new_event(assigned(), source="/x")
    broken = envelope.model_copy(
        update={"data": {k: v for k, v in envelope.data.items() if k != "department_id"}}
    )
    with pytest.raises(InvalidEvent, match="department_id"):
        decode_event(encode_event(broken))


def test_deeply_nested_garbage_is_invalid_not_a_crash() -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - any exception; the consumer dead-letters all of them
        decode_event(b"[" * 100_000)


def test_a_subject_that_is_not_the_payloads_case_is_invalid() -> None:
    envelope = new_event(assigned(), source="/x").model_copy(update={"subject": str(uuid4())})
    with pytest.raises(InvalidEvent, match="subject"):
        decode_event(encode_event(envelope))


def test_a_submission_carries_exactly_its_channels_content() -> None:
    letter = MailboxContent(mailbox="director", category="咨询", subject="s", body="b")
    with pytest.raises(ValueError, match="needs its content"):
        SubmissionReceived(
            case_id=uuid4(),
            channel=Channel.DISCLOSURE_REQUEST,
            received_at=datetime.now(UTC),
            receipt_date=date(2026, 1, 5),
            mailbox=letter,
        )


def test_topic_names_take_the_deployment_prefix() -> None:
    topics = Topics("staging-")
    assert topics.case_events == "staging-case-events"
    assert topics.dlq(CASE_EVENTS) == "staging-case-events.dlq"
    assert topics.layout()["staging-case-events"] == CASE_EVENTS.partitions
    assert topics.layout()["staging-calendar-events.dlq"] == 1


def test_a_cloudevent_with_extension_attributes_is_an_event_and_keeps_them() -> None:
    """Another producer's valid CloudEvent (a trace context, a data schema, its own attribute) is
    applied, not dead-lettered, and the attributes travel on when it is encoded again."""
    original = assigned()
    document = json.loads(encode_event(new_event(original, source="/elsewhere")))
    document |= {
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "dataschema": "https://civic.example/schemas/case.assigned.json",
        "partitionkey": document["subject"],
        "priority": 3,
    }
    envelope, payload = decode_event(json.dumps(document).encode())
    assert payload == original
    again = json.loads(encode_event(envelope))
    assert again["traceparent"] == document["traceparent"]
    assert again["priority"] == 3


@pytest.mark.parametrize(
    ("name", "value"),
    [("Trace-Parent", "00-x"), ("trace_parent", "00-x"), ("nested", {"a": 1}), ("many", [1, 2])],
)
def test_an_attribute_no_cloudevent_may_carry_is_invalid(name: str, value: object) -> None:
    document = json.loads(encode_event(new_event(assigned(), source="/x"))) | {name: value}
    with pytest.raises(InvalidEvent, match="not a CloudEvents envelope"):
        decode_event(json.dumps(document).encode())
