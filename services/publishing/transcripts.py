"""An interview's transcript (访谈实录) once the reviewers decided: published — announced with the cases
of the questions it holds, so that each asker is told — or sent back to the moderators; and the
transcripts as the public reads them.

The review queue (`services.publishing.review_queue`) calls `published` and `sent_back` for an item of
kind `INTERVIEW_TRANSCRIPT`; this module imports nothing of it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlmodel import col, select

from services.publishing.db import Interview, PublishedTranscript, ReviewItem
from services.publishing.interview_rules import InterviewStatus
from services.publishing.interview_schemas import InterviewFigures, TranscriptGroup, TranscriptPublic
from services.publishing.schemas import MaskedItem
from services.publishing.unit_of_work import PublishingUnitOfWork
from shared.dates import local_date
from shared.errors import NotFound
from shared.events import EventPayload, InterviewTranscriptPublished
from shared.runtime import ServiceRuntime

__all__ = [
    "INTERVIEW_TRANSCRIPT",
    "published",
    "published_transcript",
    "published_transcripts",
    "sent_back",
    "withdrawn",
]

INTERVIEW_TRANSCRIPT = "interview_transcript"
"""The review queue's kind of an interview's transcript; its subject is the interview."""


async def published(uow: PublishingUnitOfWork, item: ReviewItem) -> list[EventPayload]:
    """The reviewers approved the transcript: public as they saw it, the interview done, and its
    selected askers' cases announced (``interview.transcript_published``)."""
    interview = await uow.interviews.interview(item.subject_id, for_change=True)
    if interview is None:
        raise NotFound(f"no interview {item.subject_id}")
    now = datetime.now(UTC)
    row = await uow.interviews.transcript(interview.id) or PublishedTranscript(
        interview_id=interview.id, review_id=item.id, content={}, manifest=[], published_at=now
    )
    row.review_id, row.content, row.manifest, row.published_at = item.id, item.content, item.manifest, now
    await uow.interviews.keep(row)
    interview.status = InterviewStatus.PUBLISHED.value
    await uow.interviews.keep(interview)
    selected = [q for q in await uow.interviews.questions(interview.id) if q.selected]
    content = item.content
    return [
        InterviewTranscriptPublished(
            interview_id=UUID(interview.id),
            title=interview.title,
            published_on=local_date(now),
            received=content["received"],
            selected=tuple(UUID(q.case_id) for q in selected),
            answered=content["answered"],
        )
    ]


async def sent_back(uow: PublishingUnitOfWork, item: ReviewItem) -> list[EventPayload]:
    """A reviewer rejected the transcript: the moderators correct it (the reason is on their page)
    and send it again."""
    interview = await uow.interviews.interview(item.subject_id, for_change=True)
    if interview is not None and interview.status == InterviewStatus.IN_REVIEW:
        interview.status = InterviewStatus.CLOSED.value
        await uow.interviews.keep(interview)
    return []


async def withdrawn(uow: PublishingUnitOfWork, item: ReviewItem) -> list[EventPayload]:
    """撤回: the transcript leaves the public pages and the API; the interview goes back to its
    moderators, who may correct it and send it to review again."""
    row = await uow.interviews.transcript(item.subject_id)
    if row is not None and row.review_id == item.id:
        await uow.interviews.unpublish(row)
    interview = await uow.interviews.interview(item.subject_id, for_change=True)
    if interview is not None and interview.status == InterviewStatus.PUBLISHED:
        interview.status = InterviewStatus.CLOSED.value
        await uow.interviews.keep(interview)
    return []


def _public(row: PublishedTranscript, interview: Interview) -> TranscriptPublic:
    content = row.content
    return TranscriptPublic(
        interview_id=row.interview_id,
        title=content["title"],
        guest=content["guest"],
        guest_title=content["guest_title"],
        starts_at=interview.starts_at,
        figures=InterviewFigures(
            received=content["received"], selected=content["selected"], answered=content["answered"]
        ),
        groups=[TranscriptGroup.model_validate(group) for group in content["groups"]],
        published_at=row.published_at,
        masked=[MaskedItem(**entry) for entry in row.manifest],
    )


async def published_transcript(runtime: ServiceRuntime, interview_id: UUID) -> TranscriptPublic:
    async with runtime.database.session() as session:
        row = await session.get(PublishedTranscript, str(interview_id))
        interview = await session.get(Interview, str(interview_id))
    if row is None or interview is None:
        raise NotFound("no transcript has been published for this interview yet")
    return _public(row, interview)


async def published_transcripts(runtime: ServiceRuntime, *, limit: int = 50) -> list[TranscriptPublic]:
    """The latest published transcripts, newest first."""
    async with runtime.database.session() as session:
        rows = (
            await session.exec(
                select(PublishedTranscript, Interview)
                .where(PublishedTranscript.interview_id == Interview.id)
                .order_by(col(PublishedTranscript.published_at).desc())
                .limit(limit)
            )
        ).all()
    return [_public(row, interview) for row, interview in rows]
