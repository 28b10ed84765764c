"""Intake's staff pages on the shared workbench layout, in Chinese: the registry (来件登记), where a clerk
registers a disclosure request or a letter that came by post, in person or by fax — with how it came
and the receipt date the rules give (OGI Art. 31) — and hands or posts the receipt with its tracking
code; and the erasures (个人信息删除) an admin makes on a person's request, with their record.

The forms go through the use cases the API calls, with the clerk as the caller (only registry staff
may say how and when a submission came); a refused form comes back with each message next to its
field and what was typed kept, as on the citizen's portal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from uuid import uuid4

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.intake import erasure, handlers
from services.intake.labels import (
    APPLICANT_TYPES,
    CHANNELS,
    DELIVERY_FORMS,
    DELIVERY_METHODS,
    NOTIFY_BY,
    RECEIVED_VIA,
)
from services.intake.pages import FormSpec, application_of, field_errors, form_key, letter_of
from services.intake.schemas import ErasureCreate, Receipt
from shared.auth import StaffSession
from shared.codes import Channel, Role
from shared.errors import CivicError, Conflict, InvalidInput
from shared.http import RuntimeDep
from shared.staff_pages import StaffPages, errors_of

__all__ = ["staff_pages"]

STAFF = StaffPages(Path(__file__).resolve().parent / "templates" / "staff")
STAFF.templates.env.globals.update(
    applicant_types={k.value: v for k, v in APPLICANT_TYPES.items()},
    delivery_forms={k.value: v for k, v in DELIVERY_FORMS.items()},
    delivery_methods={k.value: v for k, v in DELIVERY_METHODS.items()},
    received_via={k.value: v for k, v in RECEIVED_VIA.items()},
    notify_by_options={k.value: v for k, v in NOTIFY_BY.items()},
    channels=CHANNELS,
    mailbox_groups=lambda mailboxes: [
        (m.name, {f"{m.id}|{category}": category for category in m.categories}) for m in mailboxes
    ],
)

REGISTRY = "/workbench/registry"
ERASURES = "/workbench/erasures"

ARRIVAL = {"received_via": "来件方式", "received_at": "收件日期"}
DISCLOSURE = FormSpec(
    "registry_disclosure.html",
    {
        **ARRIVAL,
        "applicant_type": "申请人类型",
        "applicant_name": "姓名",
        "applicant_organisation": "单位名称",
        "applicant_id_number": "证件号码",
        "applicant_phone": "联系电话",
        "applicant_email": "电子邮箱",
        "applicant_address": "通信地址",
        "notify_by": "办理进度告知方式",
        "description": "所需信息的内容描述",
        "purpose": "用途",
        "delivery_form": "信息的提供形式",
        "delivery_method": "信息的获取方式",
    },
    choices=frozenset({"received_via", "applicant_type", "delivery_form", "delivery_method"}),
)
LETTER = FormSpec(
    "registry_mailbox.html",
    {
        **ARRIVAL,
        "mailbox_category": "信箱和类别",
        "subject": "标题",
        "body": "内容",
        "contact_name": "姓名",
        "contact_phone": "联系电话",
        "contact_email": "电子邮箱",
        "contact_address": "通信地址",
        "notify_by": "办理进度告知方式",
        "publish_consent": "同意公开",
    },
    choices=frozenset({"received_via", "mailbox_category"}),
)

staff_pages = APIRouter()
staff_pages.include_router(STAFF.stylesheets())


async def _staff(request: Request, role: Role, what: str) -> StaffSession | Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    if not session.principal.has_any({role}):
        return STAFF.not_for_you(request, session, what)
    return session


def _optional(values: Mapping[str, str], name: str) -> str | None:
    return values.get(name, "").strip() or None


# --- the registry -----------------------------------------------------------------------------------


@staff_pages.get(REGISTRY, response_class=HTMLResponse)
async def registry(request: Request) -> Response:
    session = await _staff(request, Role.STAFF, "来件登记")
    if isinstance(session, Response):
        return session
    return STAFF.render(request, "registry.html", {}, session=session)


async def _form(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSession,
    spec: FormSpec,
    values: Mapping[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HTMLResponse:
    values = {"form_key": uuid4().hex, **(values or {})}
    mailboxes = await handlers.list_mailboxes(runtime) if spec is LETTER else []
    context = {"values": values, "errors": errors or {}, "labels": spec.labels, "mailboxes": mailboxes}
    return STAFF.render(request, spec.template, context, 422 if errors else 200, session=session)


async def _register(
    request: Request,
    runtime: RuntimeDep,
    spec: FormSpec,
    channel: Channel,
    submit: Callable[[dict[str, str], StaffSession], Awaitable[Receipt]],
) -> Response:
    session = await _staff(request, Role.STAFF, "来件登记")
    if isinstance(session, Response):
        return session
    if request.method == "GET":
        return await _form(request, runtime, session, spec)
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    try:
        receipt = await submit(values, session)
    except (ValidationError, InvalidInput) as exc:
        return await _form(request, runtime, session, spec, values, field_errors(exc, spec))
    except Conflict:
        return STAFF.problem(
            request,
            409,
            "这份登记已经提交过",
            "查询码见当时的回执；如需另行登记，请重新打开表单。",
            session=session,
        )
    context = {"receipt": receipt, "channel": channel, "code_groups": receipt.tracking_code.split("-")}
    return STAFF.render(request, "registry_receipt.html", context, 201, session=session)


def _arrival(values: Mapping[str, str]) -> dict[str, Any]:
    return {"received_via": values.get("received_via", ""), "received_at": _optional(values, "received_at")}


@staff_pages.api_route(f"{REGISTRY}/disclosure", methods=["GET", "POST"], response_class=HTMLResponse)
async def register_disclosure(request: Request, runtime: RuntimeDep) -> Response:
    async def submit(values: dict[str, str], session: StaffSession) -> Receipt:
        return await handlers.submit_disclosure_request(
            runtime,
            application_of(values, **_arrival(values)),
            principal=session.principal,
            idempotency_key=form_key(values),
        )

    return await _register(request, runtime, DISCLOSURE, Channel.DISCLOSURE_REQUEST, submit)


@staff_pages.api_route(f"{REGISTRY}/mailbox", methods=["GET", "POST"], response_class=HTMLResponse)
async def register_letter(request: Request, runtime: RuntimeDep) -> Response:
    async def submit(values: dict[str, str], session: StaffSession) -> Receipt:
        return await handlers.submit_mailbox_message(
            runtime,
            letter_of(values, **_arrival(values)),
            principal=session.principal,
            idempotency_key=form_key(values),
        )

    return await _register(request, runtime, LETTER, Channel.MAILBOX, submit)


# --- erasures on request ------------------------------------------------------------------------------


async def _erasures_page(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSession,
    *,
    values: Mapping[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows = await erasure.list_erasures(runtime)
    flash = "已删除该事项的个人信息，封存记录按规定保存。" if request.query_params.get("done") else None
    context = {
        "rows": rows,
        "values": values or {},
        "errors": errors or {},
        "problem": problem,
        "flash": flash,
    }
    return STAFF.render(request, "erasures.html", context, status_code, session=session)


@staff_pages.get(ERASURES, response_class=HTMLResponse)
async def erasures_page(request: Request, runtime: RuntimeDep) -> Response:
    session = await _staff(request, Role.ADMIN, "个人信息删除")
    if isinstance(session, Response):
        return session
    return await _erasures_page(request, runtime, session)


@staff_pages.post(ERASURES, response_class=HTMLResponse)
async def erase(request: Request, runtime: RuntimeDep) -> Response:
    session = await _staff(request, Role.ADMIN, "个人信息删除")
    if isinstance(session, Response):
        return session
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    try:
        body = ErasureCreate.model_validate(
            {"case_id": values.get("case_id", ""), "reason": values.get("reason", "")}
        )
        await erasure.erase_on_request(
            runtime, body, session.principal, retention_days=request.app.state.retention_days
        )
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "case_id"
            errors.setdefault(name, []).append(
                "请填写事项编号（如 29c9…的完整编号）"
                if name == "case_id"
                else "请写明删除理由（至少 2 个字）"
            )
        return await _erasures_page(request, runtime, session, values=values, errors=errors, status_code=422)
    except InvalidInput as exc:
        return await _erasures_page(
            request, runtime, session, values=values, errors=errors_of(exc), status_code=422
        )
    except CivicError as exc:
        problem = {404: "没有这个事项。", 409: "这件事项尚未办结，或其个人信息已经删除，不能删除。"}.get(
            exc.status_code, exc.message
        )
        return await _erasures_page(
            request, runtime, session, values=values, problem=problem, status_code=exc.status_code
        )
    return RedirectResponse(f"{ERASURES}?done=1", status_code=303)
