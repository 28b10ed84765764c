"""The online interviews' HTTP routes (在线访谈): validate, call one use case, return. Behind publishing's
guard (`services.publishing.api.ACCESS`, which holds `services.publishing.interview_access`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from uuid import UUID

from fastapi import APIRouter

from services.publishing import interviews, transcripts
from services.publishing.api import ACCESS, CalendarDep, SettingsDep
from services.publishing.interview_schemas import (
    AnswerCreate,
    InterviewCreate,
    InterviewPublic,
    QuestionModerationCreate,
    QuestionPublic,
    TranscriptPublic,
)
from services.publishing.schemas import ReviewPublic
from services.publishing.unit_of_work import PublishingUnitOfWork, perform
from shared.events import Envelope
from shared.http import PrincipalDep, RuntimeDep, guarded_by
from shared.openapi import errors
from shared.uow import Command

__all__ = ["interview_routes"]

interview_routes = APIRouter(prefix="/api/v1", tags=["interviews"], dependencies=[guarded_by(ACCESS)])

MODERATION = errors(401, 403, 404, conflict="the transcript is in review or published")


def _changed(
    interview_id: UUID | str,
) -> Callable[[PublishingUnitOfWork, list[Envelope]], Awaitable[InterviewPublic]]:
    async def answer(uow: PublishingUnitOfWork, _: list[Envelope]) -> InterviewPublic:
        return await interviews.interview_of(uow, interview_id)

    return answer


@interview_routes.get(
    "/interviews", summary="Online interviews (在线访谈), the latest first, with their figures"
)
async def list_interviews(runtime: RuntimeDep) -> list[InterviewPublic]:
    return await interviews.list_interviews(runtime)


@interview_routes.post(
    "/interviews",
    status_code=201,
    summary="Schedule an interview with a leader; questions are taken from now until it ends",
    responses=errors(401, 403, validation_error="ending before it starts, or starting in the past"),
)
async def schedule_interview(
    body: InterviewCreate, runtime: RuntimeDep, calendar: CalendarDep, principal: PrincipalDep
) -> InterviewPublic:
    async def scheduled(uow: PublishingUnitOfWork, envelopes: list[Envelope]) -> InterviewPublic:
        return await interviews.interview_of(uow, envelopes[0].subject)

    command = Command(None, principal, body)
    return await perform(runtime, calendar, interviews.schedule_interview, command, scheduled)


@interview_routes.post(
    "/interviews/{interview_id}/close",
    summary="Take no more questions (the interview is over)",
    responses=errors(401, 403, 404, conflict="it takes no questions already"),
)
async def close_interview(
    interview_id: UUID, runtime: RuntimeDep, calendar: CalendarDep, principal: PrincipalDep
) -> InterviewPublic:
    command = Command(interview_id, principal, None)
    return await perform(runtime, calendar, interviews.close_interview, command, _changed(interview_id))


@interview_routes.get(
    "/interviews/{interview_id}/questions",
    summary="The questions sent, in the order received (moderators)",
    responses=errors(401, 403, 404),
)
async def list_questions(
    interview_id: UUID, runtime: RuntimeDep, principal: PrincipalDep
) -> list[QuestionPublic]:
    _, questions = await interviews.list_questions(runtime, principal, interview_id)
    return questions


@interview_routes.post(
    "/interviews/{interview_id}/questions/{case_id}/moderation",
    summary="Select a question (or leave it out) and put it in a group",
    responses=MODERATION,
)
async def moderate_question(
    interview_id: UUID,
    case_id: UUID,
    body: QuestionModerationCreate,
    runtime: RuntimeDep,
    calendar: CalendarDep,
    principal: PrincipalDep,
) -> InterviewPublic:
    command = Command(interview_id, principal, (case_id, body))
    return await perform(runtime, calendar, interviews.moderate_question, command, _changed(interview_id))


@interview_routes.post(
    "/interviews/{interview_id}/questions/{case_id}/answer",
    summary="Enter the guest's answer to a selected question",
    responses=errors(401, 403, 404, conflict="not selected, or the transcript is in review or published"),
)
async def answer_question(
    interview_id: UUID,
    case_id: UUID,
    body: AnswerCreate,
    runtime: RuntimeDep,
    calendar: CalendarDep,
    principal: PrincipalDep,
) -> InterviewPublic:
    command = Command(interview_id, principal, (case_id, body))
    return await perform(runtime, calendar, interviews.answer_question, command, _changed(interview_id))


@interview_routes.post(
    "/interviews/{interview_id}/transcript",
    status_code=201,
    summary="Send the transcript (访谈实录) to review: the selected questions, grouped, answered, masked",
    responses=errors(
        401,
        403,
        404,
        conflict="still taking questions, nothing selected, a selected question unanswered, or already "
        "in review or published",
    ),
)
async def submit_transcript(
    interview_id: UUID,
    runtime: RuntimeDep,
    settings: SettingsDep,
    calendar: CalendarDep,
    principal: PrincipalDep,
) -> ReviewPublic:
    submitting = partial(interviews.submit_transcript, rules=settings.review_rules())

    async def queued(uow: PublishingUnitOfWork, _: list[Envelope]) -> ReviewPublic:
        return await interviews.queued_transcript(uow, interview_id)

    return await perform(runtime, calendar, submitting, Command(interview_id, principal, None), queued)


@interview_routes.get(
    "/interviews/{interview_id}/transcript",
    summary="The published transcript: the selected questions and the answers, askers masked",
    responses=errors(404),
)
async def get_transcript(interview_id: UUID, runtime: RuntimeDep) -> TranscriptPublic:
    return await transcripts.published_transcript(runtime, interview_id)
