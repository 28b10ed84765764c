"""What publishing forgets when a case's personal data is erased (个人信息删除): the consented letter
and the consultation comment as written, with their writers' contact; the private source a review item
is masked from; a disclosure request's description and the key that told its applicant apart. What was
published stays as published — it was masked — and so do the figures."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.publishing.db import (
    CaseRecord,
    ConsentedLetter,
    ConsultationComment,
    Interview,
    InterviewQuestion,
    ReviewItem,
)
from services.publishing.interview_rules import InterviewStatus
from services.publishing.review import ReviewStatus
from services.publishing.transcripts import INTERVIEW_TRANSCRIPT
from shared.sealing import ERASED, erase_texts

ROUTED = frozenset({"mailbox", "category", "department", "department_name", "channel"})
"""What an erased item keeps of its content: where it came from, not what it said."""

__all__ = ["scrub_case"]


async def scrub_case(session: AsyncSession, case_id: str) -> None:
    letter = await session.get(ConsentedLetter, case_id)
    if letter is not None:
        letter.subject, letter.body, letter.writer_name, letter.contact = ERASED, ERASED, None, None
        session.add(letter)
    comment = await session.get(ConsultationComment, case_id)
    if comment is not None:
        comment.body, comment.commenter_name, comment.contact = ERASED, None, None
        comment.clause = ERASED if comment.clause else comment.clause
        session.add(comment)
    question = await session.get(InterviewQuestion, case_id)
    if question is not None:  # the asker's words go; the guest's answer stays
        question.body, question.asker_name, question.contact = ERASED, None, None
        session.add(question)
        await _recall_transcript(session, question.interview_id)
    record = await session.get(CaseRecord, case_id)
    if record is not None:
        record.description = ERASED if record.description else record.description
        record.applicant_key = None
        session.add(record)
    for item in (await session.exec(select(ReviewItem).where(ReviewItem.subject_id == case_id))).all():
        item.source = None
        if item.status != ReviewStatus.PUBLISHED.value:  # never published: nothing of it is kept
            if item.status == ReviewStatus.PENDING.value:
                item.status, item.decided_at = ReviewStatus.WITHDRAWN.value, datetime.now(UTC)
            item.title, item.content, item.manifest = ERASED, erase_texts(item.content, ROUTED), []
        session.add(item)


async def _recall_transcript(session: AsyncSession, interview_id: str) -> None:
    """A transcript waiting for review holds the erased asker's question as they wrote it: the item is
    withdrawn and the interview goes back to its moderators, who send it again without it."""
    pending = await session.exec(
        select(ReviewItem).where(
            ReviewItem.subject_id == interview_id,
            ReviewItem.kind == INTERVIEW_TRANSCRIPT,
            ReviewItem.status == ReviewStatus.PENDING.value,
        )
    )
    for item in pending.all():
        item.status, item.decided_at, item.source = ReviewStatus.WITHDRAWN.value, datetime.now(UTC), None
        item.content, item.manifest = erase_texts(item.content, ROUTED), []
        session.add(item)
        interview = await session.get(Interview, interview_id)
        if interview is not None and interview.status == InterviewStatus.IN_REVIEW.value:
            interview.status = InterviewStatus.CLOSED.value
            session.add(interview)
