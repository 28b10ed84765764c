"""Publishing forgets an erased case (个人信息删除): the consented letter and its writer's contact, the
private source of its review item, the reply never published (withdrawn) — and a reply that arrives
after the erasure goes to no review at all."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import httpx
import pytest
from sqlmodel import select

from services.publishing.db import CaseRecord, ConsentedLetter, Interview, InterviewQuestion, ReviewItem
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


async def test_an_erased_asker_recalls_the_transcript_waiting_for_review(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    """The transcript in review holds the asker's question as written: it is withdrawn, and the
    interview goes back to its moderators, who send it again without the erased words."""
    _, runtime = publishing
    asker, interview = uuid4(), str(uuid4())
    now = datetime.now(UTC)
    async with runtime.database.transaction() as session:
        session.add(
            Interview(
                id=interview,
                title="人防工程平时使用",
                guest="郑为民",
                guest_title="主任",
                summary="访谈",
                starts_at=now,
                ends_at=now,
                status="in_review",
                created_at=now,
            )
        )
        session.add(
            InterviewQuestion(
                case_id=str(asker),
                interview_id=interview,
                received_at=now,
                body="我是慕容秋实，人防工程能否停车？",
                asker_name="慕容秋实",
                selected=True,
                answer="可以。",
            )
        )
        session.add(
            ReviewItem(
                id=str(uuid4()),
                kind="interview_transcript",
                subject_id=interview,
                title="《人防工程平时使用》访谈实录",
                content={"groups": [{"questions": [{"question": "我是慕*实，人防工程能否停车？"}]}]},
                manifest=[],
                required=3,
                status="pending",
                created_at=now,
                source={"parts": ["慕容秋实"]},
            )
        )
    await producer.send_payloads(topics.name(CASE_KEYS), [_erased(asker)])

    async def recalled() -> ReviewItem | None:
        async with runtime.database.session() as session:
            item = (await session.exec(select(ReviewItem).where(ReviewItem.subject_id == interview))).one()
        return item if item.status == "withdrawn" else None

    item = await eventually(recalled, "the transcript withdrawn from review")
    assert item.source is None
    assert "慕" not in str(item.content)
    async with runtime.database.session() as session:
        back = await session.get(Interview, interview)
        question = await session.get(InterviewQuestion, str(asker))
    assert back is not None
    assert back.status == "closed"
    assert question is not None
    assert (question.body, question.asker_name) == (ERASED, None)
