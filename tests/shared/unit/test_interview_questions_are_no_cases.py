"""An interview question (在线访谈) comes as ``submission.received`` with a tracking code, but it is no
case a department handles: routing assigns it to no one, tracking starts no clock for it, and the
public figures and the annual disclosure report do not count it — its interview's figures do."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from services.publishing import records
from services.tracking.clocks import ClockRules, clocks_on_assignment, clocks_on_submission
from shared.codes import Channel, ClockKind, handled_by_a_department
from shared.events import EventPayload, new_event
from shared.uow import Delivered
from tests.publishing.usecases.fakes import fake_unit_of_work
from tests.support import events
from tests.support.interviews import question


def delivered(payload: EventPayload) -> Delivered[Any]:
    return Delivered(new_event(payload, source="/tests"), payload)


def test_only_an_interview_question_is_not_handled_by_a_department() -> None:
    assert not handled_by_a_department(question(uuid4()))
    assert handled_by_a_department(events.letter())
    assert handled_by_a_department(events.comment(uuid4()))


def test_an_interview_question_starts_no_clock() -> None:
    assert clocks_on_submission(Channel.INTERVIEW_QUESTION, date(2026, 12, 2), None, ClockRules()) == []
    kinds = [
        s.kind
        for s in clocks_on_assignment(
            Channel.INTERVIEW_QUESTION, date(2026, 12, 2), frozenset(), ClockRules()
        )
    ]
    assert ClockKind.REPLY not in kinds


async def test_an_interview_question_is_in_no_case_figure() -> None:
    uow, books = fake_unit_of_work()
    letter, asked = events.letter(), question(uuid4())
    for submission in (letter, asked):
        await records.on_submission_received(delivered(submission), uow, secret="s")
    assert set(books.records.kept) == {str(letter.case_id)}
