"""The admin's pages of the workbench (管理), in Chinese, on the shared layout: departments (部门),
staff (人员: add, change roles, activate or deactivate, set a temporary password), routing rules
(分办规则, every change in the audit trail, 操作留痕), the triage queue (待分办: dispatch by hand),
the cases sent back for re-handling (发回重办: re-route to another department, 改派),
the audit trail, who read whose personal data, and the index of every admin page the office has —
the ones other services serve (consultations, the calendar, appeals, dead letters) included.

Each route reads its form into the API's own schema, calls the admin use case the API calls
(`services.routing.admin`, `services.routing.accounts`, `services.routing.actions`) and renders what
comes back; a refusal comes back on the same page, next to its field (422) or at the top (409).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.routing import access, accounts, actions, admin, handlers
from services.routing.actions import CaseAction
from services.routing.labels import (
    APPLICANT_TYPES,
    AUDIT_ACTIONS,
    CHANNELS,
    LABELS,
    ROLES,
    STATES,
)
from services.routing.schemas import (
    DepartmentChange,
    DepartmentCreate,
    DispatchCreate,
    HandlerCreate,
    RerouteCreate,
    RuleCreate,
    RuleIn,
)
from services.routing.sign_in_pages import STAFF
from shared.auth import StaffSession
from shared.codes import Role
from shared.errors import CivicError, Conflict, InvalidInput, NotFound
from shared.http import RuntimeDep
from shared.staff_pages import Shown, refused

__all__ = ["admin_pages"]

ADMIN = "/workbench/admin"

STAFF.templates.env.globals.update(
    roles_labels=ROLES, audit_actions=AUDIT_ACTIONS, applicant_types=APPLICANT_TYPES
)

admin_pages = APIRouter()

FieldErrors = dict[str, list[str]]

DONE = {
    "department": "部门已保存。",
    "staff": "人员已保存。",
    "activated": "已启用该人员。",
    "deactivated": "已停用该人员，其登录已全部结束。",
    "password": "临时密码已设置，请告知本人于首次登录时修改。",
    "rule": "分办规则已保存。",
    "dispatched": "已分办。",
    "rerouted": "已改派，新承办部门将重新办理。",
}


async def admin_session(request: Request) -> StaffSession | Response:
    """The signed-in admin, or the answer for anyone else (the sign-in, or 403)."""
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    if not session.principal.has_any({Role.ADMIN}):
        return STAFF.not_for_you(request, session, "管理功能")
    return session


def _render(
    request: Request, session: StaffSession, template: str, context: Mapping[str, Any], status_code: int = 200
) -> HTMLResponse:
    flash = DONE.get(request.query_params.get("done", ""))
    return STAFF.render(request, template, {"flash": flash, **context}, status_code, session=session)


def _done(url: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"{url}?done={what}", status_code=303)


async def _posted(request: Request, session: StaffSession) -> dict[str, str] | Response:
    values = await STAFF.posted(request)
    return STAFF.csrf_refused(request, session) if values is None else values


CONFLICT = "已存在或已被他人修改，请刷新后再试。"
FIRST = Shown()
"""A form shown the first time: empty."""


def _refused(exc: Exception, values: Mapping[str, str]) -> Shown:
    shown = refused(exc, values, LABELS)
    if isinstance(exc, Conflict):
        return Shown(values, {}, f"{CONFLICT}（{exc.message}）", 409)
    if isinstance(exc, NotFound):
        return Shown(values, {}, f"没有找到。（{exc.message}）", 404)
    return shown


REFUSED = (ValidationError, CivicError)


# --- the index ------------------------------------------------------------------------------------


@admin_pages.get(ADMIN, response_class=HTMLResponse)
async def admin_index(request: Request) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    return _render(request, session, "admin/index.html", {})


# --- departments ----------------------------------------------------------------------------------


async def _departments_page(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSession,
    shown: Shown = FIRST,
) -> HTMLResponse:
    departments = await handlers.list_departments(runtime)
    context = {"departments": departments, **shown.context()}
    return _render(request, session, "admin/departments.html", context, shown.status_code)


@admin_pages.get(f"{ADMIN}/departments", response_class=HTMLResponse)
async def departments_page(request: Request, runtime: RuntimeDep) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    return await _departments_page(request, runtime, session)


@admin_pages.post(f"{ADMIN}/departments", response_class=HTMLResponse)
async def save_department(request: Request, runtime: RuntimeDep) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    values = await _posted(request, session)
    if isinstance(values, Response):
        return values
    fields = {k: values.get(k, "") for k in ("id", "name", "description")}
    try:
        if values.get("existing") == "1":
            change = DepartmentChange(name=fields["name"], description=fields["description"])
            await admin.change_department(runtime, fields["id"], change, session.principal)
        else:
            await admin.add_department(runtime, DepartmentCreate(**fields), session.principal)
    except REFUSED as exc:
        return await _departments_page(request, runtime, session, _refused(exc, values))
    return _done(f"{ADMIN}/departments", "department")


# --- staff ----------------------------------------------------------------------------------------


async def _staff_page(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSession,
    shown: Shown = FIRST,
    chosen: list[str] | None = None,
) -> HTMLResponse:
    people = await admin.list_handlers(runtime, session.principal)
    departments = {d.id: d.name for d in await handlers.list_departments(runtime)}
    context = {
        "people": people,
        "departments": departments,
        "chosen": chosen or [Role.HANDLER.value],
        **shown.context(),
    }
    return _render(request, session, "admin/staff.html", context, shown.status_code)


@admin_pages.get(f"{ADMIN}/staff", response_class=HTMLResponse)
async def staff_page(request: Request, runtime: RuntimeDep) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    return await _staff_page(request, runtime, session)


@admin_pages.post(f"{ADMIN}/staff", response_class=HTMLResponse)
async def save_staff(request: Request, runtime: RuntimeDep) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    values = await _posted(request, session)
    if isinstance(values, Response):
        return values
    roles = (await STAFF.posted_lists(request)).get("roles", [])
    try:
        body = HandlerCreate(
            id=values.get("id", ""),
            name=values.get("name", ""),
            department_id=values.get("department_id", ""),
            roles=roles,
            active=values.get("active", "1") == "1",
        )
        if not body.roles:
            raise InvalidInput("roles", "请至少选择一个角色")
        await admin.put_handler(runtime, body, session.principal)
    except REFUSED as exc:
        return await _staff_page(request, runtime, session, _refused(exc, values), chosen=roles)
    return _done(f"{ADMIN}/staff", "staff")


@admin_pages.post(f"{ADMIN}/staff/{{staff_id}}/active", response_class=HTMLResponse)
async def set_active(request: Request, staff_id: str, runtime: RuntimeDep) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    values = await _posted(request, session)
    if isinstance(values, Response):
        return values
    person = next(
        (p for p in await admin.list_handlers(runtime, session.principal) if p.id == staff_id), None
    )
    if person is None:
        return STAFF.problem(request, 404, "没有找到这名人员", "请从人员列表进入。", session=session)
    active = values.get("active") == "1"
    if not active and staff_id == session.principal.sub:
        return await _staff_page(
            request,
            runtime,
            session,
            Shown(problem="不能停用自己的账户，请由其他管理员操作。", status_code=409),
        )
    body = HandlerCreate(
        id=person.id,
        name=person.name,
        department_id=person.department_id,
        roles=person.roles,
        active=active,
    )
    await admin.put_handler(runtime, body, session.principal)
    return _done(f"{ADMIN}/staff", "activated" if active else "deactivated")


@admin_pages.post(f"{ADMIN}/staff/{{staff_id}}/password", response_class=HTMLResponse)
async def set_password(request: Request, staff_id: str, runtime: RuntimeDep) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    values = await _posted(request, session)
    if isinstance(values, Response):
        return values
    try:
        await accounts.set_password(
            runtime,
            request.app.state.passwords,
            session.principal,
            staff_id,
            values.get("password", ""),
            temporary=True,
            now=datetime.now(UTC),
        )
    except REFUSED as exc:
        shown = _refused(exc, {})
        if shown.errors:
            messages = "；".join(m for ms in shown.errors.values() for m in ms)
            shown = Shown(problem=f"{staff_id} 的密码未设置：{messages}", status_code=shown.status_code)
        return await _staff_page(request, runtime, session, shown)
    return _done(f"{ADMIN}/staff", "password")


# --- routing rules --------------------------------------------------------------------------------


def _rule_fields(values: Mapping[str, str]) -> dict[str, Any]:
    keywords = [w.strip() for w in values.get("keywords", "").replace("，", ",").split(",") if w.strip()]
    priority = values.get("priority", "")
    return {
        "priority": int(priority)
        if priority.isascii() and priority.isdigit()
        else priority,  # the API takes a number only
        "department_id": values.get("department_id", ""),
        "reason": values.get("reason", ""),
        "channel": values.get("channel") or None,
        "mailbox": values.get("mailbox") or None,
        "category": values.get("category") or None,
        "applicant_type": values.get("applicant_type") or None,
        "keywords": keywords,
        "enabled": values.get("enabled", "1") == "1",
    }


async def _rules_page(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSession,
    shown: Shown = FIRST,
) -> HTMLResponse:
    rules = await admin.list_rules(runtime, session.principal)
    departments = {d.id: d.name for d in await handlers.list_departments(runtime)}
    trail = [
        entry
        for entry in await admin.audit_trail(runtime, session.principal, limit=200)
        if entry.action.startswith("rule.")
    ]
    context = {"rules": rules, "departments": departments, "trail": trail, **shown.context()}
    return _render(request, session, "admin/rules.html", context, shown.status_code)


@admin_pages.get(f"{ADMIN}/rules", response_class=HTMLResponse)
async def rules_page(request: Request, runtime: RuntimeDep, edit: str = "") -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    values: dict[str, str] = {}
    if edit:
        rule = next((r for r in await admin.list_rules(runtime, session.principal) if r.id == edit), None)
        if rule is not None:
            values = {
                "id": rule.id,
                "existing": "1",
                "priority": str(rule.priority),
                "department_id": rule.department_id,
                "reason": rule.reason,
                "channel": rule.channel.value if rule.channel else "",
                "mailbox": rule.mailbox or "",
                "category": rule.category or "",
                "applicant_type": rule.applicant_type.value if rule.applicant_type else "",
                "keywords": "，".join(rule.keywords),
                "enabled": "1" if rule.enabled else "0",
            }
    return await _rules_page(request, runtime, session, Shown(values))


@admin_pages.post(f"{ADMIN}/rules", response_class=HTMLResponse)
async def save_rule(request: Request, runtime: RuntimeDep) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    values = await _posted(request, session)
    if isinstance(values, Response):
        return values
    try:
        if values.get("existing") == "1":
            await admin.change_rule(
                runtime, values.get("id", ""), RuleIn(**_rule_fields(values)), session.principal
            )
        else:
            await admin.add_rule(
                runtime, RuleCreate(id=values.get("id", ""), **_rule_fields(values)), session.principal
            )
    except REFUSED as exc:
        return await _rules_page(request, runtime, session, _refused(exc, values))
    return _done(f"{ADMIN}/rules", "rule")


# --- triage ----------------------------------------------------------------------------------------


async def _triage_page(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSession,
    shown: Shown = FIRST,
    failed: str | None = None,
) -> HTMLResponse:
    triage = request.app.state.office.policy.triage_department
    cases = await admin.triage_cases(runtime, session.principal, triage)
    departments = {d.id: d.name for d in await handlers.list_departments(runtime) if d.id != triage}
    bounces = await admin.bounces(runtime, session.principal)
    context = {
        "cases": cases,
        "departments": departments,
        "bounces": bounces,
        "failed": failed,
        **shown.context(),
    }
    return _render(request, session, "admin/triage.html", context, shown.status_code)


@admin_pages.get(f"{ADMIN}/triage", response_class=HTMLResponse)
async def triage_page(request: Request, runtime: RuntimeDep) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    return await _triage_page(request, runtime, session)


@admin_pages.post(f"{ADMIN}/triage/{{case_id}}", response_class=HTMLResponse)
async def dispatch(request: Request, case_id: str, runtime: RuntimeDep) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    values = await _posted(request, session)
    if isinstance(values, Response):
        return values
    try:
        parsed = UUID(case_id)
    except ValueError:
        return STAFF.problem(request, 404, "没有找到这件事项", "请从待分办列表进入。", session=session)
    try:
        body = DispatchCreate(department_id=values.get("department_id", ""), note=values.get("note", ""))
        await actions.act(
            runtime, request.app.state.office, actions.dispatch, CaseAction(parsed, session.principal, body)
        )
    except REFUSED as exc:
        shown = _refused(exc, values)
        if shown.status_code == 409:
            shown = Shown(values, {}, "这件事项已被分办或状态已变化，请刷新后再试。", 409)
        return await _triage_page(request, runtime, session, shown, failed=case_id)
    return _done(f"{ADMIN}/triage", "dispatched")


# --- cases sent back for re-handling (发回重办): re-route (改派) ---------------------------------------


async def _reopened_page(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSession,
    shown: Shown = FIRST,
    failed: str | None = None,
) -> HTMLResponse:
    triage = request.app.state.office.policy.triage_department
    cases = await admin.reopened_cases(runtime, session.principal)
    departments = {d.id: d.name for d in await handlers.list_departments(runtime) if d.id != triage}
    context = {"cases": cases, "departments": departments, "failed": failed, **shown.context()}
    return _render(request, session, "admin/reopened.html", context, shown.status_code)


@admin_pages.get(f"{ADMIN}/reopened", response_class=HTMLResponse)
async def reopened_page(request: Request, runtime: RuntimeDep) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    return await _reopened_page(request, runtime, session)


@admin_pages.post(f"{ADMIN}/reopened/{{case_id}}", response_class=HTMLResponse)
async def reroute(request: Request, case_id: str, runtime: RuntimeDep) -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    values = await _posted(request, session)
    if isinstance(values, Response):
        return values
    try:
        parsed = UUID(case_id)
    except ValueError:
        return STAFF.problem(request, 404, "没有找到这件事项", "请从发回重办列表进入。", session=session)
    try:
        body = RerouteCreate(department_id=values.get("department_id", ""), note=values.get("note", ""))
        await actions.act(
            runtime, request.app.state.office, actions.reroute, CaseAction(parsed, session.principal, body)
        )
    except REFUSED as exc:
        shown = _refused(exc, values)
        if shown.status_code == 422 and "department_id" in shown.errors:
            shown = Shown(values, {"department_id": [REROUTE_TO]}, None, 422)
        elif shown.status_code == 409:
            shown = Shown(values, {}, "这件事项已不在发回重办中（已答复或已改派），请刷新后再试。", 409)
        return await _reopened_page(request, runtime, session, shown, failed=case_id)
    return _done(f"{ADMIN}/reopened", "rerouted")


REROUTE_TO = "请选择本事项现承办部门以外的部门"
"""A re-route refused by its department (none chosen, the same, or one the office does not have)."""


# --- what was done, and who read what ---------------------------------------------------------------


@admin_pages.get(f"{ADMIN}/audit", response_class=HTMLResponse)
async def audit_page(request: Request, runtime: RuntimeDep, kind: str = "") -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    trail = await admin.audit_trail(runtime, session.principal, limit=500)
    kinds: dict[str, Callable[[str], bool]] = {
        "office": lambda action: not action.startswith("staff."),
        "sign-in": lambda action: action.startswith("staff."),
    }
    shown = [entry for entry in trail if kind not in kinds or kinds[kind](entry.action)]
    return _render(request, session, "admin/audit.html", {"trail": shown, "kind": kind})


@admin_pages.get(f"{ADMIN}/access-log", response_class=HTMLResponse)
async def access_page(request: Request, runtime: RuntimeDep, case_id: str = "", actor: str = "") -> Response:
    session = await admin_session(request)
    if isinstance(session, Response):
        return session
    try:
        case = str(UUID(case_id)) if case_id.strip() else None
    except ValueError:
        case = None
    rows = await access.access_log(
        runtime, session.principal, case_id=case, actor_id=actor.strip() or None, limit=200
    )
    context = {"rows": rows, "values": {"case_id": case_id, "actor": actor}}
    return _render(request, session, "admin/access_log.html", context)


STAFF.templates.env.globals.update(channels=CHANNELS, states=STATES)
