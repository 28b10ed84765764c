"""Who is told of what: the telling use cases on a fake notification book (no database, no broker)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TypeVar
from uuid import uuid4

from services.intake.db import Notification
from services.intake.notifications.book import Recipient
from services.intake.notifications.choice import NotifyBy
from services.intake.notifications.messages import CaseRef
from services.intake.notifications.telling import NotifyingUnitOfWork, tell_citizen, tell_commenters
from shared.codes import Channel, ClockKind
from shared.events import (
    AdoptionReportPublished,
    CaseAccepted,
    CaseAssigned,
    DeadlineSet,
    EventPayload,
    new_event,
)
from shared.uow import Delivered

P = TypeVar("P", bound=EventPayload)


class FakeNotificationBook:
    def __init__(self) -> None:
        self.recipients: dict[str, Recipient] = {}
        self.comments: dict[str, list[Recipient]] = {}
        self.rows: dict[tuple[str, str, str], Notification] = {}

    async def recipient(self, case_id: str) -> Recipient | None:
        return self.recipients.get(case_id)

    async def commenters(self, consultation_id: str) -> Sequence[Recipient]:
        return self.comments.get(consultation_id, [])

    async def add(self, rows: Sequence[Notification]) -> int:
        new = 0
        for row in rows:
            key = (row.event_id, row.case_id, row.notify_by)
            if key not in self.rows:
                self.rows[key] = row
                new += 1
        return new


def _fake() -> tuple[NotifyingUnitOfWork, FakeNotificationBook]:
    book = FakeNotificationBook()
    return NotifyingUnitOfWork(book), book


def _delivered(payload: P) -> Delivered[P]:
    return Delivered(new_event(payload, source="/tests"), payload)


def _assigned(case_id: str) -> CaseAssigned:
    return CaseAssigned(
        case_id=case_id,
        channel=Channel.MAILBOX,
        department_id="engineering",
        department_name="工程建设科",
        reason="按分办规则",
        assigned_on=date(2026, 12, 3),
    )


def _recipient(case_id: str, by: NotifyBy = NotifyBy.EMAIL, address: str = "zsf@example.com") -> Recipient:
    return Recipient(case_id, by, address, CaseRef(Channel.MAILBOX, date(2026, 12, 2), "主任信箱"))


async def test_an_assignment_is_told_by_the_way_chosen_to_the_address_given() -> None:
    uow, book = _fake()
    case_id = str(uuid4())
    book.recipients[case_id] = _recipient(case_id, NotifyBy.SMS, "13812345678")
    event = _delivered(_assigned(case_id))

    assert await tell_citizen(event, uow) == []

    (row,) = book.rows.values()
    assert (row.event_id, row.case_id, row.notify_by, row.address) == (
        str(event.envelope.id),
        case_id,
        "sms",
        "13812345678",
    )
    assert row.state == "pending"
    assert row.subject == "已转办"
    assert row.text == "您于2026年12月2日向主任信箱的来信已转至工程建设科办理。"
    assert row.due_at == event.envelope.time


async def test_the_same_event_twice_is_one_row() -> None:
    uow, book = _fake()
    case_id = str(uuid4())
    book.recipients[case_id] = _recipient(case_id)
    event = _delivered(_assigned(case_id))
    await tell_citizen(event, uow)
    await tell_citizen(event, uow)
    assert len(book.rows) == 1


async def test_a_citizen_who_chose_no_way_is_not_told() -> None:
    uow, book = _fake()
    await tell_citizen(_delivered(_assigned(str(uuid4()))), uow)
    assert book.rows == {}


async def test_an_event_not_told_and_a_first_deadline_add_nothing() -> None:
    uow, book = _fake()
    case_id = str(uuid4())
    book.recipients[case_id] = _recipient(case_id)
    first = DeadlineSet(
        case_id=case_id,
        clock=ClockKind.REPLY,
        due_date=date(2026, 12, 30),
        provisional=False,
        cause="case.assigned",
        note="20个工作日",
    )
    await tell_citizen(_delivered(first), uow)
    await tell_citizen(_delivered(CaseAccepted(case_id=case_id, department_id="engineering")), uow)
    assert book.rows == {}

    moved = first.model_copy(update={"old_due_date": date(2026, 12, 30), "due_date": date(2027, 1, 28)})
    await tell_citizen(_delivered(moved), uow)
    (row,) = book.rows.values()
    assert "2027年1月28日" in row.text


async def test_every_commenter_who_chose_a_way_is_told_of_the_adoption_report() -> None:
    uow, book = _fake()
    consultation_id = uuid4()
    email_case, sms_case = str(uuid4()), str(uuid4())
    book.comments[str(consultation_id)] = [
        _recipient(email_case),
        _recipient(sms_case, NotifyBy.SMS, "13912345678"),
    ]
    report = AdoptionReportPublished(
        consultation_id=consultation_id, received=3, adopted=1, partially_adopted=1, not_adopted=1
    )
    event = _delivered(report)
    await tell_commenters(event, uow)
    await tell_commenters(event, uow)  # redelivered

    told = sorted((row.case_id, row.notify_by, row.address) for row in book.rows.values())
    assert told == sorted([(email_case, "email", "zsf@example.com"), (sms_case, "sms", "13912345678")])
    assert all("收到意见3条，采纳1条，部分采纳1条，未采纳1条" in row.text for row in book.rows.values())
    assert all(row.created_at <= datetime.now(UTC) for row in book.rows.values())
