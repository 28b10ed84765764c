"""Publishing's books in memory: the fake unit of work of its use-case tier (no database, no broker)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from services.publishing.db import (
    CaseRecord,
    ConsentedLetter,
    Consultation,
    ConsultationComment,
    PublishedAdoptionReport,
    PublishedReply,
    ReviewDecision,
    ReviewItem,
)
from services.publishing.unit_of_work import PublishingUnitOfWork
from shared.calendar_data import default_calendar
from tests.support.calendars import FixedCalendarBook


class FakeRecordBook:
    def __init__(self) -> None:
        self.kept: dict[str, CaseRecord] = {}

    async def record(self, case_id: UUID | str) -> CaseRecord | None:
        return self.kept.get(str(case_id))

    async def keep(self, record: CaseRecord) -> None:
        self.kept[record.case_id] = record


class FakeSourceBook:
    def __init__(self) -> None:
        self.letters: dict[str, ConsentedLetter] = {}
        self.comment_rows: dict[str, ConsultationComment] = {}
        self.consultations: dict[str, Consultation] = {}

    async def letter(self, case_id: UUID | str) -> ConsentedLetter | None:
        return self.letters.get(str(case_id))

    async def comment(self, case_id: UUID | str) -> ConsultationComment | None:
        return self.comment_rows.get(str(case_id))

    async def comments(self, consultation_id: UUID | str) -> Sequence[ConsultationComment]:
        rows = [c for c in self.comment_rows.values() if c.consultation_id == str(consultation_id)]
        return sorted(rows, key=lambda c: (c.received_on, c.case_id))

    async def consultation(
        self, consultation_id: UUID | str, *, for_change: bool = False
    ) -> Consultation | None:
        return self.consultations.get(str(consultation_id))

    async def keep(self, row: ConsentedLetter | ConsultationComment | Consultation) -> None:
        if isinstance(row, ConsentedLetter):
            self.letters[row.case_id] = row
        elif isinstance(row, ConsultationComment):
            self.comment_rows[row.case_id] = row
        else:
            self.consultations[row.id] = row

    async def drop(self, comment: ConsultationComment) -> None:
        del self.comment_rows[comment.case_id]


class FakeReviewBook:
    def __init__(self) -> None:
        self.items: dict[str, ReviewItem] = {}
        self.decided: list[ReviewDecision] = []
        self.replies: dict[str, PublishedReply] = {}
        self.reports: dict[str, PublishedAdoptionReport] = {}

    async def item(self, review_id: UUID | str, *, for_change: bool = False) -> ReviewItem | None:
        return self.items.get(str(review_id))

    async def pending(self, kind: str, subject_id: str) -> Sequence[ReviewItem]:
        return [
            i
            for i in self.items.values()
            if (i.kind, i.subject_id, i.status) == (kind, subject_id, "pending")
        ]

    async def keep(self, row: ReviewItem | PublishedReply | PublishedAdoptionReport) -> None:
        if isinstance(row, ReviewItem):
            self.items[row.id] = row
        elif isinstance(row, PublishedReply):
            self.replies[row.case_id] = row
        else:
            self.reports[row.consultation_id] = row

    async def decide(self, decision: ReviewDecision) -> bool:
        if any((d.review_id, d.reviewer) == (decision.review_id, decision.reviewer) for d in self.decided):
            return False
        self.decided.append(decision)
        return True

    async def decisions(self, review_id: str) -> list[ReviewDecision]:
        return sorted((d for d in self.decided if d.review_id == review_id), key=lambda d: d.at)

    async def published_reply(self, case_id: str) -> PublishedReply | None:
        return self.replies.get(case_id)

    async def published_report(self, consultation_id: str) -> PublishedAdoptionReport | None:
        return self.reports.get(consultation_id)

    def one_pending(self) -> ReviewItem:
        (item,) = [i for i in self.items.values() if i.status == "pending"]
        return item


@dataclass
class FakeBooks:
    records: FakeRecordBook = field(default_factory=FakeRecordBook)
    sources: FakeSourceBook = field(default_factory=FakeSourceBook)
    reviews: FakeReviewBook = field(default_factory=FakeReviewBook)


def fake_unit_of_work() -> tuple[PublishingUnitOfWork, FakeBooks]:
    """A unit of work on empty books and the 2026 calendar as announced, and the books."""
    books = FakeBooks()
    calendar = FixedCalendarBook(default_calendar())
    return PublishingUnitOfWork(books.records, books.sources, books.reviews, calendar), books
