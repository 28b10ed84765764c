"""Publishing's record reactions as use cases, on a record book in memory: what each event does to the
record the public figures are counted from — with no personal data in it."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.publishing import records
from shared.codes import ClockKind, Outcome, Rating
from shared.events import CaseRated, CaseReopened, Contact, DeadlineSet, EventPayload, new_event
from shared.uow import Delivered
from tests.publishing.usecases.fakes import fake_unit_of_work
from tests.support import events as support

SECRET = "a-secret-for-the-applicant-keys"


def delivered(payload: EventPayload) -> Delivered[Any]:
    return Delivered(new_event(payload, source="/tests"), payload)


async def test_a_disclosure_request_is_recorded_with_a_key_for_its_applicant_not_their_data() -> None:
    uow, books = fake_unit_of_work()
    book = books.records
    contact = Contact(name="张三", phone="13812345678", id_number="110101199003074514")
    request = support.disclosure_request(on=date(2026, 3, 2), contact=contact)
    same_person = support.disclosure_request(on=date(2026, 3, 3), contact=contact)
    for payload in (request, same_person):
        await records.on_submission_received(delivered(payload), uow, secret=SECRET)
    first, second = book.kept[str(request.case_id)], book.kept[str(same_person.case_id)]
    assert (first.channel, first.received_on, first.applicant_type) == (
        "disclosure_request",
        date(2026, 3, 2),
        "natural_person",
    )
    assert first.applicant_key is not None
    assert first.applicant_key == second.applicant_key, "one applicant, one key"
    values = " ".join(str(value) for value in first.model_dump().values())
    assert "张三" not in values
    assert "13812345678" not in values
    assert "110101199003074514" not in values


async def test_a_letter_is_recorded_without_an_applicant_and_only_once() -> None:
    uow, books = fake_unit_of_work()
    book = books.records
    letter = support.letter(on=date(2026, 3, 2), contact=Contact(name="李四", phone="13912345678"))
    await records.on_submission_received(delivered(letter), uow, secret=SECRET)
    recorded = book.kept[str(letter.case_id)]
    await records.on_case_assigned(delivered(support.assigned(letter)), uow)
    await records.on_submission_received(delivered(letter), uow, secret=SECRET)  # redelivered
    assert book.kept[str(letter.case_id)] is recorded
    assert (recorded.applicant_key, recorded.department_id) == (None, "engineering")


async def test_a_reply_in_time_a_reopening_and_a_rating_follow_the_case() -> None:
    uow, books = fake_unit_of_work()
    book = books.records
    request = support.disclosure_request(on=date(2026, 3, 2))
    await records.on_submission_received(delivered(request), uow, secret=SECRET)
    due = DeadlineSet(
        case_id=request.case_id,
        clock=ClockKind.REPLY,
        due_date=date(2026, 3, 30),
        provisional=False,
        cause="submission.received",
        note="20个工作日",
    )
    await records.on_deadline_set(delivered(due), uow)
    answer = support.replied(request, on=date(2026, 3, 20), outcome=Outcome.DISCLOSED)
    await records.on_case_replied(delivered(answer), uow)
    record = book.kept[str(request.case_id)]
    assert (record.due_date, record.replied_on, record.outcome) == (
        date(2026, 3, 30),
        date(2026, 3, 20),
        "disclosed",
    )
    await records.on_case_rated(delivered(CaseRated(case_id=request.case_id, rating=Rating.UNSATISFIED)), uow)
    await records.on_case_reopened(delivered(CaseReopened(case_id=request.case_id, reason="答复不完整")), uow)
    assert (record.replied_on, record.outcome, record.rating) == (None, None, "unsatisfied"), (
        "handled again, it counts once, with its final outcome"
    )


async def test_an_event_for_a_case_never_recorded_changes_nothing() -> None:
    uow, books = fake_unit_of_work()
    book = books.records
    letter = support.letter()
    assert await records.on_case_replied(delivered(support.replied(letter)), uow) == []
    assert book.kept == {}
