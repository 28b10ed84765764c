"""The handler's workbench (办理工作台): server-rendered pages in Chinese for the inbox (待办) and the
case page with its actions, history and forms.

Each route reads the form, calls one use case in :mod:`services.routing.handlers` or
:mod:`services.routing.actions` and renders what it returns; the rules stay in the use cases, which
also decide who may see and act on a case. The pages need no JavaScript.

The handler signs in by pasting a token (``make token ROLE=handler DEPT=...``); it is kept in an
HttpOnly, SameSite=Strict cookie. Every form that changes something carries a CSRF token compared
with a second cookie (double submit). A refused action comes back on the case page: 409 with the
message at the top when the case's state does not allow it, 422 with the message next to its field.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from services.routing import actions, handlers
from services.routing.actions import ActionUseCase, CaseAction
from services.routing.labels import (
    ADOPTIONS,
    APPLICANT_TYPES,
    CHANNELS,
    DELIVERY_FORMS,
    DELIVERY_METHODS,
    DONE,
    LABELS,
    OUTCOME_GROUPS,
    STATES,
)
from services.routing.schemas import (
    ExtensionCreate,
    ReplyCreate,
    ReturnCreate,
    SupplementRequestCreate,
    TaskPublic,
    ThirdPartyConsultationCreate,
    ThirdPartyReplyCreate,
)
from services.routing.task_book import Office
from services.routing.workflow import OPEN, available
from shared.auth import SESSION_COOKIE, Principal, verify_token
from shared.dates import cn_date, cn_datetime, today
from shared.errors import CivicError, Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from shared.http import BASE_STYLESHEET, FORMS_STYLESHEET, RuntimeDep, stylesheet
from shared.runtime import ServiceRuntime

__all__ = ["pages"]

HERE = Path(__file__).resolve().parent
STYLESHEET = HERE / "static" / "workbench.css"
LOGIN = "/workbench/login"
TOKEN_COOKIE = SESSION_COOKIE
CSRF_COOKIE = "civic_csrf"
CSRF_FIELD = "csrf_token"

pages = APIRouter()
templates = Jinja2Templates(directory=HERE / "templates")

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


templates.env.filters["cn_date"] = cn_date
templates.env.filters["cn_datetime"] = cn_datetime
templates.env.globals.update(
    channels=CHANNELS,
    states=STATES,
    adoptions=ADOPTIONS,
    outcome_groups=OUTCOME_GROUPS,
    labels=LABELS,
    applicant_types=APPLICANT_TYPES,
    delivery_forms=DELIVERY_FORMS,
    delivery_methods=DELIVERY_METHODS,
    csrf_field=CSRF_FIELD,
)


def _csrf(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE, "")
    return token if len(token) == 43 else secrets.token_urlsafe(32)


def _page(
    request: Request, template: str, context: Mapping[str, Any], status_code: int = 200
) -> HTMLResponse:
    csrf = _csrf(request)
    response = templates.TemplateResponse(
        request, template, {"csrf": csrf, **context}, status_code=status_code
    )
    # Case pages hold citizens' personal data: keep no copy.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.cookies.get(CSRF_COOKIE) != csrf:
        _set_cookie(request, response, CSRF_COOKIE, csrf)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/workbench",
    )


def _problem_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    return _page(request, "problem.html", {"title": title, "message": message}, status_code)


def _forbidden_page(request: Request, exc: Forbidden) -> HTMLResponse:
    return _problem_page(
        request,
        403,
        "无权办理",
        f"您没有办理这件事项的权限：它不属于您所在的部门，或需要其他角色。（{exc.message}）",
    )


def _not_found_page(request: Request) -> HTMLResponse:
    return _problem_page(request, 404, "没有找到这件事项", "本部门没有这件事项，它可能已转到其他部门。")


def _to(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- who is signed in ---------------------------------------------------------------------------


def _principal(request: Request) -> Principal | None:
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        return None
    try:
        return verify_token(request.app.state.jwt_key, token)
    except Unauthorized:
        return None


async def _posted(request: Request) -> dict[str, str] | None:
    """The posted text fields, or None when the CSRF token does not match its cookie."""
    form = await request.form()
    values = {name: value.strip() for name, value in form.items() if isinstance(value, str)}
    cookie = request.cookies.get(CSRF_COOKIE, "")
    # compare_digest takes only ASCII str; bytes accept whatever was posted.
    if not cookie or not secrets.compare_digest(cookie.encode(), values.get(CSRF_FIELD, "").encode()):
        return None
    return values


def _csrf_refused(request: Request) -> HTMLResponse:
    return _problem_page(request, 403, "表单已过期", "表单的安全校验没有通过，请返回上一页刷新后重新提交。")


# --- the case page ------------------------------------------------------------------------------------


def _available(task: TaskPublic) -> list[str]:
    """The forms to offer in this state: the state machine's (`services.routing.workflow`)."""
    return [action.value for action in available(task.channel, task.state)]


async def _case_page(
    request: Request,
    runtime: ServiceRuntime,
    case_id: UUID,
    principal: Principal,
    *,
    action: str | None = None,
    values: Mapping[str, str] | None = None,
    errors: FieldErrors | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        detail = await handlers.case_detail(runtime, case_id, principal)
    except Forbidden as exc:
        return _forbidden_page(request, exc)
    except NotFound:
        return _not_found_page(request)
    flash = DONE.get(request.query_params.get("done", "")) if action is None else None
    return _page(
        request,
        "case.html",
        {
            "principal": principal,
            "task": detail.task,
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
    )


# --- form bodies --------------------------------------------------------------------------------


def _days(values: Mapping[str, str]) -> int | str:
    raw = values.get("working_days", "")
    return int(raw) if raw.isdigit() else raw


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
    return ThirdPartyReplyCreate.model_validate({"note": v.get("note") or None})


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
            elif kind == "string_too_long":
                message = f"{label}不能超过 {error.get('ctx', {}).get('max_length')} 个字"
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


@pages.get("/workbench/static/base.css")
async def base_stylesheet() -> FileResponse:
    return stylesheet(BASE_STYLESHEET)


@pages.get("/workbench/static/forms.css")
async def forms_stylesheet() -> FileResponse:
    return stylesheet(FORMS_STYLESHEET)


@pages.get("/workbench/static/workbench.css")
async def own_stylesheet() -> FileResponse:
    return stylesheet(STYLESHEET)


@pages.get("/workbench/login", response_class=HTMLResponse)
async def login_form(request: Request) -> HTMLResponse:
    return _page(request, "login.html", {"errors": {}})


@pages.post("/workbench/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    values = await _posted(request)
    if values is None:
        return _csrf_refused(request)
    token = "".join(values.get("token", "").split())
    try:
        verify_token(request.app.state.jwt_key, token)
    except Unauthorized:
        message = "请粘贴令牌" if not token else "令牌无效或已过期，请重新生成"
        return _page(request, "login.html", {"errors": {"token": [message]}}, 422)
    response = _to("/workbench")
    _set_cookie(request, response, TOKEN_COOKIE, token)
    return response


@pages.post("/workbench/logout")
async def logout(request: Request) -> Response:
    if await _posted(request) is None:
        return _csrf_refused(request)
    response = _to(LOGIN)
    response.delete_cookie(TOKEN_COOKIE, path="/workbench")
    return response


@pages.get("/workbench", response_class=HTMLResponse)
async def inbox(request: Request, runtime: RuntimeDep, channel: str = "", state: str = "") -> Response:
    principal = _principal(request)
    if principal is None:
        return _to(LOGIN)
    channel = channel if channel in CHANNELS else ""
    state = state if state in STATES else ""
    try:
        tasks = await handlers.list_tasks(runtime, principal, state=state or None)
    except Forbidden as exc:
        return _forbidden_page(request, exc)
    shown = [
        task for task in tasks if (state or task.state in OPEN) and (not channel or task.channel == channel)
    ]
    day = today()
    return _page(
        request,
        "inbox.html",
        {
            "principal": principal,
            "rows": [(task, due_marker(task, day)) for task in shown],
            "channel": channel,
            "state": state,
        },
    )


@pages.get("/workbench/cases/{case_id}", response_class=HTMLResponse)
async def case_page(request: Request, case_id: str, runtime: RuntimeDep) -> Response:
    principal = _principal(request)
    if principal is None:
        return _to(LOGIN)
    try:
        parsed = UUID(case_id)
    except ValueError:
        return _not_found_page(request)
    return await _case_page(request, runtime, parsed, principal)


@pages.post("/workbench/cases/{case_id}/{action}", response_class=HTMLResponse)
async def act(request: Request, case_id: str, action: str, runtime: RuntimeDep) -> Response:
    principal = _principal(request)
    if principal is None:
        return _to(LOGIN)
    form = ACTIONS.get(action)
    try:
        parsed = UUID(case_id)
    except ValueError:
        form = None
    if form is None:
        return _not_found_page(request)
    values = await _posted(request)
    if values is None:
        return _csrf_refused(request)
    office: Office = request.app.state.office

    async def again(
        status_code: int, errors: FieldErrors | None = None, problem: str | None = None
    ) -> HTMLResponse:
        return await _case_page(
            request,
            runtime,
            parsed,
            principal,
            action=action,
            values=values,
            errors=errors,
            problem=problem,
            status_code=status_code,
        )

    try:
        use_case, body_of = form
        await actions.act(runtime, office, use_case, CaseAction(parsed, principal, body_of(values)))
    except (ValidationError, InvalidInput) as exc:
        return await again(422, errors=_field_errors(exc))
    except Conflict as exc:
        return await again(409, problem=f"案件当前的状态不允许这样办理，请刷新后再试。（{exc.message}）")
    except Forbidden as exc:
        # A missing role shows the case page with the reason; another department's case, the 403 page.
        return await again(403, problem=f"您没有这项操作的权限。（{exc.message}）")
    except NotFound:
        return _not_found_page(request)
    except CivicError as exc:
        return await again(exc.status_code, problem=exc.message)
    return _to(f"/workbench/cases/{parsed}?done={action}")
