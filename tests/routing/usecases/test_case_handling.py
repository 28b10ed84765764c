"""Routing's use cases on a task book in memory: what the rules decide for a new case, what each action
of the workbench is allowed to do and announces, and how the task follows the events — without a
database or a broker (the same use cases run on the real unit of work in the integration tier)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.routing import actions
from services.routing.actions import CaseAction
from services.routing.schemas import (
    DispatchCreate,
    ExtensionCreate,
    ReplyCreate,
    ReturnCreate,
    SupplementRequestCreate,
)
from services.routing.task_book import RoutingUnitOfWork
from services.routing.workflow import ActionRefused, CaseState
from shared.auth import Principal
from shared.codes import Channel, ClockKind, Rating, Role
from shared.errors import Conflict, Forbidden, InvalidInput
from shared.events import (
    CaseAssigned,
    CaseRated,
    CaseReopened,
    CaseReplied,
    CaseReturned,
    DeadlineWarning,
    EventPayload,
    NoticeIssued,
    SubmissionReceived,
    SupplementReceived,
    SupplementRequested,
)
from shared.notices import NoticeKind
from tests.routing.usecases.fakes import applied, fake_unit_of_work, received
from tests.support import events as support

HANDLER = Principal("li-si", "李四", frozenset({Role.HANDLER}), "engineering")
HEAD = Principal("wang-wu", "王五", frozenset({Role.DEPARTMENT_HEAD}), "engineering")
ADMIN = Principal("admin", "管理员", frozenset({Role.ADMIN}))


def by(department: str, *roles: Role) -> Principal:
    return Principal(f"{department}-staff", "张三", frozenset(roles or {Role.HANDLER}), department)


async def perform(uow: RoutingUnitOfWork, use_case: Any, action: CaseAction[Any]) -> list[EventPayload]:
    """An action as the HTTP edge performs it: decided, then its events applied to the book."""
    events = list(await use_case(action, uow))
    await applied(uow, events)
    return events


async def a_case(uow: RoutingUnitOfWork, submission: SubmissionReceived) -> CaseAssigned:
    """The case assigned; a disclosure request also gets its receipt (登记回执), numbered."""
    assignment, *notices = await received(uow, submission)
    assert isinstance(assignment, CaseAssigned)
    expected = [NoticeKind.RECEIPT] if submission.channel == Channel.DISCLOSURE_REQUEST else []
    assert (
        [n.kind for n in notices if isinstance(n, NoticeIssued)]
        == expected
        == [getattr(n, "kind", None) for n in notices]
    )
    return assignment


async def test_a_letter_goes_where_the_first_matching_rule_says_and_its_task_records_why() -> None:
    uow, book, _ = fake_unit_of_work()
    letter = support.letter(
        subject="防空警报试鸣时间", body="今年警报试鸣是哪天？", mailbox="open-government"
    )
    assignment = await a_case(uow, letter)
    # the mailbox rule (priority 20) wins over the alarm keywords (30)
    assert (assignment.department_id, assignment.rule_id) == ("general-office", "open-government-mailbox")
    assert assignment.department_name == "办公室"
    assert book.state(letter.case_id) == CaseState.ASSIGNED
    assert assignment.reason.endswith("政务公开信箱")
    assert book.lines(letter.case_id) == [f"转至办公室：{assignment.reason}"]


async def test_a_case_no_rule_matches_waits_in_triage_and_only_an_admin_dispatches_it() -> None:
    uow, book, _ = fake_unit_of_work()
    letter = support.letter(subject="其他事项", body="请问办公时间？", mailbox="unknown-box")
    assert (await a_case(uow, letter)).department_id == "triage"
    with pytest.raises(Forbidden):
        await perform(
            uow, actions.dispatch, CaseAction(letter.case_id, HANDLER, DispatchCreate(department_id="policy"))
        )
    with pytest.raises(InvalidInput, match="not back to triage"):
        await perform(
            uow, actions.dispatch, CaseAction(letter.case_id, ADMIN, DispatchCreate(department_id="triage"))
        )
    (dispatched,) = await perform(
        uow,
        actions.dispatch,
        CaseAction(letter.case_id, ADMIN, DispatchCreate(department_id="policy", note="法规咨询")),
    )
    assert isinstance(dispatched, CaseAssigned)
    assert (dispatched.department_id, dispatched.reason, dispatched.by) == (
        "policy",
        "人工分办：法规咨询",
        "管理员（admin）",
    )
    assert book.stored[str(letter.case_id)].department_id == "policy"
    with pytest.raises(Conflict, match="waiting in triage"):
        await perform(
            uow,
            actions.dispatch,
            CaseAction(letter.case_id, ADMIN, DispatchCreate(department_id="engineering")),
        )


async def test_the_same_submission_delivered_again_is_not_assigned_twice() -> None:
    uow, book, _ = fake_unit_of_work()
    letter = support.letter()
    await a_case(uow, letter)
    assert await received(uow, letter) == []
    assert len(book.lines(letter.case_id)) == 1


async def test_only_the_assigned_department_acts_and_an_action_is_taken_once() -> None:
    uow, book, office = fake_unit_of_work()
    letter = support.letter()
    await a_case(uow, letter)
    with pytest.raises(Forbidden, match="another department"):
        await perform(uow, actions.accept, CaseAction(letter.case_id, by("policy"), None))
    office.deactivated.add(HANDLER.sub)
    with pytest.raises(Forbidden, match="deactivated"):
        await perform(uow, actions.accept, CaseAction(letter.case_id, HANDLER, None))
    office.deactivated.clear()
    await perform(uow, actions.accept, CaseAction(letter.case_id, HANDLER, None))
    assert book.state(letter.case_id) == CaseState.ACCEPTED
    with pytest.raises(ActionRefused, match="cannot accept a case that is accepted"):
        await perform(uow, actions.accept, CaseAction(letter.case_id, HANDLER, None))


async def test_of_two_actions_on_one_reading_of_the_case_only_the_first_is_claimed() -> None:
    uow, book, _ = fake_unit_of_work()
    letter = support.letter()
    await a_case(uow, letter)

    stale = await book.task(letter.case_id)  # read by the second request
    await applied(uow, await actions.accept(CaseAction(letter.case_id, HANDLER, None), uow))
    assert stale is not None
    assert stale.state == CaseState.ASSIGNED
    assert await book.move(stale, state=CaseState.CLOSED.value) is False
    assert book.state(letter.case_id) == CaseState.ACCEPTED


async def test_a_returned_case_goes_to_the_next_rule_then_after_two_returns_to_triage() -> None:
    uow, book, _ = fake_unit_of_work()
    letter = support.letter(subject="人防工程", body="防空警报器坏了", on=date(2026, 3, 2))
    assert (await a_case(uow, letter)).department_id == "engineering"
    returned = await perform(
        uow,
        actions.return_case,
        CaseAction(letter.case_id, HANDLER, ReturnCreate(reason="警报器归指挥通信处"), on=date(2026, 3, 3)),
    )
    assert [type(e) for e in returned] == [CaseReturned, CaseAssigned]
    assert isinstance(returned[1], CaseAssigned)
    assert returned[1].department_id == "command-comms"
    again = await perform(
        uow,
        actions.return_case,
        CaseAction(
            letter.case_id, by("command-comms"), ReturnCreate(reason="不是我们的"), on=date(2026, 3, 4)
        ),
    )
    assert isinstance(again[1], CaseAssigned)
    assert again[1].department_id == "triage"
    assert book.stored[str(letter.case_id)].returned_by == ["engineering", "command-comms"]


async def test_a_case_is_returned_within_two_working_days_of_its_assignment_only() -> None:
    uow, _, _ = fake_unit_of_work()
    letter = support.letter(on=date(2026, 9, 30))
    await received(uow, letter, at=datetime(2026, 9, 30, 2, tzinfo=UTC))  # assigned on 30 September
    # the National Day holiday follows: 8 and 9 October are its two working days
    late = CaseAction(letter.case_id, HANDLER, ReturnCreate(reason="不归我们"), on=date(2026, 10, 10))
    with pytest.raises(ActionRefused, match="return window closed on 2026-10-09"):
        await perform(uow, actions.return_case, late)


async def test_a_supplement_is_asked_once_with_its_due_date_in_working_days() -> None:
    uow, book, _ = fake_unit_of_work()
    request = support.disclosure_request(on=date(2026, 9, 28))
    assert (await a_case(uow, request)).department_id == "open-government"
    clerk = by("open-government")
    ask = SupplementRequestCreate(items="请提供身份证明", working_days=5)
    notice, written = await perform(
        uow, actions.request_supplement, CaseAction(request.case_id, clerk, ask, on=date(2026, 9, 30))
    )
    assert isinstance(notice, SupplementRequested)
    assert notice.due_date == date(2026, 10, 13)  # 8, 9, 10 (调休), 12, 13 October
    # the 补正告知书 says the same, with the year's next number (the receipt took the first)
    assert isinstance(written, NoticeIssued)
    assert (written.kind, written.items, written.working_days, written.due_date) == (
        NoticeKind.SUPPLEMENT,
        "请提供身份证明",
        5,
        date(2026, 10, 13),
    )
    assert (written.year, written.sequence, written.number) == (2026, 2, "国动办依申告〔2026〕第2号")
    assert book.state(request.case_id) == CaseState.SUPPLEMENT_REQUESTED
    await received(
        uow,
        SupplementReceived(case_id=request.case_id, text="身份证明已补交", receipt_date=date(2026, 10, 8)),
    )
    assert book.state(request.case_id) == CaseState.ACCEPTED
    with pytest.raises(ActionRefused, match="already requested once"):
        await perform(
            uow, actions.request_supplement, CaseAction(request.case_id, clerk, ask, on=date(2026, 10, 8))
        )


async def test_a_letter_is_extended_once_by_its_department_head_only() -> None:
    uow, book, _ = fake_unit_of_work()
    letter = support.letter()
    await a_case(uow, letter)
    ten_days = ExtensionCreate(working_days=10, reason="需现场核查")
    with pytest.raises(ActionRefused, match="department head"):
        await perform(uow, actions.extend, CaseAction(letter.case_id, HANDLER, ten_days))
    await perform(uow, actions.extend, CaseAction(letter.case_id, HEAD, ten_days))
    assert book.stored[str(letter.case_id)].extended is True
    with pytest.raises(ActionRefused, match="already extended once"):
        await perform(uow, actions.extend, CaseAction(letter.case_id, HEAD, ten_days))


async def test_a_reply_fits_its_channel_and_an_unsatisfied_rating_reopens_the_case() -> None:
    uow, book, _ = fake_unit_of_work()
    letter = support.letter()
    await a_case(uow, letter)
    with pytest.raises(ActionRefused, match="text only"):
        await perform(
            uow,
            actions.reply,
            CaseAction(letter.case_id, HANDLER, ReplyCreate(text="答复", outcome="disclosed")),
        )
    (answer,) = await perform(
        uow, actions.reply, CaseAction(letter.case_id, HANDLER, ReplyCreate(text="可以出租，但须备案。"))
    )
    assert isinstance(answer, CaseReplied)
    assert (answer.department_name, answer.by) == ("人防工程管理处", "李四（li-si）")
    assert book.state(letter.case_id) == CaseState.REPLIED
    assert book.lines(letter.case_id)[-1] == "答复：可以出租，但须备案。"
    satisfied = CaseRated(case_id=letter.case_id, rating=Rating.SATISFIED)
    assert await received(uow, satisfied) == []
    (reopened,) = await received(
        uow, CaseRated(case_id=letter.case_id, rating=Rating.UNSATISFIED, comment="没说清楚")
    )
    assert isinstance(reopened, CaseReopened)
    assert reopened.reason == "市民对答复不满意：没说清楚"
    assert book.state(letter.case_id) == CaseState.ACCEPTED


async def test_a_card_for_a_due_date_that_has_since_moved_changes_nothing() -> None:
    uow, book, _ = fake_unit_of_work()
    letter = support.letter(on=date(2026, 3, 2))
    await a_case(uow, letter)
    await received(uow, support.due(letter, date(2026, 3, 9)), support.due(letter, date(2026, 3, 23)))
    await received(
        uow, DeadlineWarning(case_id=letter.case_id, clock=ClockKind.REPLY, due_date=date(2026, 3, 9))
    )
    task = book.stored[str(letter.case_id)]
    assert (task.due_date, task.card) == (date(2026, 3, 23), None)
    await received(
        uow, DeadlineWarning(case_id=letter.case_id, clock=ClockKind.REPLY, due_date=date(2026, 3, 23))
    )
    assert book.stored[str(letter.case_id)].card == "yellow"
