"""Tracking's clock reactions as use cases, on a clock book in memory: what each event does to a
case's clocks, their ledger and the events announced — without a database or a broker."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any
from uuid import uuid4

from services.tracking import handlers
from services.tracking.clock_book import TrackingUnitOfWork
from services.tracking.config import TrackingSettings
from shared.codes import Adoption, ClockKind, ClockState
from shared.events import (
    AdoptionReportPublished,
    CaseReplied,
    ConsultationClosed,
    DeadlineSet,
    Envelope,
    EventPayload,
    SubmissionReceived,
    SupplementReceived,
    SupplementRequested,
    ThirdPartyConsulted,
    ThirdPartyReplied,
    new_event,
)
from shared.uow import Delivered
from tests.support import events as support
from tests.tracking.usecases.fakes import FakeClockBook, fake_unit_of_work

RULES = TrackingSettings().clock_rules


def delivered(payload: EventPayload) -> Delivered[Any]:
    return Delivered(new_event(payload, source="/tests"), payload)


async def react(envelope: Envelope, payload: EventPayload, uow: TrackingUnitOfWork) -> list[EventPayload]:
    """What tracking's consumer does with a comment's and its consultation's events."""
    if isinstance(payload, SubmissionReceived):
        return await handlers.on_submission_received(Delivered(envelope, payload), uow, rules=RULES)
    if isinstance(payload, ConsultationClosed):
        return await handlers.on_consultation_closed(Delivered(envelope, payload), uow, rules=RULES)
    if isinstance(payload, AdoptionReportPublished):
        return await handlers.on_adoption_report_published(Delivered(envelope, payload), uow)
    if isinstance(payload, CaseReplied):
        return await handlers.on_case_replied(Delivered(envelope, payload), uow)
    raise AssertionError(f"not in this test's table: {payload.event_type}")


def deadlines(emitted: list[EventPayload]) -> dict[ClockKind, date]:
    return {event.clock: event.due_date for event in emitted if isinstance(event, DeadlineSet)}


async def test_an_assigned_letter_gets_five_working_days_and_a_return_window() -> None:
    uow, book = fake_unit_of_work()
    letter = support.letter(on=date(2026, 9, 30))  # the National Day holiday follows
    assert await handlers.on_submission_received(delivered(letter), uow, rules=RULES) == []
    emitted = await handlers.on_case_assigned(delivered(support.assigned(letter)), uow, rules=RULES)
    # 1–7 October are holidays and Saturday 10 October is worked (调休): 8, 9, 10, 12, 13 October
    assert deadlines(emitted) == {
        ClockKind.REPLY: date(2026, 10, 13),
        ClockKind.RETURN_WINDOW: date(2026, 10, 9),
    }
    reply = await book.clock(letter.case_id, ClockKind.REPLY)
    assert reply is not None
    assert (reply.state, reply.due_date) == (ClockState.RUNNING, date(2026, 10, 13))
    assert book.notes(letter.case_id, ClockKind.REPLY) == [
        "9月30日转办，按5个工作日计算（当日不计），2026年10月13日到期"
    ]


async def test_the_same_assignment_again_changes_nothing() -> None:
    uow, book = fake_unit_of_work()
    letter = support.letter(on=date(2026, 3, 2))
    await handlers.on_submission_received(delivered(letter), uow, rules=RULES)
    await handlers.on_case_assigned(delivered(support.assigned(letter)), uow, rules=RULES)
    entries = len(book.entries)
    again = await handlers.on_case_assigned(delivered(support.assigned(letter)), uow, rules=RULES)
    assert again == []
    assert len(book.entries) == entries


async def test_a_supplement_stops_the_disclosure_clock_and_its_arrival_counts_twenty_days_again() -> None:
    uow, book = fake_unit_of_work()
    request = support.disclosure_request(on=date(2026, 3, 2))
    started = await handlers.on_submission_received(delivered(request), uow, rules=RULES)
    assert deadlines(started)[ClockKind.REPLY] == date(2026, 3, 30)
    asked = SupplementRequested(
        case_id=request.case_id,
        items="请补充身份证明",
        due_date=date(2026, 3, 16),
        requested_on=date(2026, 3, 4),
    )
    # the applicant's deadline is a clock now: announced like the others
    assert deadlines(await handlers.on_supplement_requested(delivered(asked), uow)) == {
        ClockKind.SUPPLEMENT_DUE: date(2026, 3, 16)  # 8 working days from 4 March (none given: counted)
    }
    reply = await book.clock(request.case_id, ClockKind.REPLY)
    window = await book.clock(request.case_id, ClockKind.SUPPLEMENT_WINDOW)
    assert reply is not None
    assert reply.state == ClockState.PAUSED
    assert window is not None
    assert window.state == ClockState.STOPPED
    arrived = SupplementReceived(
        case_id=request.case_id, text="身份证明已补充", receipt_date=date(2026, 3, 10)
    )
    emitted = await handlers.on_supplement_received(delivered(arrived), uow)
    assert deadlines(emitted) == {ClockKind.REPLY: date(2026, 4, 8)}  # 20 working days from 10 March
    assert (reply.state, reply.start_date, reply.counted_from) == (
        ClockState.RUNNING,
        date(2026, 3, 10),
        "收到补正材料",
    )
    assert book.notes(request.case_id, ClockKind.REPLY)[-1].startswith(
        "补正材料于3月10日收到，重新计算20个工作日"
    )
    applicant = await book.clock(request.case_id, ClockKind.SUPPLEMENT_DUE)
    assert applicant is not None
    assert (applicant.state, applicant.stopped_on) == (ClockState.STOPPED, date(2026, 3, 10))


async def test_waiting_for_a_third_party_is_not_counted() -> None:
    uow, book = fake_unit_of_work()
    request = support.disclosure_request(on=date(2026, 3, 2))
    await handlers.on_submission_received(delivered(request), uow, rules=RULES)
    consulted = ThirdPartyConsulted(case_id=request.case_id, party="某公司", consulted_on=date(2026, 3, 9))
    started = await handlers.on_third_party_consulted(delivered(consulted), uow, rules=RULES)
    assert deadlines(started) == {ClockKind.THIRD_PARTY: date(2026, 3, 30)}
    answered = ThirdPartyReplied(case_id=request.case_id, replied_on=date(2026, 3, 16))
    moved = await handlers.on_third_party_replied(delivered(answered), uow)
    # 30 March, and the 5 working days waited (10–16 March): 31 March to 3 April, then 7 April
    # (4–6 April are the Qingming holiday)
    assert deadlines(moved) == {ClockKind.REPLY: date(2026, 4, 7)}
    reply = await book.clock(request.case_id, ClockKind.REPLY)
    third = await book.clock(request.case_id, ClockKind.THIRD_PARTY)
    assert reply is not None
    assert (reply.state, reply.paused_days) == (ClockState.RUNNING, 5)
    assert third is not None
    assert (third.state, third.days_used, third.on_time) == (
        ClockState.STOPPED,
        5,
        True,
    )


async def test_a_reply_stops_the_case_clocks_and_keeps_the_days_it_used() -> None:
    uow, book = fake_unit_of_work()
    letter = support.letter(on=date(2026, 3, 2))
    await handlers.on_submission_received(delivered(letter), uow, rules=RULES)
    await handlers.on_case_assigned(delivered(support.assigned(letter)), uow, rules=RULES)
    await handlers.on_case_replied(delivered(support.replied(letter, on=date(2026, 3, 5))), uow)
    reply = await book.clock(letter.case_id, ClockKind.REPLY)
    assert reply is not None
    assert (reply.state, reply.stopped_on, reply.days_used, reply.on_time) == (
        ClockState.STOPPED,
        date(2026, 3, 5),
        3,
        True,
    )


def _snapshot(book: FakeClockBook) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    kinds = {clock.id: (clock.case_id, clock.kind) for clock in book.by_case_and_kind.values()}
    return (
        sorted(
            (clock.model_dump(exclude={"id"}) for clock in book.by_case_and_kind.values()),
            key=lambda row: (row["case_id"], row["kind"]),
        ),
        sorted(
            (kinds[e.clock_id], e.at, e.cause, e.event_id, e.old_due_date, e.new_due_date, e.note)
            for e in book.entries
        ),
    )


async def test_a_comments_clocks_do_not_depend_on_which_topic_is_read_first() -> None:
    """The fast twin of tests/tracking/integration/test_order_of_topics.py: every interleaving of the
    comment's topic and its consultation's leaves the same clocks and ledgers."""
    consultation_id = uuid4()
    comment = support.comment(consultation_id, on=date(2026, 12, 1), closes_on=date(2027, 1, 1))
    events: list[EventPayload] = [
        comment,
        support.replied(comment, "采纳", on=date(2026, 12, 2), adoption=Adoption.ADOPTED),
        ConsultationClosed(consultation_id=consultation_id, closed_on=date(2026, 12, 2)),
        AdoptionReportPublished(
            consultation_id=consultation_id, received=1, adopted=1, partially_adopted=0, not_adopted=0
        ),
    ]
    envelopes = [new_event(payload, source="/tests") for payload in events]
    outcomes = []
    for slots in itertools.combinations(range(4), 2):  # where the comment's two events go
        own, other = iter([0, 1]), iter([2, 3])
        order = [next(own) if i in slots else next(other) for i in range(4)]
        uow, book = fake_unit_of_work()
        for i in order:
            await react(envelopes[i], events[i], uow)
        outcomes.append((order, _snapshot(book)))
    by_time = outcomes[0][1]
    assert outcomes[0][0] == [0, 1, 2, 3]
    assert len(outcomes) == 6
    for order, outcome in outcomes:
        assert outcome == by_time, f"read in the order {order}, the clocks differ"
    comment_clock = next(
        row
        for row in by_time[0]
        if row["case_id"] == str(comment.case_id) and row["kind"] == "adoption_report"
    )
    assert (comment_clock["start_date"], comment_clock["state"]) == (date(2026, 12, 2), "stopped")
