"""Publishing's admin pages on the shared workbench layout, in Chinese: consultations (意见征集: open
one with its draft, close it — early, with the reason that is published — and compile its adoption
report, which goes to review) and the appeals of table four (行政复议和行政诉讼: record one, then its
result on the same record once decided).

Each form goes through the use case the API calls, behind the same edge; a refusal comes back on the
page — next to its field (422), or at the top (409: still open, a comment without its decision).
"""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.publishing import adoption, handlers, records
from services.publishing.api import CalendarDep
from services.publishing.labels import APPEAL_KINDS, APPEAL_RESULTS, CONSULTATION_STATES, DOCUMENT_KINDS
from services.publishing.schemas import (
    AppealCreate,
    AppealDecisionCreate,
    ConsultationCloseCreate,
    ConsultationCreate,
)
from services.publishing.staff_pages import STAFF
from services.publishing.unit_of_work import perform
from shared.auth import StaffSession
from shared.codes import Role
from shared.dates import today
from shared.errors import CivicError, NotFound
from shared.http import RuntimeDep
from shared.staff_pages import Shown, refused
from shared.uow import Command

__all__ = ["admin_pages"]

CONSULTATIONS = "/workbench/consultations"
APPEALS = "/workbench/appeals"
LABELS = {
    "title": "标题",
    "summary": "说明",
    "opens_on": "开始日期",
    "closes_on": "截止日期",
    "short_period_reason": "期限较短的理由",
    "document_kind": "文件类型",
    "draft_text": "征求意见稿全文",
    "draft_url": "征求意见稿链接",
    "reason": "提前截止的理由",
    "case_id": "事项编号",
    "kind": "类别",
    "filed_on": "提起日期",
    "result": "结果",
    "decided_on": "审结日期",
}
DONE = {
    "opened": "已发布征求意见。",
    "closed": "已截止征求意见。",
    "compiled": "意见采纳情况已汇总，送公开审核。",
    "appeal": "已登记。",
    "decided": "已登记审结结果，年度报告表四中原记录随之更新。",
}

DECIDED_RESULTS = {code: label for code, label in APPEAL_RESULTS.items() if code != "pending"}

STAFF.templates.env.globals.update(
    document_kinds=DOCUMENT_KINDS,
    consultation_states=CONSULTATION_STATES,
    appeal_kinds=APPEAL_KINDS,
    appeal_results=APPEAL_RESULTS,
)

admin_pages = APIRouter()

FieldErrors = dict[str, list[str]]


async def _staff(request: Request, *roles: Role) -> StaffSession | Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    if not session.principal.has_any(set(roles)):
        return STAFF.not_for_you(request, session, "这项管理功能")
    return session


RULES = (
    ("days working days must say why", "其他规范性文件的征求意见期不少于规定的工作日；较短的，须写明理由"),
    ("days must say why", "重大决策、规章草案和涉企文件的征求意见期一般不少于 30 日；较短的，须写明理由"),
    ("closes after it opens", "截止日期须晚于开始日期"),
    ("cannot close in the past", "截止日期不能早于今天"),
    ("draft_url where it can be read", "请填写征求意见稿全文或链接"),
    ("closing earlier needs a reason", "提前截止须写明理由（将一并公开）"),
    ("already closed", "这项意见征集已经截止"),
    ("still open", "征求意见尚未截止，截止后才能汇总采纳情况"),
    ("no adoption decision yet", "还有意见未答复采纳情况，全部答复后才能汇总"),
    ("result pending but decided on", "尚未审结的，不填审结日期"),
    ("but no decided_on", "已审结的，请填写审结日期"),
    ("before it was filed", "审结日期不能早于提起日期"),
    ("recorded already", "这件行政复议或行政诉讼已经登记；审结后请在其记录中登记结果，不要另行登记"),
    ("decided already", "这件已登记审结结果"),
)


def _in_chinese(message: str) -> str:
    """The use cases' refusals, in the admin's language (their English when no rule says it)."""
    return next((chinese for words, chinese in RULES if words in message), message)


def _done(url: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"{url}?done={what}", status_code=303)


# --- consultations --------------------------------------------------------------------------------


async def _consultations_page(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSession,
    shown: Shown | None = None,
    failed: str | None = None,
) -> HTMLResponse:
    consultations = await handlers.list_consultations(runtime)
    day = today()
    shown = shown or Shown({"opens_on": day.isoformat(), "document_kind": "major_decision"})
    context = {
        "consultations": consultations,
        "today": day,
        "failed": failed,
        "flash": DONE.get(request.query_params.get("done", "")),
        **shown.context(),
    }
    return STAFF.render(request, "consultations.html", context, shown.status_code, session=session)


@admin_pages.get(CONSULTATIONS, response_class=HTMLResponse)
async def consultations_page(request: Request, runtime: RuntimeDep) -> Response:
    session = await _staff(request, Role.ADMIN)
    if isinstance(session, Response):
        return session
    return await _consultations_page(request, runtime, session)


@admin_pages.post(CONSULTATIONS, response_class=HTMLResponse)
async def open_consultation(request: Request, runtime: RuntimeDep, calendar: CalendarDep) -> Response:
    session = await _staff(request, Role.ADMIN)
    if isinstance(session, Response):
        return session
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    fields: dict[str, Any] = {
        name: values.get(name) or None
        for name in (
            "title",
            "summary",
            "opens_on",
            "closes_on",
            "short_period_reason",
            "document_kind",
            "draft_text",
            "draft_url",
        )
    }
    settings = request.app.state.settings
    opening = partial(
        handlers.open_consultation,
        min_days=settings.min_consultation_days,
        min_working_days=settings.min_consultation_working_days,
    )
    try:
        body = ConsultationCreate.model_validate({k: v for k, v in fields.items() if v is not None})
        await perform(
            runtime, calendar, opening, Command(None, session.principal, body), handlers.consultation_of
        )
    except (ValidationError, CivicError) as exc:
        return await _consultations_page(
            request, runtime, session, refused(exc, values, LABELS, _in_chinese), "open"
        )
    return _done(CONSULTATIONS, "opened")


@admin_pages.post(f"{CONSULTATIONS}/{{consultation_id}}/{{step}}", response_class=HTMLResponse)
async def consultation_step(
    request: Request, consultation_id: str, step: str, runtime: RuntimeDep, calendar: CalendarDep
) -> Response:
    session = await _staff(request, Role.ADMIN)
    if isinstance(session, Response):
        return session
    try:
        parsed = UUID(consultation_id)
    except ValueError:
        parsed = None
    if parsed is None or step not in ("close", "adoption-report"):
        return STAFF.problem(request, 404, "没有找到这项意见征集", "请从意见征集列表进入。", session=session)
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    settings = request.app.state.settings
    try:
        if step == "close":
            body = ConsultationCloseCreate(reason=values.get("reason") or None)
            command = Command(parsed, session.principal, body)
            await perform(runtime, calendar, handlers.close_consultation, command, handlers.consultation_of)
        else:
            compiling = partial(adoption.compile_report, rules=settings.review_rules())
            await perform(runtime, calendar, compiling, Command(parsed, session.principal, None), _nothing)
    except (ValidationError, CivicError) as exc:
        if isinstance(exc, NotFound):
            return STAFF.problem(
                request, 404, "没有找到这项意见征集", "请从意见征集列表进入。", session=session
            )
        shown = refused(exc, {}, LABELS, _in_chinese)
        # A row's form has one input at most: its refusal is said at the top.
        problem = shown.problem or "；".join(m for ms in shown.errors.values() for m in ms)
        return await _consultations_page(
            request, runtime, session, Shown(problem=problem, status_code=shown.status_code), consultation_id
        )
    return _done(CONSULTATIONS, "closed" if step == "close" else "compiled")


async def _nothing(*_: object) -> None:
    return None


# --- appeals (table four) ---------------------------------------------------------------------------


async def _appeals_page(
    request: Request, runtime: RuntimeDep, session: StaffSession, shown: Shown | None = None
) -> HTMLResponse:
    appeals = await records.list_appeals(runtime, session.principal)
    shown = shown or Shown({"result": "pending"})
    context = {"appeals": appeals, "flash": DONE.get(request.query_params.get("done", "")), **shown.context()}
    return STAFF.render(request, "appeals.html", context, shown.status_code, session=session)


@admin_pages.get(APPEALS, response_class=HTMLResponse)
async def appeals_page(request: Request, runtime: RuntimeDep) -> Response:
    session = await _staff(request, Role.ADMIN, Role.DISCLOSURE_HEAD)
    if isinstance(session, Response):
        return session
    return await _appeals_page(request, runtime, session)


@admin_pages.post(APPEALS, response_class=HTMLResponse)
async def record_appeal(request: Request, runtime: RuntimeDep) -> Response:
    session = await _staff(request, Role.ADMIN, Role.DISCLOSURE_HEAD)
    if isinstance(session, Response):
        return session
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    fields = {
        name: values.get(name) or None for name in ("case_id", "kind", "filed_on", "result", "decided_on")
    }
    try:
        body = AppealCreate.model_validate({k: v for k, v in fields.items() if v is not None})
        await records.record_appeal(runtime, body, session.principal)
    except (ValidationError, CivicError) as exc:
        return await _appeals_page(request, runtime, session, refused(exc, values, LABELS, _in_chinese))
    return _done(APPEALS, "appeal")


async def _decision_page(
    request: Request, runtime: RuntimeDep, session: StaffSession, appeal_id: str, shown: Shown | None = None
) -> HTMLResponse:
    appeals = await records.list_appeals(runtime, session.principal)
    appeal = next((a for a in appeals if a.id == appeal_id), None)
    if appeal is None:
        return STAFF.problem(
            request, 404, "没有找到这件行政复议或行政诉讼", "请从登记列表进入。", session=session
        )
    shown = shown or Shown()
    context = {"appeal": appeal, "decided_results": DECIDED_RESULTS, **shown.context()}
    return STAFF.render(request, "appeal_decision.html", context, shown.status_code, session=session)


@admin_pages.get(f"{APPEALS}/{{appeal_id}}/decision", response_class=HTMLResponse)
async def appeal_decision_page(request: Request, appeal_id: str, runtime: RuntimeDep) -> Response:
    """The result of a pending appeal, recorded on its row (表四: updated, never a second row)."""
    session = await _staff(request, Role.ADMIN, Role.DISCLOSURE_HEAD)
    if isinstance(session, Response):
        return session
    return await _decision_page(request, runtime, session, appeal_id)


@admin_pages.post(f"{APPEALS}/{{appeal_id}}/decision", response_class=HTMLResponse)
async def decide_appeal(request: Request, appeal_id: str, runtime: RuntimeDep) -> Response:
    session = await _staff(request, Role.ADMIN, Role.DISCLOSURE_HEAD)
    if isinstance(session, Response):
        return session
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    try:
        parsed = UUID(appeal_id)
    except ValueError:
        return STAFF.problem(
            request, 404, "没有找到这件行政复议或行政诉讼", "请从登记列表进入。", session=session
        )
    fields = {name: values.get(name) or None for name in ("result", "decided_on")}
    try:
        body = AppealDecisionCreate.model_validate({k: v for k, v in fields.items() if v is not None})
        await records.decide_appeal(runtime, parsed, body, session.principal)
    except NotFound:
        return STAFF.problem(
            request, 404, "没有找到这件行政复议或行政诉讼", "请从登记列表进入。", session=session
        )
    except (ValidationError, CivicError) as exc:
        shown = refused(exc, values, LABELS, _in_chinese)
        return await _decision_page(request, runtime, session, appeal_id, shown)
    return _done(APPEALS, "decided")


# --- the annual report's checks, and what to publish proactively ----------------------------------------

REPORTS = "/workbench/reports"


@admin_pages.get(REPORTS, response_class=HTMLResponse)
async def reports_page(request: Request, runtime: RuntimeDep, year: str = "") -> Response:
    """Records the annual report of a year left out, with why (to correct at the source), and disclosure
    requests for similar information from several applicants (依申请公开转主动公开的候选)."""
    session = await _staff(request, Role.ADMIN, Role.DISCLOSURE_HEAD)
    if isinstance(session, Response):
        return session
    this_year = today().year
    chosen = int(year) if year.isdigit() and 2000 <= int(year) <= this_year else this_year
    excluded = await records.excluded_records(runtime, chosen, session.principal)
    candidates = await records.proactive_candidates(
        runtime, session.principal, min_applicants=3, window_days=180, threshold=0.5
    )
    context = {
        "year": chosen,
        "years": list(range(this_year, this_year - 5, -1)),
        "excluded": excluded,
        "candidates": candidates,
    }
    return STAFF.render(request, "reports.html", context, session=session)
