"""Intake's citizen view as a use case, on a view book in memory: what each case event shows the
citizen who follows the case with their tracking code."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from services.intake import handlers
from services.intake.domain import received_view
from shared.codes import ClockKind
from shared.events import CasePublicationWithdrawn, CasePublished, DeadlineSet, EventPayload, new_event
from shared.uow import Delivered
from tests.intake.usecases.fakes import fake_unit_of_work
from tests.support import events as support


def delivered(payload: EventPayload, at: datetime) -> Delivered[Any]:
    envelope = new_event(payload, source="/tests").model_copy(update={"time": at})
    return Delivered(envelope, payload)


def deadline(case: Any, clock: ClockKind, due: date) -> DeadlineSet:
    return DeadlineSet(
        case_id=case.case_id,
        clock=clock,
        due_date=due,
        provisional=False,
        cause="case.assigned",
        note="按5个工作日计算",
    )


async def test_the_citizen_sees_the_assignment_the_due_date_and_the_reply_in_order() -> None:
    uow, book = fake_unit_of_work()
    letter = support.letter(on=date(2026, 3, 2))
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    book.views[str(letter.case_id)] = received_view(start)
    steps: list[EventPayload] = [
        support.assigned(letter),
        deadline(letter, ClockKind.REPLY, date(2026, 3, 9)),
        support.replied(letter, "车位可以出租，收费按物价部门规定。", on=date(2026, 3, 5)),
    ]
    for minutes, payload in enumerate(steps, start=1):
        assert await handlers.on_case_event(delivered(payload, start + timedelta(minutes=minutes)), uow) == []
    view = book.views[str(letter.case_id)]
    assert [entry.event for entry in view.timeline] == [
        "submission.received",
        "case.assigned",
        "deadline.set",
        "case.replied",
    ]
    assert (view.status, view.department, view.due_date, view.reply) == (
        "replied",
        "人防工程管理处",
        date(2026, 3, 9),
        "车位可以出租，收费按物价部门规定。",
    )
    assert book.kept_at[str(letter.case_id)] == start + timedelta(minutes=3)


async def test_a_window_the_citizen_does_not_see_leaves_the_view_as_it_is() -> None:
    uow, book = fake_unit_of_work()
    letter = support.letter(on=date(2026, 3, 2))
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    book.views[str(letter.case_id)] = received_view(start)
    await handlers.on_case_event(
        delivered(deadline(letter, ClockKind.RETURN_WINDOW, date(2026, 3, 4)), start), uow
    )
    assert str(letter.case_id) not in book.kept_at, "nothing kept: nothing changed"


async def test_a_case_this_intake_does_not_hold_is_left_alone() -> None:
    uow, book = fake_unit_of_work()
    letter = support.letter()
    await handlers.on_case_event(delivered(support.assigned(letter), datetime.now(UTC)), uow)
    assert book.views == {}


async def test_a_reply_published_then_withdrawn_says_so_on_the_citizens_timeline() -> None:
    uow, book = fake_unit_of_work()
    letter = support.letter(on=date(2026, 3, 2))
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    book.views[str(letter.case_id)] = received_view(start)
    steps: list[EventPayload] = [
        CasePublished(case_id=letter.case_id, publication_id=uuid4(), published_on=date(2026, 3, 9)),
        CasePublicationWithdrawn(case_id=letter.case_id, review_id=uuid4(), withdrawn_on=date(2026, 3, 10)),
    ]
    for minutes, payload in enumerate(steps, start=1):
        await handlers.on_case_event(delivered(payload, start + timedelta(minutes=minutes)), uow)
    timeline = book.views[str(letter.case_id)].timeline
    assert [(entry.event, entry.title) for entry in timeline[1:]] == [
        ("case.published", "答复已公开"),
        ("case.publication_withdrawn", "答复已撤回公开"),
    ]
