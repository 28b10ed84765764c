"""Intake's consultation reactions on books in memory: the consultation kept as publishing announced
it, and the comments that came in after an early close taken back — only those, and once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from uuid import uuid4

from services.intake import handlers
from services.intake.db import Submission
from services.intake.domain import apply_case_event, received_view
from shared.events import ConsultationClosed, ConsultationOpened, EventPayload, SubmissionRefused, new_event
from shared.uow import Delivered
from tests.intake.usecases.fakes import FakeSubmissionBook, FakeViewBook, fake_intake

P = TypeVar("P", bound=EventPayload)

CLOSED_AT = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, before the announced end


def delivered(payload: P, at: datetime = CLOSED_AT) -> Delivered[P]:
    return Delivered(new_event(payload, source="/tests").model_copy(update={"time": at}), payload)


def opened(consultation_id: str) -> ConsultationOpened:
    return ConsultationOpened(
        consultation_id=consultation_id,
        title="人防工程维护管理办法（征求意见稿）",
        summary="征求意见",
        opens_on=date(2026, 9, 21),
        closes_on=date(2026, 10, 21),
    )


def comment(book: FakeSubmissionBook, views: FakeViewBook, consultation_id: str, at: datetime) -> str:
    case_id = str(uuid4())
    book.submissions[case_id] = Submission(
        case_id=case_id,
        tracking_hash=case_id,
        channel="consultation_comment",
        received_at=at,
        receipt_date=at.date(),
        received_via="online",
        content={"consultation_id": consultation_id, "body": "建议"},
    )
    views.views[case_id] = received_view(at)
    return case_id


async def test_an_early_close_takes_back_the_comments_after_it_on_that_consultation_only_and_once() -> None:
    uow, views, book, consultations = fake_intake()
    this, other = str(uuid4()), str(uuid4())
    for consultation in (this, other):
        await handlers.on_consultation_opened(delivered(opened(consultation)), uow)
    in_time = comment(book, views, this, CLOSED_AT - timedelta(minutes=1))
    late = comment(book, views, this, CLOSED_AT + timedelta(minutes=5))
    elsewhere = comment(book, views, other, CLOSED_AT + timedelta(minutes=5))
    close = ConsultationClosed(consultation_id=this, closed_on=date(2026, 10, 20), closed_at=CLOSED_AT)
    (refused,) = await handlers.on_consultation_closed(delivered(close), uow)
    assert isinstance(refused, SubmissionRefused)
    assert str(refused.case_id) == late
    assert refused.refused_on == date(2026, 10, 20)
    assert "2026年10月20日 10:00截止" in refused.reason
    assert consultations.rows[this].closed is True
    assert consultations.rows[other].closed is False
    assert {in_time, elsewhere}.isdisjoint({str(refused.case_id)})
    # delivered again once the refusal reached the view: nothing more to take back
    views.views[late] = apply_case_event(views.views[late], refused, CLOSED_AT)
    assert await handlers.on_consultation_closed(delivered(close), uow) == []


async def test_a_corrected_announcement_moves_the_dates_of_the_consultation_kept() -> None:
    uow, _, _, consultations = fake_intake()
    consultation = str(uuid4())
    await handlers.on_consultation_opened(delivered(opened(consultation)), uow)
    corrected = opened(consultation).model_copy(update={"closes_on": date(2026, 10, 31)})
    await handlers.on_consultation_opened(delivered(corrected), uow)
    assert consultations.rows[consultation].closes_on == date(2026, 10, 31)
    assert len(consultations.rows) == 1
