"""The formal notices routing issues on a disclosure request (告知书), on a task book in memory: which
step issues which notice, what it says, and the per-year document numbers (文号)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from services.routing import actions
from services.routing.actions import CaseAction
from services.routing.schemas import ExtensionCreate, ReplyCreate, SupplementRequestCreate
from shared.auth import Principal
from shared.codes import Outcome, Role
from shared.events import CaseAssigned, CaseReplied, DeadlineExtended, DeadlineSet, NoticeIssued
from shared.notices import LEGAL_BASIS, NoticeKind
from tests.routing.usecases.fakes import applied, fake_unit_of_work, received
from tests.support import events as support

CLERK = Principal("zhao-liu", "赵六", frozenset({Role.HANDLER}), "open-government")
DISCLOSURE_HEAD = Principal("qian-qi", "钱七", frozenset({Role.DISCLOSURE_HEAD}), "general-office")


async def test_the_receipt_is_numbered_dated_and_issued_once_per_request() -> None:
    uow, _, _ = fake_unit_of_work()
    request = support.disclosure_request(on=date(2026, 11, 2))
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    _, receipt = await received(uow, request, at=at)
    assert isinstance(receipt, NoticeIssued)
    assert (receipt.kind, receipt.number, receipt.issued_on, receipt.receipt_date) == (
        NoticeKind.RECEIPT,
        "国动办依申告〔2026〕第1号",
        date(2026, 11, 2),
        date(2026, 11, 2),
    )
    assert (receipt.office, receipt.reconsideration_body, receipt.court) == (
        "某市国防动员办公室",
        "某市人民政府",
        "某市中级人民法院",
    )
    # the same submission again (a redelivery) issues nothing more
    assert await received(uow, request, at=at) == []


async def test_a_letter_and_a_comment_get_no_notice() -> None:
    uow, _, _ = fake_unit_of_work()
    for submission in (support.letter(), support.comment(uuid4())):
        announced = await received(uow, submission)
        assert not [event for event in announced if isinstance(event, NoticeIssued)]


async def test_the_reply_notice_states_the_outcome_its_legal_basis_and_the_reasons() -> None:
    uow, _, _ = fake_unit_of_work()
    request = support.disclosure_request(on=date(2026, 11, 2))
    await received(uow, request)
    body = ReplyCreate(
        text="经检索，本机关未制作该信息。",
        outcome=Outcome.UNAVAILABLE_NOT_HELD,
        reason="该信息由市应急管理局制作，请向其申请。",
    )
    events = list(await actions.reply(CaseAction(request.case_id, CLERK, body, on=date(2026, 11, 20)), uow))
    await applied(uow, events)
    replied, notice = events
    assert isinstance(replied, CaseReplied)
    assert isinstance(notice, NoticeIssued)
    assert (notice.kind, notice.outcome, notice.legal_basis) == (
        NoticeKind.REPLY,
        Outcome.UNAVAILABLE_NOT_HELD,
        LEGAL_BASIS[Outcome.UNAVAILABLE_NOT_HELD],
    )
    assert (notice.text, notice.reason, notice.sequence, notice.issued_on) == (
        body.text,
        body.reason,
        2,
        date(2026, 11, 20),
    )


async def test_a_mailbox_reply_issues_no_notice() -> None:
    uow, _, _ = fake_unit_of_work()
    letter = support.letter()
    (assigned,) = await received(uow, letter)
    assert isinstance(assigned, CaseAssigned)
    handler = Principal("li-si", "李四", frozenset({Role.HANDLER}), assigned.department_id)
    events = await actions.reply(CaseAction(letter.case_id, handler, ReplyCreate(text="已答复")), uow)
    assert [type(event) for event in events] == [CaseReplied]


async def test_the_extension_notice_gives_the_new_due_date_counted_from_the_current_one() -> None:
    uow, _, _ = fake_unit_of_work()
    request = support.disclosure_request(on=date(2026, 11, 2))
    await received(uow, request)
    await received(
        uow,
        DeadlineSet(
            case_id=request.case_id,
            clock="reply",
            due_date=date(2026, 11, 30),
            provisional=False,
            cause="submission.received",
            note="收到申请之日起20个工作日",
        ),
    )
    body = ExtensionCreate(working_days=10, reason="需要检索的档案数量较大")
    events = list(
        await actions.extend(CaseAction(request.case_id, DISCLOSURE_HEAD, body, on=date(2026, 11, 25)), uow)
    )
    extended, notice = events
    assert isinstance(extended, DeadlineExtended)
    assert isinstance(notice, NoticeIssued)
    # ten working days after 30 November 2026: 1–4, 7–11, 14 December
    assert (notice.kind, notice.working_days, notice.reason, notice.due_date) == (
        NoticeKind.EXTENSION,
        10,
        body.reason,
        date(2026, 12, 14),
    )


async def test_numbers_run_on_across_cases_and_start_again_each_year() -> None:
    uow, _, _ = fake_unit_of_work()
    numbers = []
    for on in (date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 4), date(2027, 1, 5)):
        request = support.disclosure_request(on=on)
        _, receipt = await received(uow, request, at=datetime(on.year, on.month, on.day, 2, tzinfo=UTC))
        assert isinstance(receipt, NoticeIssued)
        numbers.append(receipt.number)
    assert numbers == [
        "国动办依申告〔2026〕第1号",
        "国动办依申告〔2026〕第2号",
        "国动办依申告〔2027〕第1号",
        "国动办依申告〔2027〕第2号",
    ]


async def test_an_extension_while_a_supplement_is_awaited_gives_no_date_it_cannot_know() -> None:
    uow, _, _ = fake_unit_of_work()
    request = support.disclosure_request(on=date(2026, 11, 2))
    await received(uow, request)
    ask = SupplementRequestCreate(items="请写明文件名称", working_days=10)
    await applied(
        uow,
        await actions.request_supplement(CaseAction(request.case_id, CLERK, ask, on=date(2026, 11, 3)), uow),
    )
    body = ExtensionCreate(working_days=10, reason="需要检索的档案数量较大")
    _, notice = await actions.extend(
        CaseAction(request.case_id, DISCLOSURE_HEAD, body, on=date(2026, 11, 4)), uow
    )
    assert isinstance(notice, NoticeIssued)
    assert (notice.kind, notice.working_days, notice.due_date) == (NoticeKind.EXTENSION, 10, None)
