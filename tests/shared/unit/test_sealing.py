"""Personal fields sealed with the case's key: on the wire nothing readable, opened only with the key,
bound to their event, erased for good when the key is gone."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from shared.codes import Channel
from shared.events import (
    CaseReplied,
    Contact,
    MailboxContent,
    SubmissionReceived,
    decode_event,
    encode_event,
    new_event,
)
from shared.sealing import (
    ERASED,
    SEALED,
    SealBroken,
    archive_key_from_secret,
    erase_fields,
    kek_from_secret,
    new_data_key,
    open_document,
    open_fields,
    seal_document,
    seal_fields,
    unwrap_key,
    wrap_key,
)

NAME, PHONE, BODY = "王建国", "13812345678", "我家楼下的人防工程漏水，邻居李四也看见了。"


def _letter() -> SubmissionReceived:
    return SubmissionReceived(
        case_id=uuid4(),
        channel=Channel.MAILBOX,
        received_at=datetime(2026, 12, 1, 2, tzinfo=UTC),
        receipt_date=date(2026, 12, 1),
        contact=Contact(name=NAME, phone=PHONE),
        mailbox=MailboxContent(mailbox="m", category="咨询", subject="人防工程漏水", body=BODY),
    )


def test_every_personal_field_leaves_sealed_and_comes_back_with_the_key() -> None:
    envelope = new_event(_letter(), source="/tests")
    key = new_data_key()
    data, sealed = seal_fields(
        envelope.data, SubmissionReceived.personal, key, event_id=envelope.id, subject=envelope.subject
    )
    assert sealed is not None
    wire = encode_event(envelope.model_copy(update={"data": data, "personaldata": sealed}))
    for value in (NAME, PHONE, BODY, "人防工程漏水"):
        assert value.encode() not in wire
        assert json.dumps(value).encode() not in wire
    assert data["contact"] == {**envelope.data["contact"], "name": SEALED, "phone": SEALED}
    assert data["mailbox"]["category"] == "咨询", "what routes the case travels as it is"
    decoded, payload = decode_event(wire)  # still a valid event for a consumer without the key
    assert isinstance(payload, SubmissionReceived)
    assert payload.contact is not None
    assert payload.contact.name == SEALED
    assert decoded.personaldata is not None
    opened = open_fields(
        decoded.data, decoded.personaldata, key, event_id=decoded.id, subject=decoded.subject
    )
    assert opened == envelope.data


def test_sealed_data_opens_only_with_its_key_and_its_event() -> None:
    envelope = new_event(_letter(), source="/tests")
    key = new_data_key()
    data, sealed = seal_fields(
        envelope.data, SubmissionReceived.personal, key, event_id=envelope.id, subject=envelope.subject
    )
    assert sealed is not None
    with pytest.raises(SealBroken):
        open_fields(data, sealed, new_data_key(), event_id=envelope.id, subject=envelope.subject)
    with pytest.raises(SealBroken):  # moved onto another event
        open_fields(data, sealed, key, event_id=uuid4(), subject=envelope.subject)
    with pytest.raises(SealBroken):  # tampered with
        open_fields(data, sealed[:-4] + "AAAA", key, event_id=envelope.id, subject=envelope.subject)


def test_an_event_without_personal_data_is_left_as_it_is() -> None:
    envelope = new_event(_letter(), source="/tests")
    data = {"case_id": envelope.subject, "text": None}
    assert seal_fields(data, ("text",), new_data_key(), event_id=envelope.id, subject=envelope.subject) == (
        data,
        None,
    )


def test_erased_fields_hold_the_erased_mark_and_the_rest_stays() -> None:
    reply = CaseReplied(
        case_id=uuid4(),
        channel=Channel.MAILBOX,
        department_id="d",
        department_name="科",
        text=f"{NAME}同志：已修复。",
        replied_on=date(2026, 12, 1),
        reason=None,
    )
    data = reply.model_dump(mode="json")
    erased = erase_fields(data, CaseReplied.personal)
    assert erased == {**data, "text": ERASED}
    CaseReplied.model_validate(erased)


def test_a_case_key_is_kept_only_wrapped_and_unwraps_only_with_the_secret() -> None:
    key = new_data_key()
    wrapped = wrap_key(kek_from_secret("one secret"), key)
    assert key not in wrapped.encode()
    assert unwrap_key(kek_from_secret("one secret"), wrapped) == key
    with pytest.raises(SealBroken):
        unwrap_key(kek_from_secret("another secret"), wrapped)


def test_a_sealed_record_opens_with_the_archive_key_for_its_case_only() -> None:
    archive = archive_key_from_secret("one secret")
    sealed = seal_document(archive, {"body": BODY}, label="case-1")
    assert BODY.encode() not in sealed
    assert open_document(archive, sealed, label="case-1") == {"body": BODY}
    with pytest.raises(SealBroken):
        open_document(archive, sealed, label="case-2")
    assert archive != kek_from_secret("one secret"), "no processing key opens the sealed records"
