"""Publishing's unit of work: the record book (统计台账), what it keeps to publish from (底稿), the
review queue (审核台账), the working-day calendar in force and the interviews (访谈台账) — what every publishing use case works
with, of the one shape `verb(event_or_command, uow) -> events` (`shared.uow`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from services.publishing.interview_book import InterviewBook, SqlInterviewBook
from services.publishing.record_book import RecordBook, SqlRecordBook
from services.publishing.review_book import ReviewBook, SqlReviewBook
from services.publishing.source_book import SourceBook, SqlSourceBook
from shared.calendar_store import CalendarBook, LiveCalendar, SqlCalendarBook
from shared.events import Envelope
from shared.runtime import ServiceRuntime
from shared.uow import CommandUseCase, performed

__all__ = ["PublishingUnitOfWork", "perform", "publishing_unit_of_work"]

R = TypeVar("R")
C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class PublishingUnitOfWork:
    records: RecordBook
    sources: SourceBook
    reviews: ReviewBook
    calendar: CalendarBook
    interviews: InterviewBook


async def publishing_unit_of_work(session: AsyncSession, calendar: LiveCalendar) -> PublishingUnitOfWork:
    """The unit of work on ``session``'s transaction."""
    return PublishingUnitOfWork(
        SqlRecordBook(session),
        SqlSourceBook(session),
        SqlReviewBook(session),
        SqlCalendarBook(session, calendar),
        SqlInterviewBook(session),
    )


async def perform(
    runtime: ServiceRuntime,
    calendar: LiveCalendar,
    use_case: CommandUseCase[C, PublishingUnitOfWork],
    command: C,
    answer: Callable[[PublishingUnitOfWork, list[Envelope]], Awaitable[R]],
) -> R:
    """A publishing use case behind the HTTP edge (`shared.uow.performed`)."""

    async def unit_of_work(session: AsyncSession) -> PublishingUnitOfWork:
        return await publishing_unit_of_work(session, calendar)

    return await performed(runtime, unit_of_work, use_case, command, answer)
