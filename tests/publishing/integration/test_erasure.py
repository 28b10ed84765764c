"""Publishing forgets an erased case (个人信息删除): the consented letter and its writer's contact, the
private source of its review item, the reply never published (withdrawn) — and a reply that arrives
after the erasure goes to no review at all."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import httpx
import pytest
from sqlmodel import select

from services.publishing.db import CaseRecord, ConsentedLetter, ReviewItem
from shared.codes import Role
from shared.events import Contact, PersonalDataErased, SubmissionReceived
from shared.keyring import CaseKey
from shared.runtime import ServiceRuntime
from shared.sealing import ERASED
from shared.topics import CASE_KEYS, Topics
from tests.support.events import letter, replied
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.publishing import waiting_review
from tests.support.services import bearer

pytestmark = pytest.mark.kafka

WRITER = Contact(name="慕容秋实", phone="13912340000", email="qiushi@example.com")


def _letter() -> SubmissionReceived:
    return letter(
        "防空洞积水", "慕容秋实家旁边的防空洞积水发臭。", contact=WRITER, category="投诉", consent=True
    )


def _erased(case_id: UUID) -> PersonalDataErased:
    return PersonalDataErased(case_id=case_id, erased_on=date(2026, 12, 1), cause="request")


async def _row(runtime: ServiceRuntime, model: type, case_id: UUID) -> object | None:
    async with runtime.database.session() as session:
        return await session.get(model, str(case_id))


async def test_an_erased_case_leaves_no_letter_no_contact_and_no_reply_waiting_for_review(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, runtime = publishing
    submission = _letter()
    await producer.send_payloads(
        topics.case_events, [submission, replied(submission, "慕容秋实您好：已抽排。")]
    )
    review = await waiting_review(client, submission.case_id)
    await producer.send_payloads(topics.name(CASE_KEYS), [_erased(submission.case_id)])

    async def withdrawn() -> ReviewItem | None:
        item = await _row(runtime, ReviewItem, UUID(review["id"]))
        return item if isinstance(item, ReviewItem) and item.status == "withdrawn" else None

    item = await eventually(withdrawn, "the reply withdrawn from review")
    assert item.source is None
    assert item.title == ERASED
    assert "慕容" not in str(item.content)
    consented = await _row(runtime, ConsentedLetter, submission.case_id)
    assert isinstance(consented, ConsentedLetter)
    assert (consented.body, consented.writer_name, consented.contact) == (ERASED, None, None)
    key = await _row(runtime, CaseKey, submission.case_id)
    assert isinstance(key, CaseKey)
    assert key.erased_on == date(2026, 12, 1)
    queue = (await client.get("/api/v1/reviews", headers=bearer(Role.REVIEWER))).json()
    assert all(entry["subject_id"] != str(submission.case_id) for entry in queue)


async def test_a_reply_that_arrives_after_the_erasure_goes_to_no_review(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    _, runtime = publishing
    submission = _letter()
    await producer.send_payloads(topics.case_events, [submission])
    await eventually(lambda: _row(runtime, ConsentedLetter, submission.case_id), "the consented letter")
    await producer.send_payloads(topics.name(CASE_KEYS), [_erased(submission.case_id)])
    await eventually(lambda: _row(runtime, CaseKey, submission.case_id), "the erasure")
    await producer.send_payloads(topics.case_events, [replied(submission, "慕容秋实您好：已抽排。")])

    async def counted() -> bool:  # the marker: the same event's figures are in
        record = await _row(runtime, CaseRecord, submission.case_id)
        return isinstance(record, CaseRecord) and record.replied_on is not None

    await eventually(counted, "the reply counted")
    async with runtime.database.session() as session:
        items = (
            await session.exec(select(ReviewItem).where(ReviewItem.subject_id == str(submission.case_id)))
        ).all()
    assert items == []
