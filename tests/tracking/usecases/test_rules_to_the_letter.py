"""The disclosure clocks to the letter (issue 15), as use cases on a clock book in memory: the
applicant's supplement deadline is a clock; several third parties each have their own 15 working days,
the reply clock standing still while any is waited for and going on by itself when the last one's
days pass unanswered (OGI Art. 32). Each event applied twice changes nothing the second time."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.tracking import handlers
from services.tracking.clock_book import TrackingUnitOfWork
from services.tracking.config import TrackingSettings
from shared.codes import ClockKind, ClockState
from shared.events import (
    DeadlineBreached,
    DeadlineSet,
    EventPayload,
    SubmissionReceived,
    SupplementRequested,
    ThirdPartyConsulted,
    ThirdPartyReplied,
    new_event,
)
from shared.uow import Delivered
from tests.support import events as support
from tests.tracking.usecases.fakes import FakeClockBook, fake_unit_of_work

RULES = TrackingSettings().clock_rules
RECEIVED = date(2026, 3, 2)  # the reply is due on 30 March (20 working days)


def delivered(payload: EventPayload) -> Delivered[Any]:
    return Delivered(new_event(payload, source="/tests"), payload)


def deadlines(emitted: list[EventPayload]) -> dict[tuple[ClockKind, str | None], date]:
    return {(e.clock, e.party_id): e.due_date for e in emitted if isinstance(e, DeadlineSet)}


async def received(uow: TrackingUnitOfWork) -> SubmissionReceived:
    request = support.disclosure_request(on=RECEIVED)
    await handlers.on_submission_received(delivered(request), uow, rules=RULES)
    return request


async def consult(
    uow: TrackingUnitOfWork, request: SubmissionReceived, party: str, on: date
) -> list[EventPayload]:
    event = ThirdPartyConsulted(
        case_id=request.case_id, party=f"某公司{party}", consulted_on=on, party_id=party
    )
    return await handlers.on_third_party_consulted(delivered(event), uow, rules=RULES)


async def twice(
    handler: Any, event: Delivered[Any], uow: TrackingUnitOfWork, book: FakeClockBook
) -> list[EventPayload]:
    """Apply the event, then again: the second time emits nothing and writes no ledger line."""
    first = await handler(event, uow)
    lines = len(book.entries)
    assert await handler(event, uow) == []
    assert len(book.entries) == lines
    return list(first)


async def test_the_applicants_supplement_deadline_is_a_clock_of_the_days_the_notice_gives() -> None:
    uow, book = fake_unit_of_work()
    request = await received(uow)
    asked = SupplementRequested(
        case_id=request.case_id,
        items="请补充身份证明",
        due_date=date(2026, 3, 18),
        requested_on=date(2026, 3, 4),
        working_days=10,
    )
    emitted = await twice(handlers.on_supplement_requested, delivered(asked), uow, book)
    assert deadlines(emitted) == {(ClockKind.SUPPLEMENT_DUE, None): date(2026, 3, 18)}
    clock = await book.clock(request.case_id, ClockKind.SUPPLEMENT_DUE)
    assert clock is not None
    assert (clock.state, clock.start_date, clock.working_days) == (ClockState.RUNNING, date(2026, 3, 4), 10)
    assert book.notes(request.case_id, ClockKind.SUPPLEMENT_DUE) == [
        "3月4日告知补正，申请人补正期限按10个工作日计算（当日不计），2026年3月18日到期"
    ]
    assert "待申请人于2026年3月18日前补正" in book.notes(request.case_id, ClockKind.REPLY)[-1]


async def test_several_third_parties_each_have_their_own_clock_and_the_reply_waits_for_the_last() -> None:
    uow, book = fake_unit_of_work()
    request = await received(uow)
    assert deadlines(await consult(uow, request, "1", date(2026, 3, 9))) == {
        (ClockKind.THIRD_PARTY, "1"): date(2026, 3, 30)
    }
    assert deadlines(await consult(uow, request, "2", date(2026, 3, 11))) == {
        (ClockKind.THIRD_PARTY, "2"): date(2026, 4, 1)
    }
    reply = await book.clock(request.case_id, ClockKind.REPLY)
    assert reply is not None
    assert (reply.state, reply.paused_on) == (ClockState.PAUSED, date(2026, 3, 9))
    assert (
        book.notes(request.case_id, ClockKind.REPLY)[-1]
        == "2026年3月11日另征求第三方（2）意见，答复期限继续暂停"
    )

    first = ThirdPartyReplied(case_id=request.case_id, replied_on=date(2026, 3, 16), party_id="1")
    assert await twice(handlers.on_third_party_replied, delivered(first), uow, book) == []
    assert reply.state == ClockState.PAUSED  # the second party is still waited for
    one = await book.clock(request.case_id, ClockKind.THIRD_PARTY, "1")
    two = await book.clock(request.case_id, ClockKind.THIRD_PARTY, "2")
    assert one is not None
    assert two is not None
    assert (one.state, two.state) == (ClockState.STOPPED, ClockState.RUNNING)

    last = ThirdPartyReplied(case_id=request.case_id, replied_on=date(2026, 3, 20), party_id="2")
    moved = await twice(handlers.on_third_party_replied, delivered(last), uow, book)
    # 9–20 March waited: the 9 working days 10–20 March are not counted → 20 + 9 from 2 March
    assert deadlines(moved) == {(ClockKind.REPLY, None): date(2026, 4, 13)}
    assert (reply.state, reply.paused_days, reply.paused_on) == (ClockState.RUNNING, 9, None)


async def test_the_reply_clock_goes_on_by_itself_when_the_last_partys_days_pass_unanswered() -> None:
    uow, book = fake_unit_of_work()
    request = await received(uow)
    await consult(uow, request, "1", date(2026, 3, 9))
    await consult(uow, request, "2", date(2026, 3, 11))
    first_card = DeadlineBreached(
        case_id=request.case_id, clock=ClockKind.THIRD_PARTY, due_date=date(2026, 3, 30), party_id="1"
    )
    assert await twice(handlers.on_deadline_breached, delivered(first_card), uow, book) == []
    reply = await book.clock(request.case_id, ClockKind.REPLY)
    one = await book.clock(request.case_id, ClockKind.THIRD_PARTY, "1")
    assert reply is not None
    assert one is not None
    assert (one.state, reply.state) == (ClockState.BREACHED, ClockState.PAUSED)  # party 2 is within its days

    last_card = DeadlineBreached(
        case_id=request.case_id, clock=ClockKind.THIRD_PARTY, due_date=date(2026, 4, 1), party_id="2"
    )
    moved = await twice(handlers.on_deadline_breached, delivered(last_card), uow, book)
    # waited 9 March to 1 April, party 2's last day: 17 working days not counted → 37 from 2 March
    assert deadlines(moved) == {(ClockKind.REPLY, None): date(2026, 4, 23)}
    assert (reply.state, reply.paused_days) == (ClockState.RUNNING, 17)
    note = book.notes(request.case_id, ClockKind.REPLY)[-1]
    assert note.startswith(
        "第三方（2）自2026年3月11日起15个工作日内未答复，依《政府信息公开条例》第三十二条由本机关依法决定"
    )
    assert "征求意见用时17个工作日不计入" in note

    late = ThirdPartyReplied(case_id=request.case_id, replied_on=date(2026, 4, 2), party_id="1")
    assert await handlers.on_third_party_replied(delivered(late), uow) == []  # the reply clock runs already
    assert (one.state, one.on_time) == (ClockState.STOPPED, False)


async def test_a_card_for_a_date_since_moved_or_an_answered_party_moves_nothing() -> None:
    uow, book = fake_unit_of_work()
    request = await received(uow)
    await consult(uow, request, "1", date(2026, 3, 9))
    answered = ThirdPartyReplied(case_id=request.case_id, replied_on=date(2026, 3, 30), party_id="1")
    await handlers.on_third_party_replied(delivered(answered), uow)
    lines = len(book.entries)
    card = DeadlineBreached(
        case_id=request.case_id, clock=ClockKind.THIRD_PARTY, due_date=date(2026, 3, 30), party_id="1"
    )
    assert await handlers.on_deadline_breached(delivered(card), uow) == []
    moved = DeadlineBreached(case_id=request.case_id, clock=ClockKind.REPLY, due_date=date(2026, 3, 1))
    assert await handlers.on_deadline_breached(delivered(moved), uow) == []
    assert len(book.entries) == lines


async def test_an_answer_that_names_no_party_answers_every_party_waited_for_as_before() -> None:
    uow, book = fake_unit_of_work()
    request = await received(uow)
    old = ThirdPartyConsulted(case_id=request.case_id, party="某公司", consulted_on=date(2026, 3, 9))
    await handlers.on_third_party_consulted(delivered(old), uow, rules=RULES)
    answered = ThirdPartyReplied(case_id=request.case_id, replied_on=date(2026, 3, 16))
    moved = await handlers.on_third_party_replied(delivered(answered), uow)
    assert deadlines(moved) == {(ClockKind.REPLY, None): date(2026, 4, 7)}
    third = await book.clock(request.case_id, ClockKind.THIRD_PARTY)
    assert third is not None
    assert third.state == ClockState.STOPPED
