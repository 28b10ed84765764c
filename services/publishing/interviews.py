"""Online interviews (在线访谈), publishing's use cases: an admin schedules one (announced as
``interview.scheduled``, so intake takes questions for it); the questions come as intake's
``submission.received``; moderators (访谈主持人) select, group and answer them and close the interview
(``interview.closed``); its transcript goes, masked, to the review queue (三审) like every public
text, and is published from there (`services.publishing.transcripts`).

Each is a use case of the one shape (`shared.uow`): ``verb(command_or_event, uow) -> events``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from uuid import UUID, uuid4

from sqlmodel import col, select

from services.publishing.db import Interview, InterviewQuestion, ReviewItem
from services.publishing.interview_access import MODERATORS
from services.publishing.interview_rules import (
    InterviewStatus,
    answer_refusal,
    closing_refusal,
    figures,
    grouped,
    moderation_refusal,
    schedule_problems,
    takes_question,
    transcript_refusal,
)
from services.publishing.interview_schemas import (
    AnswerCreate,
    InterviewCreate,
    InterviewFigures,
    InterviewPublic,
    QuestionModerationCreate,
    QuestionPublic,
)
from services.publishing.masking import Known, mask_name
from services.publishing.redaction import Part, Source
from services.publishing.review import ReviewRules
from services.publishing.review_queue import enqueue, review_public
from services.publishing.schemas import ReviewPublic
from services.publishing.transcripts import INTERVIEW_TRANSCRIPT
from services.publishing.unit_of_work import PublishingUnitOfWork
from shared.auth import Principal, require_roles
from shared.codes import Channel, Role
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events import EventPayload, InterviewClosed, InterviewScheduled, SubmissionReceived
from shared.runtime import ServiceRuntime
from shared.uow import Command, Delivered

__all__ = [
    "MODERATORS",
    "answer_question",
    "close_interview",
    "interview_of",
    "last_review",
    "list_interviews",
    "list_questions",
    "moderate_question",
    "on_question_received",
    "queued_transcript",
    "schedule_interview",
    "submit_transcript",
]


def public_of(interview: Interview, questions: Collection[InterviewQuestion]) -> InterviewPublic:
    counted = figures(list(questions))
    return InterviewPublic(
        id=interview.id,
        title=interview.title,
        guest=interview.guest,
        guest_title=interview.guest_title,
        summary=interview.summary,
        starts_at=interview.starts_at,
        ends_at=interview.ends_at,
        status=interview.status,
        figures=InterviewFigures(
            received=counted.received, selected=counted.selected, answered=counted.answered
        ),
        published=interview.status == InterviewStatus.PUBLISHED,
    )


async def _interview(uow: PublishingUnitOfWork, interview_id: UUID | None) -> Interview:
    """The interview, held until the unit of work ends."""
    interview = await uow.interviews.interview(interview_id or "", for_change=True)
    if interview is None:
        raise NotFound(f"no interview {interview_id}")
    return interview


# --- scheduling (admins) ---------------------------------------------------------------------------


async def schedule_interview(
    command: Command[InterviewCreate], uow: PublishingUnitOfWork
) -> list[EventPayload]:
    """Schedule an interview ahead of its start; it takes questions from now until it ends."""
    require_roles(command.by, Role.ADMIN)
    body = command.body
    problems = schedule_problems(body.starts_at, body.ends_at, datetime.now(UTC))
    if problems:
        raise InvalidInput(*problems[0], *problems[1:])
    interview = Interview(
        id=str(uuid4()),
        title=body.title,
        guest=body.guest,
        guest_title=body.guest_title,
        summary=body.summary,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        status=InterviewStatus.SCHEDULED.value,
        created_at=datetime.now(UTC),
    )
    await uow.interviews.keep(interview)
    return [
        InterviewScheduled(
            interview_id=UUID(interview.id),
            title=interview.title,
            guest=interview.guest,
            starts_at=interview.starts_at,
            ends_at=interview.ends_at,
        )
    ]


async def interview_of(uow: PublishingUnitOfWork, interview_id: UUID | str) -> InterviewPublic:
    """What the HTTP edge answers after a change: the interview as it now stands."""
    interview = await uow.interviews.interview(interview_id)
    assert interview is not None, "the interview just changed"
    return public_of(interview, await uow.interviews.questions(interview.id))


async def list_interviews(runtime: ServiceRuntime) -> list[InterviewPublic]:
    """Every interview, the latest first, with its figures (never its questions)."""
    async with runtime.database.session() as session:
        interviews = (await session.exec(select(Interview).order_by(col(Interview.starts_at).desc()))).all()
        questions = (await session.exec(select(InterviewQuestion))).all()
    by_interview: dict[str, list[InterviewQuestion]] = {}
    for question in questions:
        by_interview.setdefault(question.interview_id, []).append(question)
    return [public_of(i, by_interview.get(i.id, [])) for i in interviews]


# --- questions (from intake) -------------------------------------------------------------------------


PERSONAL_CONTACT = {"name", "phone", "email", "id_number", "address"}
"""What of a contact is kept beside a question: what identifies the asker, to mask it."""


async def on_question_received(
    event: Delivered[SubmissionReceived], uow: PublishingUnitOfWork
) -> list[EventPayload]:
    """Take up a question for its interview, unless it came after the interview took no more."""
    payload = event.payload
    question = payload.question
    if payload.channel is not Channel.INTERVIEW_QUESTION or question is None:
        return []
    if await uow.interviews.question(payload.case_id) is not None:
        return []
    interview = await uow.interviews.interview(question.interview_id)
    if interview is None or not takes_question(interview.ends_at, interview.closed_at, payload.received_at):
        return []
    contact = payload.contact
    kept = contact.model_dump(include=PERSONAL_CONTACT, exclude_none=True) if contact else {}
    await uow.interviews.keep(
        InterviewQuestion(
            case_id=str(payload.case_id),
            interview_id=interview.id,
            received_at=payload.received_at,
            body=question.body,
            asker_name=contact.name if contact else None,
            contact=kept or None,
        )
    )
    return []


# --- moderating (moderators) -------------------------------------------------------------------------


async def close_interview(command: Command[None], uow: PublishingUnitOfWork) -> list[EventPayload]:
    """No more questions: the interview is over (or its questions are closed before it starts)."""
    require_roles(command.by, *MODERATORS)
    interview = await _interview(uow, command.about)
    refusal = closing_refusal(interview.status)
    if refusal:
        raise Conflict(refusal)
    interview.status, interview.closed_at = InterviewStatus.CLOSED.value, datetime.now(UTC)
    await uow.interviews.keep(interview)
    return [InterviewClosed(interview_id=UUID(interview.id), closed_at=interview.closed_at)]


async def _question(uow: PublishingUnitOfWork, interview: Interview, case_id: UUID) -> InterviewQuestion:
    question = await uow.interviews.question(case_id)
    if question is None or question.interview_id != interview.id:
        raise NotFound(f"no question {case_id} for this interview")
    return question


async def moderate_question(
    command: Command[tuple[UUID, QuestionModerationCreate]], uow: PublishingUnitOfWork
) -> list[EventPayload]:
    """Select a question (or leave it out) and put it in a group (分组)."""
    require_roles(command.by, *MODERATORS)
    interview = await _interview(uow, command.about)
    refusal = moderation_refusal(interview.status)
    if refusal:
        raise Conflict(refusal)
    case_id, body = command.body
    question = await _question(uow, interview, case_id)
    question.selected, question.group = body.selected, (body.group or None) if body.selected else None
    await uow.interviews.keep(question)
    return []


async def answer_question(
    command: Command[tuple[UUID, AnswerCreate]], uow: PublishingUnitOfWork
) -> list[EventPayload]:
    """Enter the guest's answer to a selected question, as given in the interview (or correct it)."""
    require_roles(command.by, *MODERATORS)
    interview = await _interview(uow, command.about)
    case_id, body = command.body
    question = await _question(uow, interview, case_id)
    refusal = answer_refusal(interview.status, question.selected)
    if refusal:
        raise Conflict(refusal)
    question.answer, question.answered_at = body.answer, datetime.now(UTC)
    await uow.interviews.keep(question)
    return []


async def list_questions(
    runtime: ServiceRuntime, principal: Principal, interview_id: UUID
) -> tuple[InterviewPublic, list[QuestionPublic]]:
    """An interview and its questions as the moderators see them, in the order received."""
    require_roles(principal, *MODERATORS)
    async with runtime.database.session() as session:
        interview = await session.get(Interview, str(interview_id))
        if interview is None:
            raise NotFound(f"no interview {interview_id}")
        questions = (
            await session.exec(
                select(InterviewQuestion)
                .where(InterviewQuestion.interview_id == interview.id)
                .order_by(col(InterviewQuestion.received_at), col(InterviewQuestion.case_id))
            )
        ).all()
    return public_of(interview, questions), [
        QuestionPublic(
            case_id=UUID(q.case_id),
            received_at=q.received_at,
            body=q.body,
            asker_name=q.asker_name,
            selected=q.selected,
            group=q.group,
            answer=q.answer,
        )
        for q in questions
    ]


# --- the transcript (访谈实录) ----------------------------------------------------------------------------


async def submit_transcript(
    command: Command[None],
    uow: PublishingUnitOfWork,
    *,
    rules: ReviewRules,
) -> list[EventPayload]:
    """Send the transcript to review: the selected questions, grouped, each with its answer; what its
    case knows of each asker masked wherever the question or the answer writes it, and any other name
    unless a reviewer releases it — the guest's is published as it is. Nothing of it changes until the
    reviewers decide."""
    require_roles(command.by, *MODERATORS)
    interview = await _interview(uow, command.about)
    questions = await uow.interviews.questions(interview.id)
    refusal = transcript_refusal(interview.status, questions)
    if refusal:
        raise Conflict(refusal)
    groups: list[dict[str, object]] = []
    parts: dict[str, Part] = {}
    seq = 0
    for g, (name, rows) in enumerate(grouped(questions)):
        entries: list[dict[str, object]] = []
        for i, question in enumerate(rows):
            seq += 1
            known = Known.of_contact(
                question.contact or ({"name": question.asker_name} if question.asker_name else None)
            )
            for field, text in (("question", question.body), ("answer", question.answer or "")):
                parts[f"groups.{g}.questions.{i}.{field}"] = Part(
                    f"questions[{seq}].{field}", text, known=known
                )
            entries.append(
                {
                    "seq": seq,
                    "asker": mask_name(question.asker_name) if question.asker_name else "网友",
                    "question": question.body,
                    "answer": question.answer,
                }
            )
        groups.append({"name": name, "questions": entries})
    counted = figures(questions)
    content = {
        "title": interview.title,
        "guest": interview.guest,
        "guest_title": interview.guest_title,
        "starts_at": interview.starts_at.isoformat(),
        "received": counted.received,
        "selected": counted.selected,
        "answered": counted.answered,
        "groups": groups,
    }
    await enqueue(
        uow.reviews,
        kind=INTERVIEW_TRANSCRIPT,
        subject_id=interview.id,
        title=f"《{interview.title}》访谈实录",
        content=content,
        source=Source(parts, released=(interview.guest,)),
        officials=(*rules.officials, interview.guest),
        required=len(rules.levels.names),
        levels=rules.levels.names,
        proofreading=rules.proofreading,
    )
    interview.status = InterviewStatus.IN_REVIEW.value
    await uow.interviews.keep(interview)
    return []


async def last_review(runtime: ServiceRuntime, interview_id: UUID) -> ReviewItem | None:
    """The newest version of the interview's transcript sent to review (its status, a rejection's reason)."""
    async with runtime.database.session() as session:
        query = (
            select(ReviewItem)
            .where(ReviewItem.kind == INTERVIEW_TRANSCRIPT, ReviewItem.subject_id == str(interview_id))
            .order_by(col(ReviewItem.created_at).desc())
            .limit(1)
        )
        return (await session.exec(query)).first()


async def queued_transcript(uow: PublishingUnitOfWork, interview_id: UUID | None) -> ReviewPublic:
    """What the HTTP edge answers once a transcript is sent: the version waiting for review."""
    (item,) = await uow.reviews.pending(INTERVIEW_TRANSCRIPT, str(interview_id))
    return review_public(item, [])
