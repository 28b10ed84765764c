"""The online interviews' staff pages (在线访谈) on the shared workbench layout, in Chinese: the list of
interviews with the admin's form to schedule one, and each interview's moderation page — its figures,
the questions in the order received, a form per question to select it and put it in a group, and one to
enter the guest's answer; closing the interview to questions, and sending the transcript to review.

Each form goes through the use case the API calls (`services.publishing.interviews`), behind the same
edge; a refusal comes back on the page — next to its field (422), or at the top (409).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.publishing import interviews
from services.publishing.api import CalendarDep
from services.publishing.interview_access import MODERATORS
from services.publishing.interview_schemas import AnswerCreate, InterviewCreate, QuestionModerationCreate
from services.publishing.labels import INTERVIEW_STATES, REVIEW_STATES
from services.publishing.staff_pages import STAFF
from services.publishing.unit_of_work import perform
from shared.auth import StaffSession
from shared.codes import Role
from shared.dates import SHANGHAI
from shared.errors import CivicError, NotFound
from shared.http import RuntimeDep
from shared.staff_pages import Shown, refused
from shared.uow import Command

__all__ = ["interview_pages"]

INTERVIEWS = "/workbench/interviews"
LABELS = {
    "title": "访谈主题",
    "guest": "访谈嘉宾",
    "guest_title": "嘉宾职务",
    "summary": "访谈简介",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "answer": "答复内容",
    "group": "分组",
}
RULES = (
    ("ends after it starts", "结束时间须晚于开始时间"),
    ("scheduled ahead", "访谈须提前安排，开始时间须晚于现在"),
    ("takes no questions already", "这场访谈已停止征集问题"),
    ("in review", "访谈实录正在审核，审核完成前不能修改"),
    ("transcript is published", "访谈实录已公开，不能再修改"),
    ("select it first", "只能答复已选用的问题，请先选用"),
    ("close it first", "访谈仍在征集问题，请先停止征集"),
    ("no question is selected", "还没有选用任何问题"),
    ("selected questions have no answer", "还有选用的问题没有录入答复"),
)
DONE = {
    "scheduled": "访谈已安排，市民现在可以提问。",
    "moderated": "已保存。",
    "answered": "答复已保存。",
    "closed": "已停止征集问题。",
    "submitted": "访谈实录已送公开审核。",
}

STAFF.templates.env.globals.update(interview_states=INTERVIEW_STATES, interview_review_states=REVIEW_STATES)

interview_pages = APIRouter()


def _in_chinese(message: str) -> str:
    return next((chinese for words, chinese in RULES if words in message), message)


async def _staff(request: Request, *roles: Role) -> StaffSession | Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    if not session.principal.has_any(set(roles)):
        return STAFF.not_for_you(request, session, "在线访谈")
    return session


def _instant(raw: str | None) -> str | None:
    """A ``datetime-local`` input's value, in Beijing time, as an instant (left as typed if it is none)."""
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=SHANGHAI).isoformat()
    except ValueError:
        return raw


def _uuid(raw: str) -> UUID | None:
    try:
        return UUID(raw)
    except ValueError:
        return None


# --- the list, and scheduling ------------------------------------------------------------------------


async def _list_page(
    request: Request, runtime: RuntimeDep, session: StaffSession, shown: Shown | None = None
) -> HTMLResponse:
    context = {
        "interviews": await interviews.list_interviews(runtime),
        "may_schedule": session.principal.has_any({Role.ADMIN}),
        "flash": DONE.get(request.query_params.get("done", "")),
        **(shown or Shown()).context(),
    }
    return STAFF.render(
        request, "interviews.html", context, shown.status_code if shown else 200, session=session
    )


@interview_pages.get(INTERVIEWS, response_class=HTMLResponse)
async def interviews_page(request: Request, runtime: RuntimeDep) -> Response:
    session = await _staff(request, *MODERATORS)
    if isinstance(session, Response):
        return session
    return await _list_page(request, runtime, session)


@interview_pages.post(INTERVIEWS, response_class=HTMLResponse)
async def schedule_interview(request: Request, runtime: RuntimeDep, calendar: CalendarDep) -> Response:
    session = await _staff(request, Role.ADMIN)
    if isinstance(session, Response):
        return session
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    fields: dict[str, Any] = {
        name: values.get(name) or None for name in ("title", "guest", "guest_title", "summary")
    }
    fields |= {name: _instant(values.get(name)) for name in ("starts_at", "ends_at")}
    try:
        body = InterviewCreate.model_validate({k: v for k, v in fields.items() if v is not None})
        command = Command(None, session.principal, body)
        await perform(runtime, calendar, interviews.schedule_interview, command, _nothing)
    except (ValidationError, CivicError) as exc:
        return await _list_page(request, runtime, session, refused(exc, values, LABELS, _in_chinese))
    return RedirectResponse(f"{INTERVIEWS}?done=scheduled", status_code=303)


# --- moderating one interview --------------------------------------------------------------------------


async def _interview_page(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSession,
    interview_id: UUID,
    shown: Shown | None = None,
) -> HTMLResponse:
    try:
        interview, questions = await interviews.list_questions(runtime, session.principal, interview_id)
    except NotFound:
        return STAFF.problem(request, 404, "没有找到这场访谈", "请从在线访谈列表进入。", session=session)
    context = {
        "interview": interview,
        "questions": questions,
        "review": await interviews.last_review(runtime, interview_id),
        "flash": DONE.get(request.query_params.get("done", "")),
        **(shown or Shown()).context(),
    }
    return STAFF.render(
        request, "interview.html", context, shown.status_code if shown else 200, session=session
    )


@interview_pages.get(f"{INTERVIEWS}/{{interview_id}}", response_class=HTMLResponse)
async def interview_page(request: Request, interview_id: str, runtime: RuntimeDep) -> Response:
    session = await _staff(request, *MODERATORS)
    if isinstance(session, Response):
        return session
    parsed = _uuid(interview_id)
    if parsed is None:
        return STAFF.problem(request, 404, "没有找到这场访谈", "请从在线访谈列表进入。", session=session)
    return await _interview_page(request, runtime, session, parsed)


@interview_pages.post(f"{INTERVIEWS}/{{interview_id}}/{{step}}", response_class=HTMLResponse)
async def interview_step(
    request: Request, interview_id: str, step: str, runtime: RuntimeDep, calendar: CalendarDep
) -> Response:
    """Close the interview to questions (``close``), or send its transcript to review (``transcript``)."""
    session = await _staff(request, *MODERATORS)
    if isinstance(session, Response):
        return session
    parsed = _uuid(interview_id)
    if parsed is None or step not in ("close", "transcript"):
        return STAFF.problem(request, 404, "没有找到这场访谈", "请从在线访谈列表进入。", session=session)
    if await STAFF.posted(request) is None:
        return STAFF.csrf_refused(request, session)
    command = Command(parsed, session.principal, None)
    rules = request.app.state.settings.review_rules()
    use_case = (
        interviews.close_interview if step == "close" else partial(interviews.submit_transcript, rules=rules)
    )
    return await _done_or_refused(request, runtime, session, parsed, use_case, command, step, calendar)


@interview_pages.post(
    f"{INTERVIEWS}/{{interview_id}}/questions/{{case_id}}/{{step}}", response_class=HTMLResponse
)
async def question_step(
    request: Request, interview_id: str, case_id: str, step: str, runtime: RuntimeDep, calendar: CalendarDep
) -> Response:
    """Select and group a question (``moderation``), or enter its answer (``answer``)."""
    session = await _staff(request, *MODERATORS)
    if isinstance(session, Response):
        return session
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    parsed, case = _uuid(interview_id), _uuid(case_id)
    if parsed is None or case is None or step not in ("moderation", "answer"):
        return STAFF.problem(request, 404, "没有找到这个问题", "请从访谈页面进入。", session=session)
    try:
        if step == "moderation":
            body: Any = QuestionModerationCreate(
                selected=values.get("selected") == "yes", group=values.get("group") or None
            )
        else:
            body = AnswerCreate.model_validate({"answer": values.get("answer", "")})
    except ValidationError as exc:
        shown = refused(exc, {}, LABELS, _in_chinese)
        problem = "；".join(m for ms in shown.errors.values() for m in ms)
        return await _interview_page(
            request, runtime, session, parsed, Shown(problem=problem, status_code=422)
        )
    use_case = interviews.moderate_question if step == "moderation" else interviews.answer_question
    command = Command(parsed, session.principal, (case, body))
    return await _done_or_refused(request, runtime, session, parsed, use_case, command, step, calendar)


async def _done_or_refused(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSession,
    interview_id: UUID,
    use_case: Any,
    command: Command[Any],
    step: str,
    calendar: CalendarDep,
) -> Response:
    try:
        await perform(runtime, calendar, use_case, command, _nothing)
    except NotFound:
        return STAFF.problem(request, 404, "没有找到这场访谈", "请从在线访谈列表进入。", session=session)
    except CivicError as exc:
        shown = refused(exc, {}, LABELS, _in_chinese)
        problem = shown.problem or "；".join(m for ms in shown.errors.values() for m in ms)
        return await _interview_page(
            request, runtime, session, interview_id, Shown(problem=problem, status_code=shown.status_code)
        )
    done = {"moderation": "moderated", "answer": "answered", "close": "closed", "transcript": "submitted"}[
        step
    ]
    return RedirectResponse(f"{INTERVIEWS}/{interview_id}?done={done}", status_code=303)


async def _nothing(*_: object) -> None:
    return None
