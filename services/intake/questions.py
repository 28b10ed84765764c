"""Intake's part of the online interviews (在线访谈): it learns from publishing which interviews take
questions (``interview.scheduled``, ``interview.closed``), accepts a citizen's question like a comment
— with a tracking code, as ``submission.received`` of channel ``interview_question`` — and, once the
transcript is published (``interview.transcript_published``), concludes each asker's case on the
tracking page: answered in the interview, or not selected.

The reactions are use cases of the one shape (`shared.uow`) on an `InterviewUnitOfWork`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlmodel import col, select

from services.intake.db import InterviewView
from services.intake.handlers import Draft, accept_draft, notification_choice, registration
from services.intake.interview_book import InterviewUnitOfWork
from services.intake.interview_rules import question_refusal, told_of_transcript
from services.intake.schemas import QuestionCreate, Receipt
from shared.auth import Principal
from shared.codes import Channel
from shared.errors import Conflict, NotFound
from shared.events import (
    Contact,
    EventPayload,
    InterviewClosed,
    InterviewQuestionContent,
    InterviewScheduled,
    InterviewTranscriptPublished,
)
from shared.runtime import ServiceRuntime
from shared.uow import Delivered

__all__ = [
    "interview",
    "on_interview_closed",
    "on_interview_scheduled",
    "on_transcript_published",
    "open_interviews",
    "submit_question",
    "takes_questions",
]


# --- reading ------------------------------------------------------------------------------------


async def interview(runtime: ServiceRuntime, interview_id: UUID) -> InterviewView | None:
    async with runtime.database.session() as session:
        return await session.get(InterviewView, str(interview_id))


async def open_interviews(runtime: ServiceRuntime) -> list[InterviewView]:
    """Interviews taking questions now, the soonest to start first."""
    now = datetime.now(UTC)
    async with runtime.database.session() as session:
        rows = (
            await session.exec(
                select(InterviewView)
                .where(col(InterviewView.ends_at) > now)
                .order_by(col(InterviewView.starts_at), col(InterviewView.title))
            )
        ).all()
    return [row for row in rows if takes_questions(row, now)]


def takes_questions(interview: InterviewView, now: datetime | None = None) -> bool:
    return question_refusal(interview.ends_at, interview.closed_at, now or datetime.now(UTC)) is None


# --- accepting a question -------------------------------------------------------------------------


async def submit_question(
    runtime: ServiceRuntime,
    interview_id: UUID,
    request: QuestionCreate,
    *,
    idempotency_key: str | None = None,
    principal: Principal | None = None,
) -> Receipt:
    """Accept a question with a tracking code while the interview takes questions (409 after)."""
    registered = registration(principal, request.received_via, request.received_at)
    found = await interview(runtime, interview_id)
    if found is None:
        raise NotFound(f"no interview {interview_id}")
    refusal = question_refusal(found.ends_at, found.closed_at, datetime.now(UTC))
    if refusal:
        raise Conflict(f"«{found.title}»: {refusal}")
    given = request.contact
    notify_by = notification_choice(
        request.notify_by, email=given.email if given else None, phone=given.phone if given else None
    )
    draft = Draft(
        channel=Channel.INTERVIEW_QUESTION,
        contact=Contact(**given.model_dump()) if given else None,
        content={"question": InterviewQuestionContent(interview_id=interview_id, body=request.body)},
        stored=request.model_dump(mode="json") | {"interview_id": str(interview_id)},
        registration=registered,
        notify_by=notify_by,
    )
    key = f"question:{interview_id}:{idempotency_key}"
    return await accept_draft(runtime, draft, (key, request) if idempotency_key else None)


# --- reactions to publishing's events ---------------------------------------------------------------


async def on_interview_scheduled(
    event: Delivered[InterviewScheduled], uow: InterviewUnitOfWork
) -> list[EventPayload]:
    """An interview publishing scheduled (or rescheduled): questions are taken until it ends."""
    payload = event.payload
    row = await uow.interviews.interview(str(payload.interview_id))
    if row is None:
        row = InterviewView(
            interview_id=str(payload.interview_id),
            title=payload.title,
            guest=payload.guest,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
        )
    else:
        row.title, row.guest, row.starts_at, row.ends_at = (
            payload.title,
            payload.guest,
            payload.starts_at,
            payload.ends_at,
        )
    await uow.interviews.keep(row)
    return []


async def on_interview_closed(
    event: Delivered[InterviewClosed], uow: InterviewUnitOfWork
) -> list[EventPayload]:
    """No more questions from the instant it closed."""
    row = await uow.interviews.interview(str(event.payload.interview_id))
    if row is not None:
        row.closed_at = event.payload.closed_at
        await uow.interviews.keep(row)
    return []


async def on_transcript_published(
    event: Delivered[InterviewTranscriptPublished], uow: InterviewUnitOfWork
) -> list[EventPayload]:
    """Each asker's case concludes: answered in the interview, or not selected — on their tracking
    page. (Sending them word by email or SMS is the notifications' part.)"""
    payload = event.payload
    selected = {str(case_id) for case_id in payload.selected}
    for question in await uow.interviews.questions(str(payload.interview_id)):
        view = await uow.views.view(question.case_id)
        if view is None:
            continue  # a question another intake database holds
        after = told_of_transcript(
            view, selected=question.case_id in selected, title=payload.title, at=event.envelope.time
        )
        if after != view:
            await uow.views.keep(question.case_id, after, event.envelope.time)
    return []
