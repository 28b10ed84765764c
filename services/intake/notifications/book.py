"""The notification book (告知台账): who is told, and the notification outbox.

`NotificationBook` is what the telling use cases (`telling`) may do with stored state: find the
citizen of a case (or the commenters on a consultation) who chose to be told, with the address they
gave and how they know their case; add outbox rows, a duplicate (the same event, case and way) adding
nothing. `SqlNotificationBook` does it in the consumer's transaction; the use-case tests use a fake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Table
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.db import CaseView, ConsultationView, Mailbox, Notification, Submission
from services.intake.notifications.choice import NotifyBy, address_for
from services.intake.notifications.messages import CaseRef
from shared.codes import Channel
from shared.db import insert_new

__all__ = ["NotificationBook", "Recipient", "SqlNotificationBook", "recipient_of"]

NOTIFICATION_TABLE: Table = Notification.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Recipient:
    """A citizen who chose to be told: their case, the way, the address they gave, how they know the case."""

    case_id: str
    by: NotifyBy
    address: str
    ref: CaseRef


class NotificationBook(Protocol):
    async def recipient(self, case_id: str) -> Recipient | None:
        """The case's citizen, if they chose to be told and their data is not erased."""
        ...

    async def commenters(self, consultation_id: str) -> Sequence[Recipient]:
        """Everyone who commented on the consultation (a comment taken, not refused) and chose to be told."""
        ...

    async def add(self, rows: Sequence[Notification]) -> int:
        """Add the rows not there yet (by event, case and way); how many were new."""
        ...


def recipient_of(submission: Submission, about: str | None) -> Recipient | None:
    """The recipient a submission names, if its citizen chose a way and gave its address."""
    if submission.notify_by is None:
        return None
    by = NotifyBy(submission.notify_by)
    content: dict[str, Any] = submission.content
    contact = content.get("applicant") or content.get("contact") or {}
    address = address_for(by, email=contact.get("email"), phone=contact.get("phone"))
    if address is None:
        return None
    ref = CaseRef(Channel(submission.channel), submission.receipt_date, about)
    return Recipient(submission.case_id, by, address, ref)


class SqlNotificationBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def recipient(self, case_id: str) -> Recipient | None:
        # held to the end: an erasure of the case at the same moment is applied wholly before (no
        # choice left: nobody is told) or after (it withdraws the row written here) — never between
        submission = await self._session.get(Submission, case_id, with_for_update=True)
        if submission is None or submission.notify_by is None:
            return None
        return recipient_of(submission, await self._about(submission))

    async def _about(self, submission: Submission) -> str | None:
        if submission.channel == Channel.MAILBOX.value:
            mailbox = await self._session.get(Mailbox, str(submission.content.get("mailbox")))
            return mailbox.name if mailbox is not None else None
        if submission.channel == Channel.CONSULTATION_COMMENT.value:
            consultation = await self._session.get(
                ConsultationView, str(submission.content.get("consultation_id"))
            )
            return consultation.title if consultation is not None else None
        return None

    async def commenters(self, consultation_id: str) -> Sequence[Recipient]:
        consultation = await self._session.get(ConsultationView, consultation_id)
        title = consultation.title if consultation is not None else None
        taken = select(CaseView.case_id).where(CaseView.status != "refused")
        comments = await self._session.exec(
            select(Submission).where(
                Submission.channel == Channel.CONSULTATION_COMMENT.value,
                col(Submission.notify_by).is_not(None),
                col(Submission.case_id).in_(taken),
            )
        )
        found = (
            recipient_of(comment, title)
            for comment in comments.all()
            if comment.content.get("consultation_id") == consultation_id
        )
        return [recipient for recipient in found if recipient is not None]

    async def add(self, rows: Sequence[Notification]) -> int:
        values = [row.model_dump(exclude={"id"}) for row in rows]
        return len(await insert_new(self._session, NOTIFICATION_TABLE, values, key="id"))


def outbox_row(
    event_id: str, event_type: str, recipient: Recipient, subject: str, lines: Sequence[str], at: datetime
) -> Notification:
    """A pending row: the message (without the office's greeting and signature, added when sent)."""
    return Notification(
        event_id=event_id,
        event_type=event_type,
        case_id=recipient.case_id,
        notify_by=recipient.by.value,
        address=recipient.address,
        subject=subject,
        text="\n".join(lines),
        due_at=at,
        created_at=at,
    )
