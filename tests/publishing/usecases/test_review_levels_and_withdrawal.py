"""三审三校 and 撤回 as use cases, on books in memory: the levels in order, each by a different reviewer
holding it; the proofreading's findings beside the item from before the first review; a published
reply or adoption report withdrawn with a reason, by whom the rules allow, once."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any
from uuid import UUID

import pytest

from services.publishing import adoption, handlers, review_queue
from services.publishing.proofreading import Leader, Proofreading
from services.publishing.review import ReviewLevels, ReviewRules
from services.publishing.schemas import (
    ConsultationCloseCreate,
    ConsultationCreate,
    ReviewDecisionCreate,
    ReviewRejectionCreate,
    WithdrawalCreate,
)
from services.publishing.unit_of_work import PublishingUnitOfWork
from shared.auth import Principal
from shared.codes import Adoption, Role
from shared.errors import Conflict, Forbidden
from shared.events import (
    AdoptionReportPublished,
    AdoptionReportWithdrawn,
    CasePublicationWithdrawn,
    CasePublished,
    ConsultationOpened,
    EventPayload,
    ReviewRejected,
    new_event,
)
from shared.uow import Command, Delivered
from tests.publishing.usecases.fakes import FakeBooks, fake_unit_of_work
from tests.support import events as support

EDITOR = Principal("editor", "编辑甲", frozenset({Role.REVIEWER}))
HEAD = Principal("head", "处长乙", frozenset({Role.REVIEWER}))
LEADER = Principal("leader", "分管领导丙", frozenset({Role.REVIEWER}))
OUTSIDER = Principal("outsider", "未授级审核员", frozenset({Role.REVIEWER}))
ADMIN = Principal("admin", "管理员", frozenset({Role.ADMIN}))
RULES = ReviewRules(
    levels=ReviewLevels(
        ("初审", "复审", "终审"),
        {"editor": frozenset({"初审"}), "head": frozenset({"复审"}), "leader": frozenset({"复审", "终审"})},
    ),
    officials=("郑为民",),
    proofreading=Proofreading(sensitive_words=("赌博",), leaders=(Leader("郑为民", "主任"),)),
)
approve = partial(review_queue.approve, rules=RULES)
reject = partial(review_queue.reject, rules=RULES)
withdraw = partial(review_queue.withdraw, rules=RULES)


def delivered(payload: EventPayload) -> Delivered[Any]:
    return Delivered(new_event(payload, source="/tests"), payload)


async def a_reply_in_review(
    uow: PublishingUnitOfWork,
    books: FakeBooks,
    body: str = "小区有人赌博，能否按装监控？",
    reply: str = "郑为民副主任已批示，即将按装。",
) -> UUID:
    letter = support.letter(body=body)
    await handlers.on_submission_received(delivered(letter), uow)
    await handlers.on_case_replied(delivered(support.replied(letter, reply)), uow, rules=RULES)
    return UUID(books.reviews.one_pending().id)


async def published_reply(uow: PublishingUnitOfWork, books: FakeBooks) -> UUID:
    review_id = await a_reply_in_review(uow, books)
    for reviewer in (EDITOR, HEAD, LEADER):
        await approve(Command(review_id, reviewer, ReviewDecisionCreate()), uow)
    return review_id


async def test_the_levels_go_in_order_each_by_a_reviewer_who_holds_it() -> None:
    uow, books = fake_unit_of_work()
    review_id = await a_reply_in_review(uow, books)
    for early in (HEAD, LEADER, OUTSIDER):
        with pytest.raises(Forbidden, match="waits for 初审"):
            await approve(Command(review_id, early, ReviewDecisionCreate()), uow)
    assert await approve(Command(review_id, EDITOR, ReviewDecisionCreate()), uow) == []
    with pytest.raises(Conflict, match="already decided"):
        await approve(Command(review_id, EDITOR, ReviewDecisionCreate()), uow)
    assert await approve(Command(review_id, LEADER, ReviewDecisionCreate()), uow) == [], "复审, by its holder"
    with pytest.raises(Conflict, match="already decided"):  # 终审 by the same person: never
        await approve(Command(review_id, LEADER, ReviewDecisionCreate()), uow)
    with pytest.raises(Forbidden, match="waits for 终审"):
        await approve(Command(review_id, HEAD, ReviewDecisionCreate()), uow)
    assert books.reviews.items[str(review_id)].status == "pending"
    assert [(d.reviewer, d.level) for d in books.reviews.decided] == [("editor", "初审"), ("leader", "复审")]
    shown = await review_queue.reviewed(uow, review_id, RULES)
    assert shown.waiting_for == "终审"
    assert [(lv.name, lv.state, lv.reviewer) for lv in shown.levels] == [
        ("初审", "approved", "编辑甲"),
        ("复审", "approved", "分管领导丙"),
        ("终审", "waiting", None),
    ]


async def test_the_last_level_publishes() -> None:
    uow, books = fake_unit_of_work()
    review_id = await a_reply_in_review(uow, books)
    for reviewer in (EDITOR, HEAD):
        assert await approve(Command(review_id, reviewer, ReviewDecisionCreate()), uow) == []
    (published,) = await approve(Command(review_id, LEADER, ReviewDecisionCreate()), uow)
    assert isinstance(published, CasePublished)
    shown = await review_queue.reviewed(uow, review_id, RULES)
    assert (shown.status, shown.waiting_for) == ("published", None)
    assert [lv.state for lv in shown.levels] == ["approved"] * 3


async def test_a_rejection_comes_from_the_level_the_item_waits_for() -> None:
    uow, books = fake_unit_of_work()
    review_id = await a_reply_in_review(uow, books)
    await approve(Command(review_id, EDITOR, ReviewDecisionCreate()), uow)
    with pytest.raises(Forbidden, match="waits for 复审"):
        await reject(Command(review_id, OUTSIDER, ReviewRejectionCreate(reason="不妥")), uow)
    (rejected,) = await reject(Command(review_id, HEAD, ReviewRejectionCreate(reason="措辞不妥")), uow)
    assert isinstance(rejected, ReviewRejected)
    assert [(d.reviewer, d.decision, d.level) for d in books.reviews.decided][-1] == (
        "head",
        "reject",
        "复审",
    )


async def test_the_proofreading_lists_its_findings_before_the_first_review_and_after_a_mask() -> None:
    uow, books = fake_unit_of_work()
    review_id = await a_reply_in_review(uow, books)
    shown = await review_queue.reviewed(uow, review_id, RULES)
    assert shown.approvals == 0
    assert sorted((f.kind, f.field, f.found, f.suggestion) for f in shown.findings) == [
        ("leader", "reply", "郑为民副主任", "郑为民主任"),
        ("sensitive", "question", "赌博", None),
        ("typo", "question", "按装", "安装"),
        ("typo", "reply", "按装", "安装"),
    ]
    assert "郑为民" in books.reviews.items[str(review_id)].content["reply"], "a listed leader is not masked"
    await approve(Command(review_id, EDITOR, ReviewDecisionCreate(mask=["赌博"])), uow)
    again = await review_queue.reviewed(uow, review_id, RULES)
    assert "sensitive" not in {f.kind for f in again.findings}, "proofread again once the texts changed"


async def test_a_published_reply_is_withdrawn_with_its_reason_by_an_admin_or_a_final_reviewer_once() -> None:
    uow, books = fake_unit_of_work()
    review_id = await published_reply(uow, books)
    case_id = books.reviews.items[str(review_id)].subject_id
    assert case_id in books.reviews.replies
    why = WithdrawalCreate(reason="答复中的收费标准已调整")
    for not_allowed in (EDITOR, HEAD, OUTSIDER):
        with pytest.raises(Forbidden, match="终审"):
            await withdraw(Command(review_id, not_allowed, why), uow)
    (withdrawn,) = await withdraw(Command(review_id, LEADER, why), uow)
    assert isinstance(withdrawn, CasePublicationWithdrawn)
    assert (str(withdrawn.case_id), withdrawn.review_id) == (case_id, review_id)
    assert case_id not in books.reviews.replies, "gone from what the public reads"
    record = books.reviews.withdrawals[str(review_id)]
    assert (record.by, record.by_name, record.reason) == ("leader", "分管领导丙", "答复中的收费标准已调整")
    shown = await review_queue.reviewed(uow, review_id, RULES)
    assert shown.status == "retracted"
    assert shown.withdrawal is not None
    assert shown.withdrawal.by == "分管领导丙"
    with pytest.raises(Conflict, match="retracted, not published"):
        await withdraw(Command(review_id, ADMIN, why), uow)


async def test_only_the_version_the_public_sees_is_withdrawn() -> None:
    uow, books = fake_unit_of_work()
    letter = support.letter()
    await handlers.on_submission_received(delivered(letter), uow)
    ids = []
    for text in ("第一版答复", "重办后的答复"):
        await handlers.on_case_replied(delivered(support.replied(letter, text)), uow, rules=RULES)
        ids.append(UUID(books.reviews.one_pending().id))
        for reviewer in (EDITOR, HEAD, LEADER):
            await approve(Command(ids[-1], reviewer, ReviewDecisionCreate()), uow)
    with pytest.raises(Conflict, match="newer version"):
        await withdraw(Command(ids[0], ADMIN, WithdrawalCreate(reason="撤回旧版")), uow)
    assert books.reviews.replies[str(letter.case_id)].reply == "重办后的答复"
    await withdraw(Command(ids[1], ADMIN, WithdrawalCreate(reason="撤回")), uow)
    assert books.reviews.replies == {}


async def test_a_published_adoption_report_is_withdrawn() -> None:
    uow, books = fake_unit_of_work()
    (opened,) = await handlers.open_consultation(
        Command(
            None,
            ADMIN,
            ConsultationCreate(
                title="人防工程管理办法",
                summary="征求意见。",
                draft_text="第一条 为规范人防工程管理，制定本办法。",
                opens_on=date(2026, 9, 23),
                closes_on=date(2026, 10, 23),
            ),
            on=date(2026, 9, 23),
        ),
        uow,
        min_days=30,
        min_working_days=7,
    )
    assert isinstance(opened, ConsultationOpened)
    about = opened.consultation_id
    comment = support.comment(about, "建议明确收费标准。")
    await handlers.on_submission_received(delivered(comment), uow)
    await handlers.close_consultation(
        Command(about, ADMIN, ConsultationCloseCreate(), on=date(2026, 10, 26)), uow
    )
    await handlers.on_comment_answered(
        delivered(support.replied(comment, "采纳", adoption=Adoption.ADOPTED)), uow
    )
    await adoption.compile_report(Command(about, ADMIN, None), uow, rules=RULES)
    review_id = UUID((await adoption.queued_report(uow, about)).id)
    events: list[EventPayload] = []
    for reviewer in (EDITOR, HEAD, LEADER):
        events = await approve(Command(review_id, reviewer, ReviewDecisionCreate()), uow)
    assert isinstance(events[0], AdoptionReportPublished)
    (withdrawn,) = await withdraw(
        Command(review_id, ADMIN, WithdrawalCreate(reason="统计有误，重新汇总")), uow
    )
    assert isinstance(withdrawn, AdoptionReportWithdrawn)
    assert withdrawn.consultation_id == about
    assert books.reviews.reports == {}
