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
    Interview,
    InterviewQuestion,
    PublishedAdoptionReport,
    PublishedReply,
    PublishedTranscript,
    ReviewDecision,
    ReviewItem,
    Withdrawal,
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
        self.withdrawals: dict[str, Withdrawal] = {}

    async def item(self, review_id: UUID | str, *, for_change: bool = False) -> ReviewItem | None:
        return self.items.get(str(review_id))

    async def pending(self, kind: str, subject_id: str) -> Sequence[ReviewItem]:
        return [
            i
            for i in self.items.values()
            if (i.kind, i.subject_id, i.status) == (kind, subject_id, "pending")
        ]

    async def keep(self, row: ReviewItem | PublishedReply | PublishedAdoptionReport | Withdrawal) -> None:
        if isinstance(row, ReviewItem):
            self.items[row.id] = row
        elif isinstance(row, Withdrawal):
            self.withdrawals[row.review_id] = row
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

    async def unpublish(self, row: PublishedReply | PublishedAdoptionReport) -> None:
        if isinstance(row, PublishedReply):
            del self.replies[row.case_id]
        else:
            del self.reports[row.consultation_id]

    async def withdrawal(self, review_id: str) -> Withdrawal | None:
        return self.withdrawals.get(review_id)

    async def latest_published(self, kind: str, subject_id: str) -> ReviewItem | None:
        published = [
            i
            for i in self.items.values()
            if (i.kind, i.subject_id, i.status) == (kind, subject_id, "published")
        ]
        return max(published, key=lambda i: i.decided_at or i.created_at, default=None)

    def one_pending(self) -> ReviewItem:
        (item,) = [i for i in self.items.values() if i.status == "pending"]
        return item


class FakeInterviewBook:
    def __init__(self) -> None:
        self.interviews: dict[str, Interview] = {}
        self.question_rows: dict[str, InterviewQuestion] = {}
        self.transcripts: dict[str, PublishedTranscript] = {}

    async def interview(self, interview_id: UUID | str, *, for_change: bool = False) -> Interview | None:
        return self.interviews.get(str(interview_id))

    async def question(self, case_id: UUID | str) -> InterviewQuestion | None:
        return self.question_rows.get(str(case_id))

    async def questions(self, interview_id: UUID | str) -> Sequence[InterviewQuestion]:
        rows = [q for q in self.question_rows.values() if q.interview_id == str(interview_id)]
        return sorted(rows, key=lambda q: (q.received_at, q.case_id))

    async def transcript(self, interview_id: UUID | str) -> PublishedTranscript | None:
        return self.transcripts.get(str(interview_id))

    async def keep(self, row: Interview | InterviewQuestion | PublishedTranscript) -> None:
        if isinstance(row, Interview):
            self.interviews[row.id] = row
        elif isinstance(row, InterviewQuestion):
            self.question_rows[row.case_id] = row
        else:
            self.transcripts[row.interview_id] = row

    async def unpublish(self, transcript: PublishedTranscript) -> None:
        del self.transcripts[transcript.interview_id]


@dataclass
class FakeBooks:
    records: FakeRecordBook = field(default_factory=FakeRecordBook)
    sources: FakeSourceBook = field(default_factory=FakeSourceBook)
    reviews: FakeReviewBook = field(default_factory=FakeReviewBook)
    interviews: FakeInterviewBook = field(default_factory=FakeInterviewBook)


def fake_unit_of_work() -> tuple[PublishingUnitOfWork, FakeBooks]:
    """A unit of work on empty books and the 2026 calendar as announced, and the books."""
    books = FakeBooks()
    calendar = FixedCalendarBook(default_calendar())
    return (
        PublishingUnitOfWork(books.records, books.sources, books.reviews, calendar, books.interviews),
        books,
    )
