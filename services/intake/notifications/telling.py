"""The use cases that decide who is told of what (告知): an event in, outbox rows out, in the
transaction of the notifying consumer (`services.intake.app`). They emit no events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.notifications.book import (
    NotificationBook,
    Recipient,
    SqlNotificationBook,
    outbox_row,
)
from services.intake.notifications.messages import (
    Message,
    adoption_report_message,
    message_for,
    transcript_message,
)
from shared.events import AdoptionReportPublished, EventPayload, InterviewTranscriptPublished
from shared.uow import Delivered

__all__ = ["NotifyingUnitOfWork", "notifying_unit_of_work", "tell_askers", "tell_citizen", "tell_commenters"]


@dataclass(frozen=True, slots=True)
class NotifyingUnitOfWork:
    notifications: NotificationBook


async def notifying_unit_of_work(session: AsyncSession) -> NotifyingUnitOfWork:
    return NotifyingUnitOfWork(SqlNotificationBook(session))


async def _tell(
    event: Delivered[EventPayload], uow: NotifyingUnitOfWork, told: Sequence[tuple[Recipient, Message]]
) -> None:
    envelope = event.envelope
    await uow.notifications.add(
        [
            outbox_row(
                str(envelope.id), envelope.type, recipient, message.subject, message.lines, envelope.time
            )
            for recipient, message in told
        ]
    )


async def tell_citizen(event: Delivered[EventPayload], uow: NotifyingUnitOfWork) -> list[EventPayload]:
    """Tell the case's citizen of the event, if they chose a way and the event is one they are told of
    (`messages.TOLD`)."""
    recipient = await uow.notifications.recipient(event.envelope.subject)
    if recipient is None:
        return []
    message = message_for(event.payload, recipient.ref)
    if message is not None:
        await _tell(event, uow, [(recipient, message)])
    return []


async def tell_commenters(
    event: Delivered[AdoptionReportPublished], uow: NotifyingUnitOfWork
) -> list[EventPayload]:
    """Tell everyone who commented on the consultation, and chose a way, that its adoption report is out."""
    commenters = await uow.notifications.commenters(str(event.payload.consultation_id))
    told = [(recipient, adoption_report_message(event.payload, recipient.ref)) for recipient in commenters]
    if told:
        await _tell(event, uow, told)
    return []


async def tell_askers(
    event: Delivered[InterviewTranscriptPublished], uow: NotifyingUnitOfWork
) -> list[EventPayload]:
    """Tell each citizen whose question the transcript holds (selected and answered), and who chose a
    way, that the transcript is out; who was not selected is told nothing more."""
    told = []
    for case_id in event.payload.selected:
        recipient = await uow.notifications.recipient(str(case_id))
        if recipient is not None:
            told.append((recipient, transcript_message(event.payload, recipient.ref)))
    if told:
        await _tell(event, uow, told)
    return []
