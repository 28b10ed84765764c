"""The handler's workbench (办理工作台): server-rendered pages in Chinese for the inbox (待办) and the
case page with its actions, history and forms.

Each route reads the form, calls one use case in :mod:`services.routing.handlers` or
:mod:`services.routing.actions` and renders what it returns; the rules stay in the use cases, which
also decide who may see and act on a case. The pages need no JavaScript.

Signing in is `services.routing.sign_in_pages`; the session, the CSRF token of every form and the
layout are `shared.staff_pages`. A refused action comes back on the case page: 409 with the message
at the top when the case's state does not allow it, 422 with the message next to its field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.routing import actions, handlers, notice_desk, supervision
from services.routing.actions import ActionUseCase, CaseAction
from services.routing.admin_pages import admin_pages
from services.routing.dead_letter_pages import dead_letter_pages
from services.routing.handlers import HANDLING_ROLES
from services.routing.labels import (
    ADOPTIONS,
    APPLICANT_TYPES,
    CHANNELS,
    DELIVERY_FORMS,
    DELIVERY_METHODS,
    DELIVERY_WAYS,
    DONE,
    LABELS,
    OUTCOME_GROUPS,
    STATES,
)
from services.routing.schemas import (
    ClusterReplyResult,
    DeliveryCreate,
    ExtensionCreate,
    ReplyCreate,
    ReturnCreate,
    SupplementRequestCreate,
    TaskPublic,
    ThirdPartyConsultationCreate,
    ThirdPartyReplyCreate,
)
from services.routing.sign_in_pages import STAFF, sign_in_pages
from services.routing.supervision_pages import supervision_pages
from services.routing.task_book import Office
from services.routing.workflow import OPEN, available
from shared.auth import StaffSession, require_roles
from shared.dates import today
from shared.errors import CivicError, Conflict, Forbidden, InvalidInput, NotFound
from shared.http import RuntimeDep
from shared.notice_documents import PRIVATE_DOCUMENT
from shared.runtime import ServiceRuntime
from shared.staff_pages import STAFF_PATH, home_of
from shared.text import text_too_long

__all__ = ["pages"]

PAGE_SIZE = 50
"""Cases a page of the inbox lists."""

pages = APIRouter()
pages.include_router(sign_in_pages)
pages.include_router(admin_pages)
pages.include_router(dead_letter_pages)
pages.include_router(supervision_pages)
templates = STAFF.templates

DUE_SOON_DAYS = 2
# What the use cases' rules (InvalidInput) say, in the handler's language: (field, words in the
# English message, Chinese). A message not listed here is shown as the use case wrote it.
RULE_MESSAGES = (
    ("outcome", "states its outcome", "请选择答复结果"),
    ("reason", "withholds anything", "除予以公开外，须写明理由和法律依据"),
    ("adoption", "whether it was adopted", "请选择采纳情况"),
    ("reason", "adopted", "未全部采纳的，须说明理由"),
    ("adoption", "comments only", "采纳情况只用于答复意见征集"),
    ("outcome", "disclosure", "答复结果只用于依申请公开"),
    ("working_days", "1 to 30", "补正期限为 1 至 30 个工作日"),
    (
        "working_days",
        "an extension is",
        "延期为 1 至规定上限的工作日数（依申请公开最多 20 个，领导信箱最多 10 个）",
    ),
)

FieldErrors = dict[str, list[str]]
FormBody = Callable[[dict[str, str]], object]


# --- rendering ----------------------------------------------------------------------------------


def due_marker(task: TaskPublic, day: date) -> str | None:
    """``overdue`` past the due date, ``due_soon`` within two days of it; closed work has neither."""
    if task.due_date is None or task.state not in OPEN:
        return None
    if task.due_date < day:
        return "overdue"
    if (task.due_date - day).days <= DUE_SOON_DAYS:
        return "due_soon"
    return None


templates.env.globals.update(
    channels=CHANNELS,
    states=STATES,
    adoptions=ADOPTIONS,
    outcome_groups=OUTCOME_GROUPS,
    labels=LABELS,
    applicant_types=APPLICANT_TYPES,
    delivery_forms=DELIVERY_FORMS,
    delivery_methods=DELIVERY_METHODS,
    delivery_ways=DELIVERY_WAYS,
)


def _forbidden_page(request: Request, session: StaffSession, exc: Forbidden) -> HTMLResponse:
    return STAFF.problem(
        request,
        403,
        "无权办理",
        f"您没有办理这件事项的权限：它不属于您所在的部门，或需要其他角色。（{exc.message}）",
        session=session,
    )


def _not_found_page(request: Request, session: StaffSession) -> HTMLResponse:
    return STAFF.problem(
        request, 404, "没有找到这件事项", "本部门没有这件事项，它可能已转到其他部门。", session=session
    )


def _to(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- the case page ------------------------------------------------------------------------------------


def _available(task: TaskPublic) -> list[str]:
    """The forms to offer in this state: the state machine's (`services.routing.workflow`)."""
    return [action.value for action in available(task.channel, task.state)]


async def _case_page(
    request: Request,
    runtime: ServiceRuntime,
    case_id: UUID,
    session: StaffSession,
    *,
    action: str | None = None,
    values: Mapping[str, str] | None = None,
    errors: FieldErrors | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        detail = await handlers.case_detail(runtime, case_id, session.principal)
    except Forbidden as exc:
        return _forbidden_page(request, session, exc)
    except NotFound:
        return _not_found_page(request, session)
    flash = DONE.get(request.query_params.get("done", "")) if action is None else None
    notices = await notice_desk.case_notices(runtime, case_id, session.principal)
    return STAFF.render(
        request,
        "case.html",
        {
            "task": detail.task,
            "notices": notices,
            "history": detail.history,
            "marker": due_marker(detail.task, today()),
            "available": _available(detail.task),
            "failed": action,
            "values": dict(values or {}) if action else {},
            "errors": errors or {},
            "problem": problem,
            "flash": flash,
        },
        status_code,
        session=session,
    )


# --- form bodies --------------------------------------------------------------------------------


def _days(values: Mapping[str, str]) -> int | str:
    raw = values.get("working_days", "")
    return int(raw) if raw.isascii() and raw.isdigit() else raw


def _no_body(_v: dict[str, str]) -> None:
    return None


def _return(v: dict[str, str]) -> ReturnCreate:
    return ReturnCreate.model_validate({"reason": v.get("reason", "")})


def _supplement(v: dict[str, str]) -> SupplementRequestCreate:
    return SupplementRequestCreate.model_validate({"items": v.get("items", ""), "working_days": _days(v)})


def _consult(v: dict[str, str]) -> ThirdPartyConsultationCreate:
    return ThirdPartyConsultationCreate.model_validate(
        {"party": v.get("party", ""), "note": v.get("note") or None}
    )


def _third_party(v: dict[str, str]) -> ThirdPartyReplyCreate:
    return ThirdPartyReplyCreate.model_validate(
        {"note": v.get("note") or None, "party_id": v.get("party_id") or None}
    )


def _extend(v: dict[str, str]) -> ExtensionCreate:
    return ExtensionCreate.model_validate({"working_days": _days(v), "reason": v.get("reason", "")})


def _reply(v: dict[str, str]) -> ReplyCreate:
    return ReplyCreate.model_validate(
        {
            "text": v.get("text", ""),
            "outcome": v.get("outcome") or None,
            "adoption": v.get("adoption") or None,
            "reason": v.get("reason") or None,
        }
    )


ACTIONS: dict[str, tuple[ActionUseCase, FormBody]] = {
    "accept": (actions.accept, _no_body),
    "return": (actions.return_case, _return),
    "request-supplement": (actions.request_supplement, _supplement),
    "consult-third-party": (actions.consult_third_party, _consult),
    "third-party-replied": (actions.third_party_replied, _third_party),
    "extend": (actions.extend, _extend),
    "reply": (actions.reply, _reply),
    "close": (actions.close, _no_body),
}
"""Each form of the case page: its use case, and how the posted fields make its body."""


def _field_errors(exc: ValidationError | InvalidInput) -> FieldErrors:
    errors: FieldErrors = {}
    if isinstance(exc, ValidationError):
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "text"
            label = LABELS.get(name, name)
            kind = error["type"]
            if kind in ("missing", "string_too_short"):
                message = f"请填写{label}"
            elif (limit := text_too_long(error)) is not None:
                message = f"{label}不能超过 {limit} 个字"
            elif kind in ("int_parsing", "int_type"):
                message = f"{label}请填写整数"
            elif kind == "enum":
                message = f"请选择{label}"
            else:
                message = f"{label}填写有误：{error['msg']}"
            errors.setdefault(name, []).append(message)
    else:
        for detail in exc.details or []:
            name = str(detail["field"])
            errors.setdefault(name, []).append(_rule_message(name, str(detail["message"])))
    return errors


def _rule_message(name: str, message: str) -> str:
    for rule_field, words, chinese in RULE_MESSAGES:
        if name == rule_field and words in message:
            return chinese
    return f"{LABELS.get(name, name)}：{message}"


# --- routes -------------------------------------------------------------------------------------


@pages.get("/workbench", response_class=HTMLResponse)
async def inbox(
    request: Request, runtime: RuntimeDep, channel: str = "", state: str = "", page: str = "1"
) -> Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    channel = channel if channel in CHANNELS else ""
    state = state if state in STATES else ""
    try:
        listed = await handlers.inbox_page(
            runtime,
            session.principal,
            state=state or None,
            channel=channel or None,
            page=int(page) if page.isascii() and page.isdigit() else 1,
            size=PAGE_SIZE,
        )
    except Forbidden as exc:
        home = home_of(session.principal)
        if home != STAFF_PATH:
            return _to(home)  # a reviewer, a clerk, an admin: their own part of the workbench
        return _forbidden_page(request, session, exc)
    day = today()
    return STAFF.render(
        request,
        "inbox.html",
        {
            "rows": [(task, due_marker(task, day)) for task in listed.tasks],
            "listed": listed,
            "channel": channel,
            "state": state,
            "query": {"channel": channel, "state": state},
            "unread_supervision_notices": await supervision.unread_supervision_notices(
                runtime, session.principal
            ),
        },
        session=session,
    )


@pages.get("/workbench/cases/{case_id}", response_class=HTMLResponse)
async def case_page(request: Request, case_id: str, runtime: RuntimeDep) -> Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    try:
        parsed = UUID(case_id)
    except ValueError:
        return _not_found_page(request, session)
    return await _case_page(request, runtime, parsed, session)


@pages.post("/workbench/cases/{case_id}/{action}", response_class=HTMLResponse)
async def act(request: Request, case_id: str, action: str, runtime: RuntimeDep) -> Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    form = ACTIONS.get(action)
    try:
        parsed = UUID(case_id)
    except ValueError:
        form = None
    if form is None:
        return _not_found_page(request, session)
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    office: Office = request.app.state.office

    async def again(
        status_code: int, errors: FieldErrors | None = None, problem: str | None = None
    ) -> HTMLResponse:
        return await _case_page(
            request,
            runtime,
            parsed,
            session,
            action=action,
            values=values,
            errors=errors,
            problem=problem,
            status_code=status_code,
        )

    try:
        use_case, body_of = form
        result = await actions.act(
            runtime, office, use_case, CaseAction(parsed, session.principal, body_of(values))
        )
    except (ValidationError, InvalidInput) as exc:
        return await again(422, errors=_field_errors(exc))
    except Conflict as exc:
        return await again(409, problem=f"案件当前的状态不允许这样办理，请刷新后再试。（{exc.message}）")
    except Forbidden as exc:
        # A missing role shows the case page with the reason; another department's case, the 403 page.
        return await again(403, problem=f"您没有这项操作的权限。（{exc.message}）")
    except NotFound:
        return _not_found_page(request, session)
    except CivicError as exc:
        return await again(exc.status_code, problem=exc.message)
    if action == "third-party-replied" and result.state == "third_party_consulted":
        action = "third-party-replied-waiting"  # another party is still waited for
    return _to(f"/workbench/cases/{parsed}?done={action}")


# --- formal notices (告知书) ---------------------------------------------------------------------------


async def _notice_page(
    request: Request, case_id: UUID, notice_id: UUID, runtime: ServiceRuntime, *, pdf: bool
) -> Response:
    """A notice on the case, as PDF (to print and send) or as a page."""
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    try:
        document = await notice_desk.notice_document(runtime, case_id, notice_id, session.principal, pdf=pdf)
    except Forbidden as exc:
        return _forbidden_page(request, session, exc)
    except NotFound:
        return _not_found_page(request, session)
    if isinstance(document, bytes):
        return Response(document, media_type="application/pdf", headers=PRIVATE_DOCUMENT)
    return HTMLResponse(document, headers=PRIVATE_DOCUMENT)


@pages.get("/workbench/cases/{case_id}/notices/{notice_id}.pdf", response_class=Response)
async def notice_pdf_page(request: Request, case_id: UUID, notice_id: UUID, runtime: RuntimeDep) -> Response:
    return await _notice_page(request, case_id, notice_id, runtime, pdf=True)


@pages.get("/workbench/cases/{case_id}/notices/{notice_id}.html", response_class=Response)
async def notice_html_page(request: Request, case_id: UUID, notice_id: UUID, runtime: RuntimeDep) -> Response:
    return await _notice_page(request, case_id, notice_id, runtime, pdf=False)


@pages.post("/workbench/cases/{case_id}/notices/{notice_id}/deliveries", response_class=HTMLResponse)
async def deliver_notice(request: Request, case_id: UUID, notice_id: UUID, runtime: RuntimeDep) -> Response:
    """送达: the handler records how a notice reached the applicant."""
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    try:
        require_roles(session.principal, *HANDLING_ROLES)  # who may, before what they sent
    except Forbidden as exc:
        return _forbidden_page(request, session, exc)
    try:
        body = DeliveryCreate.model_validate(
            {k: values[k] for k in ("way", "delivered_on", "note") if values.get(k, "") != ""}
        )
        await notice_desk.record_delivery(runtime, case_id, notice_id, body, session.principal)
    except (ValidationError, InvalidInput) as exc:
        problem = "；".join(f"{field}：{message}" for field, message in _field_errors(exc).items())
        return await _case_page(
            request, runtime, case_id, session, problem=f"送达未登记：{problem}", status_code=422
        )
    except Forbidden as exc:
        return _forbidden_page(request, session, exc)
    except NotFound:
        return _not_found_page(request, session)
    return _to(f"/workbench/cases/{case_id}?done=delivered")


# --- similar submissions (相似诉求) -------------------------------------------------------------------


async def _cluster_page(
    request: Request,
    runtime: ServiceRuntime,
    session: StaffSession,
    cluster_id: str,
    *,
    values: Mapping[str, str] | None = None,
    errors: FieldErrors | None = None,
    result: ClusterReplyResult | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        tasks = await handlers.cluster_cases(runtime, session.principal, cluster_id)
    except Forbidden as exc:
        return _forbidden_page(request, session, exc)
    except NotFound:
        return STAFF.problem(request, 404, "没有找到这组相似诉求", "本部门没有这组事项。", session=session)
    context = {
        "cluster_id": cluster_id,
        "tasks": tasks,
        "open_count": sum(1 for task in tasks if task.state in OPEN),
        "values": values or {},
        "errors": errors or {},
        "result": result,
    }
    return STAFF.render(request, "cluster.html", context, status_code, session=session)


@pages.get("/workbench/clusters/{cluster_id}", response_class=HTMLResponse)
async def cluster_page(request: Request, cluster_id: str, runtime: RuntimeDep) -> Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    return await _cluster_page(request, runtime, session, cluster_id)


@pages.post("/workbench/clusters/{cluster_id}", response_class=HTMLResponse)
async def reply_to_cluster(request: Request, cluster_id: str, runtime: RuntimeDep) -> Response:
    """One reply to each open case of the cluster in the department, each with its own case.replied."""
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    try:
        body = _reply(values)
        result = await actions.reply_to_cluster(
            runtime, request.app.state.office, cluster_id, body, session.principal
        )
    except (ValidationError, InvalidInput) as exc:
        return await _cluster_page(
            request, runtime, session, cluster_id, values=values, errors=_field_errors(exc), status_code=422
        )
    except Forbidden as exc:
        return _forbidden_page(request, session, exc)
    except NotFound:
        return STAFF.problem(request, 404, "没有找到这组相似诉求", "本部门没有这组事项。", session=session)
    return await _cluster_page(request, runtime, session, cluster_id, result=result)
