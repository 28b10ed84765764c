"""Erasure in intake (个人信息删除): a concluded case's personal data is erased when its retention period
ends, everywhere intake keeps it and in its events (the key is destroyed); an open case is not; the
sealed record kept after an erasure on request is destroyed when its period ends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from services.intake.db import CaseView, Erasure, Submission
from services.intake.erasure import erase_expired, erase_on_request
from services.intake.schemas import ErasureCreate
from shared.auth import Principal
from shared.codes import Role
from shared.events import CaseKeyIssued, PersonalDataErased, SubmissionReceived, decode_event
from shared.failures import is_infrastructure
from shared.keyring import KeyNotYetKnown, Keyring
from shared.outbox import OutboxMessage
from shared.runtime import ServiceRuntime
from shared.sealing import ERASED, SEALED
from shared.topics import CASE_KEYS, Topics
from tests.support import events as support
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually

pytestmark = pytest.mark.kafka

WRITER = {"name": "上官婉清", "phone": "13700009999", "email": "wanqing@example.com"}
LETTER = {"subject": "地下车库渗水", "body": "上官婉清家楼下的人防地下车库一直渗水。"}
OTHER_WRITER = {"name": "令狐冲天", "phone": "13700008888"}
OTHER_LETTER = {"subject": "警报试鸣", "body": "警报试鸣是哪一天？"}
ADMIN = Principal(sub="admin-1", name="管理员", roles=frozenset({Role.ADMIN}))


async def _letter(
    client: httpx.AsyncClient, writer: dict[str, str] = WRITER, letter: dict[str, str] = LETTER
) -> dict[str, str]:
    response = await client.post(
        "/api/v1/mailbox-messages",
        json={"mailbox": "civil-air-defence", "category": "投诉", **letter, "contact": writer},
    )
    assert response.status_code == 201, response.text
    receipt: dict[str, str] = response.json()
    return receipt


async def _concluded(
    client: httpx.AsyncClient,
    producer: RawProducer,
    reader: TopicReader,
    topics: Topics,
    case_id: str,
    code: str,
) -> None:
    (envelope,) = await reader.wait_for_event(case_id, "submission.received")
    _, received = decode_event(envelope.model_dump_json().encode())
    assert isinstance(received, SubmissionReceived)
    await producer.send_payloads(
        topics.case_events, [support.replied(received, f"{WRITER['name']}您好：已处理。")]
    )

    async def replied() -> bool:
        return bool((await client.get(f"/api/v1/cases/{code}")).json()["status"] == "replied")

    await eventually(replied, "intake to see the reply")


async def test_the_retention_period_erases_a_concluded_case_and_spares_an_open_one(
    intake: tuple[httpx.AsyncClient, ServiceRuntime], topics: Topics, kafka_bootstrap: str
) -> None:
    client, runtime = intake
    producer = await RawProducer(kafka_bootstrap).start()
    cases = await TopicReader(kafka_bootstrap, topics.case_events).start()
    keys = await TopicReader(kafka_bootstrap, topics.name(CASE_KEYS)).start()
    try:
        concluded = await _letter(client)
        still_open = await _letter(client, OTHER_WRITER, OTHER_LETTER)
        await _concluded(client, producer, cases, topics, concluded["case_id"], concluded["tracking_code"])
        await keys.wait_for_event(concluded["case_id"], CaseKeyIssued.event_type)
        (sealed,) = await cases.wait_for_event(concluded["case_id"], "submission.received")
        assert sealed.data["contact"]["name"] == SEALED
        assert sealed.data["mailbox"]["body"] == SEALED

        assert await erase_expired(runtime, retention_days=30) == 0, "nothing is that old yet"
        later = datetime.now(UTC) + timedelta(days=31)
        assert await erase_expired(runtime, retention_days=30, now=later) == 1
        assert await erase_expired(runtime, retention_days=30, now=later) == 0, "once"

        (erasure,) = await keys.wait_for_event(concluded["case_id"], PersonalDataErased.event_type)
        assert erasure.data["cause"] == "retention"
        async with runtime.database.session() as session:
            submission = await session.get(Submission, concluded["case_id"])
            view = await session.get(CaseView, concluded["case_id"])
            kept = await session.get(Submission, still_open["case_id"])
            record = await session.get(Erasure, concluded["case_id"])
            key_rows = (
                await session.exec(
                    select(OutboxMessage).where(
                        col(OutboxMessage.event_type) == CaseKeyIssued.event_type,
                        col(OutboxMessage.key).in_([concluded["case_id"], still_open["case_id"]]),
                    )
                )
            ).all()
            assert runtime.keyring is not None
            opened = await runtime.keyring.open(
                session, sealed, decode_event(sealed.model_dump_json().encode())[1]
            )
        assert submission is not None
        assert view is not None
        assert kept is not None
        assert record is not None
        text = str(submission.content)
        assert all(value not in text for value in (*WRITER.values(), *LETTER.values()))
        assert submission.content["mailbox"] == "civil-air-defence", "how it was routed stays"
        assert view.reply == ERASED
        assert view.status == "replied", "the citizen still follows the case"
        assert kept.content["contact"]["name"] == OTHER_WRITER["name"], "an open case keeps its data"
        assert (record.cause, record.sealed, record.retain_until) == ("retention", None, None)
        assert [row.key for row in key_rows] == [still_open["case_id"]], "the erased key left the outbox"
        assert opened.contact.name == ERASED
        assert opened.mailbox.body == ERASED
        assert opened.mailbox.category == "投诉"
        if runtime.database.is_sqlite:  # nor in the file's free space, nor in its write-ahead log
            path = Path(make_url(runtime.database.url).database or "")
            stored = b"".join(file.read_bytes() for file in (path, Path(f"{path}-wal")) if file.exists())

            def held(value: str) -> bool:
                return value.encode() in stored or json.dumps(value).strip('"').encode() in stored

            assert [value for value in (*WRITER.values(), *LETTER.values()) if held(value)] == []
            assert held(OTHER_WRITER["name"]), "the search finds what is kept"
    finally:
        await producer.stop()
        await cases.stop()
        await keys.stop()


async def test_a_sealed_record_is_kept_until_the_period_ends_then_destroyed(
    intake: tuple[httpx.AsyncClient, ServiceRuntime], topics: Topics, kafka_bootstrap: str
) -> None:
    client, runtime = intake
    producer = await RawProducer(kafka_bootstrap).start()
    cases = await TopicReader(kafka_bootstrap, topics.case_events).start()
    try:
        receipt = await _letter(client)
        await _concluded(client, producer, cases, topics, receipt["case_id"], receipt["tracking_code"])
        request = ErasureCreate(case_id=UUID(receipt["case_id"]), reason="本人来函申请删除")
        answer = await erase_on_request(runtime, request, ADMIN, retention_days=30)
        assert answer.erased_by == "管理员（admin-1）"
        assert answer.sealed_record_until is not None
        async with runtime.database.session() as session:
            record = await session.get(Erasure, receipt["case_id"])
        assert record is not None
        assert record.sealed is not None
        assert WRITER["name"].encode() not in record.sealed

        await erase_expired(runtime, retention_days=30, now=datetime.now(UTC) + timedelta(days=29))
        async with runtime.database.session() as session:
            record = await session.get(Erasure, receipt["case_id"])
        assert record is not None
        assert record.sealed is not None, "kept while the period runs"

        await erase_expired(runtime, retention_days=30, now=datetime.now(UTC) + timedelta(days=32))
        async with runtime.database.session() as session:
            record = await session.get(Erasure, receipt["case_id"])
        assert record is not None
        assert (record.sealed, record.retain_until) == (None, None)
        assert record.reason == "本人来函申请删除", "who erased it, when and why stay on record"
    finally:
        await producer.stop()
        await cases.stop()


def test_a_keyring_without_the_key_waits_for_it() -> None:
    """A consumer that meets a sealed event before its key waits (like an outage), never dead-letters."""
    assert is_infrastructure(KeyNotYetKnown("the key of its case has not arrived yet"))
    assert Keyring("a") is not None
