"""Intake's HTTP use cases on books in memory: accepting a submission (its key's event first, the
tracking code kept only as a hash, a retry with the same Idempotency-Key answered from the first), and
the citizen's follow-ups (a supplement when one was asked for, one rating per reply) — without a
database or a broker (the same use cases run on the real unit of work in the integration tier)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from services.intake import handlers
from services.intake.domain import apply_case_event, hash_tracking_code, new_tracking_code, received_view
from services.intake.handlers import Draft, FollowUp, Registration, Submit
from services.intake.idempotency import open_receipt, record_id
from services.intake.schemas import RatingCreate, SupplementCreate
from shared.codes import Channel, Rating, ReceivedVia
from shared.errors import Conflict, NotFound
from shared.events import (
    CaseKeyIssued,
    CaseRated,
    MailboxContent,
    SubmissionReceived,
    SupplementReceived,
    SupplementRequested,
)
from tests.intake.usecases.fakes import FakeViewBook, fake_intake
from tests.support import events as support

AT = datetime(2026, 10, 9, 17, 30, tzinfo=UTC)  # 10 October, 01:30 in Beijing: a Saturday worked (调休)


def draft(subject: str = "人防车位", registration: Registration | None = None) -> Draft:
    content = MailboxContent(
        mailbox="civil-air-defence", category="咨询", subject=subject, body="能否出租？", publish_consent=True
    )
    return Draft(
        Channel.MAILBOX, None, {"mailbox": content}, {"subject": subject}, registration or Registration()
    )


class Body:
    """A request body as the HTTP edge hands it over for its fingerprint."""

    def __init__(self, **fields: str) -> None:
        self.fields = fields

    def model_dump(self, mode: str) -> dict[str, str]:
        return self.fields


async def test_a_submission_is_registered_with_its_key_first_and_its_code_only_hashed() -> None:
    uow, _, book, _ = fake_intake()
    submit = Submit(draft(), uuid4(), new_tracking_code(), AT)
    key, received = await handlers.accept(submit, uow)
    assert isinstance(key, CaseKeyIssued)
    assert isinstance(received, SubmissionReceived)
    assert key.case_id == received.case_id == submit.case_id
    assert received.receipt_date == date(2026, 10, 10)  # the day it arrived in Beijing
    stored = book.submissions[str(submit.case_id)]
    assert stored.tracking_hash == hash_tracking_code(submit.tracking_code)
    assert submit.tracking_code not in str(stored.model_dump())


async def test_a_letter_by_post_takes_the_receipt_date_registry_staff_enter() -> None:
    uow, _, _, _ = fake_intake()
    by_post = Registration(ReceivedVia.POST_SIGNED, date(2026, 10, 8), "registry-clerk")
    _, received = await handlers.accept(
        Submit(draft(registration=by_post), uuid4(), new_tracking_code(), AT), uow
    )
    assert isinstance(received, SubmissionReceived)
    assert (received.receipt_date, received.received_via) == (date(2026, 10, 8), ReceivedVia.POST_SIGNED)


async def test_a_retry_with_the_same_key_gets_the_first_receipt_and_another_body_is_refused() -> None:
    uow, _, book, _ = fake_intake()
    request = Body(subject="人防车位")
    first = Submit(draft(), uuid4(), new_tracking_code(), AT, ("mailbox:k-1", request))
    assert len(await handlers.accept(first, uow)) == 2
    retry = Submit(draft(), uuid4(), new_tracking_code(), AT + timedelta(minutes=5), ("mailbox:k-1", request))
    assert await handlers.accept(retry, uow) == []
    assert list(book.submissions) == [str(first.case_id)]
    receipt = open_receipt("mailbox:k-1", book.records[record_id("mailbox:k-1")].sealed)
    assert (receipt["case_id"], receipt["tracking_code"]) == (str(first.case_id), first.tracking_code)
    other = Submit(
        draft("另一件事"), uuid4(), new_tracking_code(), AT, ("mailbox:k-1", Body(subject="另一件事"))
    )
    with pytest.raises(Conflict, match="different request body"):
        await handlers.accept(other, uow)
    a_day_later = Submit(
        draft(), uuid4(), new_tracking_code(), AT + timedelta(hours=25), ("mailbox:k-1", request)
    )
    assert len(await handlers.accept(a_day_later, uow)) == 2  # the first answer is kept a day


def a_case(views: FakeViewBook, *events: object) -> str:
    """A case the view book holds, after ``events``: its tracking code."""
    code, case_id = new_tracking_code(), str(uuid4())
    view = received_view(AT)
    for event in events:
        view = apply_case_event(view, event, AT)  # type: ignore[arg-type]
    views.views[case_id], views.codes[hash_tracking_code(code)] = view, case_id
    return code


async def test_a_supplement_is_taken_only_when_one_was_asked_for_and_once() -> None:
    uow, views, _, _ = fake_intake()
    letter = support.letter()
    with pytest.raises(NotFound):
        await handlers.send_supplement(FollowUp("no-such-code", SupplementCreate(text="材料")), uow)
    unasked = a_case(views, support.assigned(letter))
    with pytest.raises(Conflict, match="no supplement is pending"):
        await handlers.send_supplement(FollowUp(unasked, SupplementCreate(text="材料")), uow)
    request = support.disclosure_request()
    asked = a_case(
        views,
        support.assigned(request),
        SupplementRequested(
            case_id=request.case_id,
            items="身份证明",
            due_date=date(2026, 10, 20),
            requested_on=date(2026, 10, 9),
        ),
    )
    (sent,) = await handlers.send_supplement(FollowUp(asked, SupplementCreate(text="身份证明"), at=AT), uow)
    assert isinstance(sent, SupplementReceived)
    assert (sent.text, sent.receipt_date) == ("身份证明", date(2026, 10, 10))
    with pytest.raises(Conflict, match="no supplement is pending"):
        await handlers.send_supplement(FollowUp(asked, SupplementCreate(text="再交一次")), uow)


async def test_a_reply_is_rated_once_and_only_after_it_came() -> None:
    uow, views, _, _ = fake_intake()
    letter = support.letter()
    waiting = a_case(views, support.assigned(letter))
    with pytest.raises(Conflict, match="not been replied to yet"):
        await handlers.rate_reply(FollowUp(waiting, RatingCreate(rating=Rating.SATISFIED)), uow)
    replied = a_case(views, support.assigned(letter), support.replied(letter))
    (rated,) = await handlers.rate_reply(
        FollowUp(replied, RatingCreate(rating=Rating.UNSATISFIED, comment="没答到点上")), uow
    )
    assert isinstance(rated, CaseRated)
    assert (rated.rating, rated.comment) == (Rating.UNSATISFIED, "没答到点上")
    with pytest.raises(Conflict, match="already been rated"):
        await handlers.rate_reply(FollowUp(replied, RatingCreate(rating=Rating.SATISFIED)), uow)
