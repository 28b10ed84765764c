"""Publishing's review queue (三审) and consultations as use cases, on books in memory: what is queued
and masked, when reviewers' decisions publish, and the rules of opening and closing a consultation and
compiling its adoption report — without a database or a broker (the same use cases run on the real unit
of work in the integration and race tiers)."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any
from uuid import UUID

import pytest

from services.publishing import adoption, handlers, review_queue
from services.publishing.review import ReviewLevels, ReviewRules
from services.publishing.schemas import (
    ConsultationCloseCreate,
    ConsultationCreate,
    ReviewDecisionCreate,
    ReviewRejectionCreate,
)
from services.publishing.unit_of_work import PublishingUnitOfWork
from shared.auth import Principal
from shared.codes import Adoption, Role
from shared.errors import Conflict, Forbidden, InvalidInput
from shared.events import (
    AdoptionReportPublished,
    CasePublished,
    ConsultationClosed,
    ConsultationOpened,
    Contact,
    EventPayload,
    ReviewRejected,
    SubmissionRefused,
    new_event,
)
from shared.uow import Command, Delivered
from tests.publishing.usecases.fakes import FakeBooks, fake_unit_of_work
from tests.support import events as support

ADMIN = Principal("admin", "管理员", frozenset({Role.ADMIN}))
FIRST = Principal("rev-1", "初审员", frozenset({Role.REVIEWER}))
SECOND = Principal("rev-2", "复审员", frozenset({Role.REVIEWER}))
WRITER = Contact(name="张晓明", phone="13812345678")


def delivered(payload: EventPayload) -> Delivered[Any]:
    return Delivered(new_event(payload, source="/tests"), payload)


TWO_LEVELS = ReviewRules(levels=ReviewLevels(("初审", "终审")))
to_review = partial(handlers.on_case_replied, rules=TWO_LEVELS)


async def a_reply_in_review(uow: PublishingUnitOfWork, books: FakeBooks) -> UUID:
    letter = support.letter(body="我叫张晓明，小区人防车位能否出租？", contact=WRITER)
    await handlers.on_submission_received(delivered(letter), uow)
    await to_review(delivered(support.replied(letter, "张晓明您好：可以出租，须备案。")), uow)
    return UUID(books.reviews.one_pending().id)


async def test_a_consented_reply_is_queued_with_its_writer_masked_and_an_unconsented_one_is_not() -> None:
    uow, books = fake_unit_of_work()
    await a_reply_in_review(uow, books)
    item = books.reviews.one_pending()
    assert "张晓明" not in item.content["question"]
    assert "张晓明" not in item.content["reply"]
    assert {entry["kind"] for entry in item.manifest} >= {"name"}
    private = support.letter(consent=False)
    await handlers.on_submission_received(delivered(private), uow)
    await to_review(delivered(support.replied(private)), uow)
    assert len(books.reviews.items) == 1


async def test_a_new_reply_supersedes_the_version_still_waiting() -> None:
    uow, books = fake_unit_of_work()
    letter = support.letter()
    await handlers.on_submission_received(delivered(letter), uow)
    await to_review(delivered(support.replied(letter, "第一版")), uow)
    await to_review(delivered(support.replied(letter, "第二版")), uow)
    assert sorted(i.status for i in books.reviews.items.values()) == ["pending", "superseded"]
    assert books.reviews.one_pending().content["reply"] == "第二版"


async def test_two_distinct_reviewers_publish_and_one_reviewer_counts_once() -> None:
    uow, books = fake_unit_of_work()
    review_id = await a_reply_in_review(uow, books)
    with pytest.raises(Forbidden):
        await review_queue.approve(Command(review_id, ADMIN, ReviewDecisionCreate()), uow)
    assert await review_queue.approve(Command(review_id, FIRST, ReviewDecisionCreate()), uow) == []
    with pytest.raises(Conflict, match="already decided"):
        await review_queue.approve(Command(review_id, FIRST, ReviewDecisionCreate()), uow)
    (published,) = await review_queue.approve(
        Command(review_id, SECOND, ReviewDecisionCreate(mask=["人防车位"])), uow
    )
    assert isinstance(published, CasePublished)
    reply = books.reviews.replies[str(published.case_id)]
    assert "人防车位" not in reply.question
    assert "张晓明" not in reply.reply
    assert books.reviews.items[str(review_id)].source is None  # only the masked form is kept
    shown = await review_queue.reviewed(uow, review_id)
    assert (shown.status, shown.approvals, shown.approved_by) == ("published", 2, ["初审员", "复审员"])
    with pytest.raises(Conflict, match="not waiting for review"):
        await review_queue.reject(Command(review_id, FIRST, ReviewRejectionCreate(reason="晚了")), uow)


async def test_a_rejection_sends_the_reply_back_with_its_reason_and_publishes_nothing() -> None:
    uow, books = fake_unit_of_work()
    review_id = await a_reply_in_review(uow, books)
    (rejected,) = await review_queue.reject(
        Command(review_id, FIRST, ReviewRejectionCreate(reason="答复不完整")), uow
    )
    assert isinstance(rejected, ReviewRejected)
    assert (rejected.reason, rejected.reviewer, rejected.department_id) == (
        "答复不完整",
        "初审员",
        "engineering",
    )
    assert books.reviews.items[str(review_id)].status == "rejected"
    assert books.reviews.replies == {}


def consultation(**changes: Any) -> ConsultationCreate:
    fields: dict[str, Any] = {
        "title": "人防工程维护管理办法（征求意见稿）",
        "summary": "征求意见",
        "opens_on": date(2026, 9, 24),
        "closes_on": date(2026, 10, 24),
        "draft_text": "第一条……",
    }
    return ConsultationCreate.model_validate(fields | changes)


async def test_a_consultation_runs_its_legal_period_or_says_why_not() -> None:
    uow, books = fake_unit_of_work()
    opening = partial(handlers.open_consultation, min_days=30, min_working_days=7)
    on = date(2026, 9, 23)
    with pytest.raises(InvalidInput, match="must say why") as short:
        await opening(Command(None, ADMIN, consultation(closes_on=date(2026, 10, 20)), on=on), uow)
    assert short.value.details[0]["field"] == "short_period_reason"
    # other normative documents: 7 working days; 24 September to 8 October holds only 5 (National Day)
    with pytest.raises(InvalidInput, match="7 working days"):
        await opening(
            Command(
                None, ADMIN, consultation(document_kind="other_normative", closes_on=date(2026, 10, 8)), on=on
            ),
            uow,
        )
    (opened,) = await opening(
        Command(
            None, ADMIN, consultation(document_kind="other_normative", closes_on=date(2026, 10, 12)), on=on
        ),
        uow,
    )
    assert isinstance(opened, ConsultationOpened)
    assert books.sources.consultations[str(opened.consultation_id)].status == "open"


async def test_a_consultation_closes_early_only_with_a_reason_and_once() -> None:
    uow, books = fake_unit_of_work()
    (opened,) = await handlers.open_consultation(
        Command(None, ADMIN, consultation(), on=date(2026, 9, 23)), uow, min_days=30, min_working_days=7
    )
    assert isinstance(opened, ConsultationOpened)
    about = opened.consultation_id
    early = date(2026, 10, 1)
    with pytest.raises(InvalidInput, match="closing earlier needs a reason"):
        await handlers.close_consultation(Command(about, ADMIN, ConsultationCloseCreate(), on=early), uow)
    (closed,) = await handlers.close_consultation(
        Command(about, ADMIN, ConsultationCloseCreate(reason="上级要求提前报送"), on=early), uow
    )
    assert isinstance(closed, ConsultationClosed)
    assert closed.closed_on == early
    assert books.sources.consultations[str(about)].close_reason == "上级要求提前报送"
    with pytest.raises(Conflict, match="already closed"):
        await handlers.close_consultation(
            Command(about, ADMIN, ConsultationCloseCreate(reason="再关"), on=early), uow
        )


async def test_the_adoption_report_waits_for_every_decision_and_publishes_the_counts() -> None:
    uow, books = fake_unit_of_work()
    (opened,) = await handlers.open_consultation(
        Command(None, ADMIN, consultation(), on=date(2026, 9, 23)), uow, min_days=30, min_working_days=7
    )
    assert isinstance(opened, ConsultationOpened)
    about = opened.consultation_id
    named = support.comment(about, "建议明确收费标准。我是李建国。", contact=Contact(name="李建国"))
    anonymous, refused = support.comment(about, "建议延长维护周期。"), support.comment(about, "逾期的意见")
    for comment in (named, anonymous, refused):
        await handlers.on_submission_received(delivered(comment), uow)
    await handlers.on_submission_refused(
        delivered(SubmissionRefused(case_id=refused.case_id, reason="逾期", refused_on=date(2026, 10, 25))),
        uow,
    )
    await handlers.close_consultation(
        Command(about, ADMIN, ConsultationCloseCreate(), on=date(2026, 10, 26)), uow
    )
    compiling = partial(adoption.compile_report, rules=ReviewRules(levels=ReviewLevels(("终审",))))
    await handlers.on_comment_answered(
        delivered(support.replied(named, "采纳", adoption=Adoption.ADOPTED)), uow
    )
    with pytest.raises(Conflict, match="1 of 2 comments have no adoption decision"):
        await compiling(Command(about, ADMIN, None), uow)
    answer = support.replied(anonymous, "不采纳", adoption=Adoption.NOT_ADOPTED, reason="与上位法不符")
    await handlers.on_comment_answered(delivered(answer), uow)
    assert await compiling(Command(about, ADMIN, None), uow) == []
    queued = await adoption.queued_report(uow, about)
    assert (queued.content["received"], queued.content["adopted"], queued.content["not_adopted"]) == (2, 1, 1)
    assert "李建国" not in str(queued.content)
    (published,) = await review_queue.approve(Command(UUID(queued.id), FIRST, ReviewDecisionCreate()), uow)
    assert isinstance(published, AdoptionReportPublished)
    assert (published.received, published.adopted, published.not_adopted) == (2, 1, 1)
    rows = books.reviews.reports[str(about)].content["comments"]
    assert {(row["decision"], row["reason"]) for row in rows} == {
        ("adopted", None),
        ("not_adopted", "与上位法不符"),
    }
