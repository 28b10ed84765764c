"""The citizen's portal (市民端): server-rendered pages in Chinese for the three forms, the receipt
and the tracking page.

Each route reads the form, calls one use case in :mod:`services.intake.handlers` and renders what it
returns; the rules stay in the use cases. The pages need no JavaScript. An invalid form comes back
with status 422, the entered values kept and each message next to its field; the use cases' field
names (``contact.phone``, ``applicant.id_number``) map to the inputs' names (``contact_phone`` ...).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlmodel import col, select

from services.intake import handlers, notice_shelf, questions, recovery
from services.intake.config import IntakeSettings
from services.intake.db import ConsultationView
from services.intake.domain import normalise_tracking_code
from services.intake.labels import (
    APPLICANT_TYPES,
    CHANNELS,
    DELIVERY_FORMS,
    DELIVERY_METHODS,
    NOTIFY_BY,
    RATINGS,
    STATUSES,
)
from services.intake.limits import DatabaseWindow, client_address
from services.intake.notifications.choice import NotifyBy
from services.intake.recovery_rules import Check, address_hash, normalise_address
from services.intake.schemas import (
    CaseStatusPublic,
    CommentCreate,
    DisclosureRequestCreate,
    MailboxMessageCreate,
    QuestionCreate,
    RatingCreate,
    Receipt,
    SupplementCreate,
)
from services.intake.unit_of_work import IntakeUnitOfWork
from shared.codes import ApplicantType, Channel, DeliveryForm, DeliveryMethod, Rating
from shared.dates import cn_date, cn_datetime, today
from shared.errors import Conflict, InvalidInput, NotFound
from shared.http import BASE_STYLESHEET, FORMS_STYLESHEET, RuntimeDep, stylesheet
from shared.notice_documents import PRIVATE_DOCUMENT
from shared.runtime import ServiceRuntime
from shared.text import clean_text, text_too_long
from shared.uow import CommandUseCase

__all__ = [
    "FormSpec",
    "application_of",
    "field_errors",
    "form_key",
    "letter_of",
    "open_consultations",
    "pages",
]

HERE = Path(__file__).resolve().parent
STYLESHEET = HERE / "static" / "portal.css"

pages = APIRouter()
templates = Jinja2Templates(directory=HERE / "templates")


PHONE_MESSAGE = "格式不正确：手机号码为 11 位数字（以 13–19 开头），固定电话请带区号，如 0531-12345678"
ID_NUMBER_MESSAGE = "不正确：请核对 18 位居民身份证号码或统一社会信用代码，最后一位校验码对不上"
EMAIL_MESSAGE = "格式不正确，例如 zhangsan@example.com"

# What the use cases' rules (InvalidInput) say, in the citizen's language: (field, words in the
# English message, Chinese). A message not listed here is shown as the use case wrote it.
RULE_MESSAGES = (
    ("mailbox", "unknown mailbox", "请从列表中选择信箱"),
    ("category", "takes the categories", "所选信箱不受理这一类别，请重新选择"),
    ("applicant.name", "name", "自然人申请须填写姓名"),
    ("applicant.id_number", "not a credit code", "自然人请填写 18 位居民身份证号码"),
    ("applicant.id_number", "unified social credit code", "以单位名义申请的，请填写单位的统一社会信用代码"),
    ("applicant.id_number", "ID number", "自然人申请须填写身份证号码"),
    ("applicant.organisation", "organisation", "法人或其他组织以单位名义申请，请填写单位名称"),
    ("applicant.phone", "at least one way", "请至少填写一种联系方式：联系电话、电子邮箱或通信地址"),
    ("applicant.address", "by post", "选择邮寄时须填写通信地址"),
    ("applicant.email", "by email", "选择电子邮件时须填写电子邮箱"),
    ("notify_by", "by email", "选择电子邮件告知的，请填写电子邮箱"),
    ("notify_by", "by SMS", "选择短信告知的，请填写手机号码（固定电话收不到短信）"),
    ("received_at", "needs the receipt date", "请填写收件日期"),
    ("received_at", "in the future", "收件日期不能晚于今天"),
)

_FORM_KEY = re.compile(r"[0-9a-f]{32}")
_MAX_CODE_LENGTH = 64


@dataclass(frozen=True)
class FormSpec:
    """One form: its inputs (name → label, in page order), which are choices, and where errors link."""

    template: str
    labels: Mapping[str, str]
    choices: frozenset[str] = frozenset()
    anchors: Mapping[str, str] = field(default_factory=dict)

    def input_for(self, api_field: str) -> str:
        name = {"mailbox": "mailbox_category", "category": "mailbox_category"}.get(api_field, api_field)
        return name.replace(".", "_")


MAILBOX_FORM = FormSpec(
    "mailbox.html",
    {
        "mailbox_category": "信箱和类别",
        "subject": "标题",
        "body": "内容",
        "contact_name": "姓名",
        "contact_phone": "联系电话",
        "contact_email": "电子邮箱",
        "notify_by": "办理进度告知方式",
        "publish_consent": "同意公开",
    },
    choices=frozenset({"mailbox_category", "notify_by"}),
    anchors={"notify_by": f"notify_by-{NotifyBy.NONE.value}"},
)
COMMENT_FORM = FormSpec(
    "comment.html",
    {
        "body": "意见内容",
        "clause": "涉及条款",
        "contact_name": "姓名",
        "contact_phone": "联系电话",
        "contact_email": "电子邮箱",
        "notify_by": "办理进度告知方式",
    },
    choices=frozenset({"notify_by"}),
    anchors={"notify_by": f"notify_by-{NotifyBy.NONE.value}"},
)
QUESTION_FORM = FormSpec(
    "question.html",
    {
        "body": "您的问题",
        "contact_name": "姓名",
        "contact_phone": "联系电话",
        "contact_email": "电子邮箱",
        "notify_by": "办理进度告知方式",
    },
    choices=frozenset({"notify_by"}),
    anchors={"notify_by": f"notify_by-{NotifyBy.NONE.value}"},
)
DISCLOSURE_FORM = FormSpec(
    "disclosure.html",
    {
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
    choices=frozenset({"applicant_type", "delivery_form", "delivery_method", "notify_by"}),
    anchors={
        "notify_by": f"notify_by-{NotifyBy.NONE.value}",
        "applicant_type": f"applicant_type-{ApplicantType.NATURAL_PERSON.value}",
        "delivery_form": f"delivery_form-{DeliveryForm.PAPER.value}",
        "delivery_method": f"delivery_method-{DeliveryMethod.POST.value}",
    },
)

FieldErrors = dict[str, list[str]]


# --- reading ------------------------------------------------------------------------------------


async def open_consultations(runtime: ServiceRuntime) -> list[ConsultationView]:
    """Consultations taking comments today, the one closing soonest first."""
    day = today()
    async with runtime.database.session() as session:
        rows = await session.exec(
            select(ConsultationView)
            .where(
                col(ConsultationView.closed).is_(False),
                col(ConsultationView.opens_on) <= day,
                col(ConsultationView.closes_on) >= day,
            )
            .order_by(col(ConsultationView.closes_on), col(ConsultationView.title))
        )
        return list(rows.all())


async def _consultation(runtime: ServiceRuntime, consultation_id: UUID) -> ConsultationView | None:
    async with runtime.database.session() as session:
        return await session.get(ConsultationView, str(consultation_id))


def _closed_message(consultation: ConsultationView) -> str | None:
    """Why a consultation takes no comment today, for the page; the use case decides on a submission."""
    day = today()
    if consultation.closed or day > consultation.closes_on:
        return f"“{consultation.title}”的意见征集已于{cn_date(consultation.closes_on)}结束，不再接收意见。"
    if day < consultation.opens_on:
        return f"“{consultation.title}”的意见征集将于{cn_date(consultation.opens_on)}开始，届时再来发表意见。"
    return None


# --- rendering ----------------------------------------------------------------------------------


templates.env.filters["cn_date"] = cn_date
templates.env.filters["cn_datetime"] = cn_datetime
templates.env.globals.update(
    channels=CHANNELS,
    applicant_types=APPLICANT_TYPES,
    delivery_forms=DELIVERY_FORMS,
    delivery_methods=DELIVERY_METHODS,
    notify_by_options={by.value: label for by, label in NOTIFY_BY.items()},
    statuses=STATUSES,
    ratings={rating.value: label for rating, label in RATINGS.items()},
)


def _page(
    request: Request, template: str, context: Mapping[str, Any], status_code: int = 200
) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, dict(context), status_code=status_code)
    # Receipts, tracking pages and refused forms hold a tracking code or personal data: keep no copy.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _problem_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    return _page(request, "problem.html", {"title": title, "message": message}, status_code)


def _form_page(
    request: Request,
    spec: FormSpec,
    context: Mapping[str, Any],
    values: Mapping[str, str] | None = None,
    errors: FieldErrors | None = None,
) -> HTMLResponse:
    values = dict(values or {})
    values.setdefault("form_key", uuid4().hex)
    values.setdefault("notify_by", NotifyBy.NONE.value)
    errors = errors or {}
    summary = [
        {"anchor": spec.anchors.get(name, name) if name in spec.labels else None, "message": message}
        for name, messages in errors.items()
        for message in messages
    ]
    return _page(
        request,
        spec.template,
        {**context, "values": values, "errors": errors, "error_summary": summary},
        status_code=422 if errors else 200,
    )


def _receipt_page(
    request: Request, receipt: Receipt, channel: Channel, about: str | None = None
) -> HTMLResponse:
    return _page(
        request,
        "receipt.html",
        {
            "channel": channel,
            "about": about,
            "tracking_code": receipt.tracking_code,
            "code_groups": receipt.tracking_code.split("-"),
            "receipt_date": receipt.receipt_date,
            "received_at": receipt.received_at,
        },
        status_code=201,
    )


# --- form values and errors ---------------------------------------------------------------------


async def _form_values(request: Request) -> dict[str, str]:
    """The text fields of the posted form, cleaned (`shared.text.clean_text`: a line break counts once,
    as the browser counted it) and trimmed; files are ignored (本系统不接收附件)."""
    form = await request.form()
    return {name: clean_text(value).strip() for name, value in form.items() if isinstance(value, str)}


def _optional(values: Mapping[str, str], name: str) -> str | None:
    return values.get(name, "").strip() or None


def letter_of(values: Mapping[str, str], **registered: Any) -> MailboxMessageCreate:
    """The letter a mailbox form holds (the portal's, or the registry's with how and when it came)."""
    mailbox, _, category = values.get("mailbox_category", "").partition("|")
    contact = _contact(values, "contact")
    if "contact_address" in values:
        contact["address"] = _optional(values, "contact_address")
    return MailboxMessageCreate.model_validate(
        {
            **registered,
            "mailbox": mailbox,
            "category": category,
            "subject": values.get("subject", ""),
            "body": values.get("body", ""),
            "contact": contact,
            "publish_consent": values.get("publish_consent") == "yes",
            **_notify_by(values),
        }
    )


def application_of(values: Mapping[str, str], **registered: Any) -> DisclosureRequestCreate:
    """The application a disclosure form holds (the portal's, or the registry's)."""
    return DisclosureRequestCreate.model_validate(
        {
            **registered,
            "applicant": {
                "type": values.get("applicant_type", ""),
                **{
                    part: _optional(values, f"applicant_{part}")
                    for part in ("name", "id_number", "phone", "email", "address", "organisation")
                },
            },
            "description": values.get("description", ""),
            "purpose": _optional(values, "purpose"),
            "delivery_form": values.get("delivery_form", ""),
            "delivery_method": values.get("delivery_method", ""),
            **_notify_by(values),
        }
    )


def _notify_by(values: Mapping[str, str]) -> dict[str, str]:
    """The way to be told the form chose; a form without the choice (an older page) chose none."""
    return {"notify_by": values["notify_by"]} if values.get("notify_by") else {}


def _contact(values: Mapping[str, str], prefix: str) -> dict[str, str | None]:
    return {part: _optional(values, f"{prefix}_{part}") for part in ("name", "phone", "email")}


def form_key(values: Mapping[str, str]) -> str | None:
    """The hidden key each rendered form carries: sending the same form twice gives one case."""
    key = values.get("form_key", "")
    return key if _FORM_KEY.fullmatch(key) else None


def field_errors(exc: ValidationError | InvalidInput, spec: FormSpec) -> FieldErrors:
    found: list[tuple[str, str]] = []
    if isinstance(exc, ValidationError):
        for error in exc.errors():
            api_field = ".".join(str(part) for part in error["loc"])
            found.append((spec.input_for(api_field), _schema_message(spec, api_field, error)))
    else:
        for detail in exc.details or []:
            api_field = str(detail["field"])
            found.append((spec.input_for(api_field), _rule_message(api_field, str(detail["message"]))))
    errors: FieldErrors = {name: [] for name in spec.labels}
    for name, message in found:
        messages = errors.setdefault(name, [])
        if message not in messages:
            messages.append(message)
    return {name: messages for name, messages in errors.items() if messages}


def _schema_message(spec: FormSpec, api_field: str, error: ErrorDetails) -> str:
    name = spec.input_for(api_field)
    label = spec.labels.get(name, api_field)
    kind = error["type"]
    if name in spec.choices:
        return f"请选择{label}"
    if kind in ("missing", "string_too_short"):
        return f"请填写{label}"
    if (limit := text_too_long(error)) is not None:
        return f"{label}不能超过 {limit} 个字"
    if api_field.endswith("phone"):
        return label + PHONE_MESSAGE
    if api_field.endswith("id_number"):
        return label + ID_NUMBER_MESSAGE
    if api_field.endswith("email"):
        return label + EMAIL_MESSAGE
    return f"{label}填写有误：{error['msg']}"


def _rule_message(api_field: str, message: str) -> str:
    for rule_field, words, chinese in RULE_MESSAGES:
        if api_field == rule_field and words in message:
            return chinese
    return message


async def _submit_form(
    request: Request,
    spec: FormSpec,
    context: Mapping[str, Any],
    submit: Callable[[dict[str, str]], Awaitable[Receipt]],
    channel: Channel,
    about: str | None = None,
) -> HTMLResponse:
    values = await _form_values(request)
    try:
        receipt = await submit(values)
    except (ValidationError, InvalidInput) as exc:
        return _form_page(request, spec, context, values, field_errors(exc, spec))
    return _receipt_page(request, receipt, channel, about)


def _sent_before_page(request: Request) -> HTMLResponse:
    """The same rendered form (its hidden key) came back with other content: the first one counts."""
    return _problem_page(
        request,
        409,
        "这份表单已经提交过",
        "这份表单已经提交并受理，查询码见当时的回执页面；修改后的内容没有再次提交。"
        "如需另写一份，请重新打开表单填写。",
    )


# --- routes ---------------------------------------------------------------------------------------


@pages.get("/static/base.css")
async def base_stylesheet() -> FileResponse:
    return stylesheet(BASE_STYLESHEET)


@pages.get("/static/forms.css")
async def forms_stylesheet() -> FileResponse:
    return stylesheet(FORMS_STYLESHEET)


@pages.get("/static/portal.css")
async def own_stylesheet() -> FileResponse:
    return stylesheet(STYLESHEET)


@pages.get("/", response_class=HTMLResponse)
async def home(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    return _page(
        request,
        "home.html",
        {
            "mailboxes": await handlers.list_mailboxes(runtime),
            "consultations": await open_consultations(runtime),
            "interviews": await questions.open_interviews(runtime),
        },
    )


@pages.get("/mailbox", response_class=HTMLResponse)
async def mailbox_form(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    return _form_page(request, MAILBOX_FORM, {"mailboxes": await handlers.list_mailboxes(runtime)})


@pages.post("/mailbox", response_class=HTMLResponse)
async def mailbox_submit(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    async def submit(values: dict[str, str]) -> Receipt:
        return await handlers.submit_mailbox_message(
            runtime, letter_of(values), idempotency_key=form_key(values)
        )

    context = {"mailboxes": await handlers.list_mailboxes(runtime)}
    try:
        return await _submit_form(request, MAILBOX_FORM, context, submit, Channel.MAILBOX)
    except Conflict:
        return _sent_before_page(request)


def _parse_consultation_id(raw: str) -> UUID | None:
    try:
        return UUID(raw)
    except ValueError:
        return None


_NO_CONSULTATION = ("没有找到这项意见征集", "您访问的意见征集不存在，请从首页的“正在征求意见”列表进入。")


@pages.get("/consultations/{consultation_id}/comment", response_class=HTMLResponse)
async def comment_form(request: Request, consultation_id: str, runtime: RuntimeDep) -> HTMLResponse:
    parsed = _parse_consultation_id(consultation_id)
    consultation = await _consultation(runtime, parsed) if parsed else None
    if consultation is None:
        return _problem_page(request, 404, *_NO_CONSULTATION)
    closed = _closed_message(consultation)
    if closed:
        return _problem_page(request, 409, "意见征集未在进行", closed)
    return _form_page(request, COMMENT_FORM, {"consultation": consultation})


@pages.post("/consultations/{consultation_id}/comment", response_class=HTMLResponse)
async def comment_submit(request: Request, consultation_id: str, runtime: RuntimeDep) -> HTMLResponse:
    parsed = _parse_consultation_id(consultation_id)
    consultation = await _consultation(runtime, parsed) if parsed else None
    if parsed is None or consultation is None:
        return _problem_page(request, 404, *_NO_CONSULTATION)

    async def submit(values: dict[str, str]) -> Receipt:
        contact = _contact(values, "contact")
        comment = CommentCreate.model_validate(
            {
                "body": values.get("body", ""),
                "clause": _optional(values, "clause"),
                "contact": contact if any(contact.values()) else None,
                **_notify_by(values),
            }
        )
        return await handlers.submit_comment(runtime, parsed, comment, idempotency_key=form_key(values))

    try:
        return await _submit_form(
            request,
            COMMENT_FORM,
            {"consultation": consultation},
            submit,
            Channel.CONSULTATION_COMMENT,
            about=consultation.title,
        )
    except NotFound:
        return _problem_page(request, 404, *_NO_CONSULTATION)
    except Conflict:
        closed = _closed_message(await _consultation(runtime, parsed) or consultation)
        return (
            _problem_page(request, 409, "意见征集未在进行", closed) if closed else _sent_before_page(request)
        )


_NO_INTERVIEW = ("没有找到这场访谈", "您访问的在线访谈不存在，请从首页的“在线访谈”列表进入。")
_INTERVIEW_CLOSED = "“{title}”已不再征集问题。访谈实录经审核后在政务公开栏目公布。"


@pages.get("/interviews/{interview_id}/question", response_class=HTMLResponse)
async def question_form(request: Request, interview_id: str, runtime: RuntimeDep) -> HTMLResponse:
    parsed = _parse_consultation_id(interview_id)
    interview = await questions.interview(runtime, parsed) if parsed else None
    if interview is None:
        return _problem_page(request, 404, *_NO_INTERVIEW)
    if not questions.takes_questions(interview):
        closed = _INTERVIEW_CLOSED.format(title=interview.title)
        return _problem_page(request, 409, "访谈不再征集问题", closed)
    return _form_page(request, QUESTION_FORM, {"interview": interview})


@pages.post("/interviews/{interview_id}/question", response_class=HTMLResponse)
async def question_submit(request: Request, interview_id: str, runtime: RuntimeDep) -> HTMLResponse:
    """Send a question: the receipt with its tracking code, like a comment's."""
    parsed = _parse_consultation_id(interview_id)
    interview = await questions.interview(runtime, parsed) if parsed else None
    if parsed is None or interview is None:
        return _problem_page(request, 404, *_NO_INTERVIEW)

    async def submit(values: dict[str, str]) -> Receipt:
        contact = _contact(values, "contact")
        question = QuestionCreate.model_validate(
            {
                "body": values.get("body", ""),
                "contact": contact if any(contact.values()) else None,
                **_notify_by(values),
            }
        )
        return await questions.submit_question(runtime, parsed, question, idempotency_key=form_key(values))

    try:
        return await _submit_form(
            request,
            QUESTION_FORM,
            {"interview": interview},
            submit,
            Channel.INTERVIEW_QUESTION,
            about=interview.title,
        )
    except NotFound:
        return _problem_page(request, 404, *_NO_INTERVIEW)
    except Conflict:
        if not questions.takes_questions(await questions.interview(runtime, parsed) or interview):
            closed = _INTERVIEW_CLOSED.format(title=interview.title)
            return _problem_page(request, 409, "访谈不再征集问题", closed)
        return _sent_before_page(request)


@pages.get("/disclosure", response_class=HTMLResponse)
async def disclosure_form(request: Request) -> HTMLResponse:
    return _form_page(request, DISCLOSURE_FORM, {})


@pages.post("/disclosure", response_class=HTMLResponse)
async def disclosure_submit(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    async def submit(values: dict[str, str]) -> Receipt:
        return await handlers.submit_disclosure_request(
            runtime, application_of(values), principal=None, idempotency_key=form_key(values)
        )

    try:
        return await _submit_form(request, DISCLOSURE_FORM, {}, submit, Channel.DISCLOSURE_REQUEST)
    except Conflict:
        return _sent_before_page(request)


@pages.get("/track", response_class=HTMLResponse)
async def track(request: Request, runtime: RuntimeDep, code: str | None = None) -> HTMLResponse:
    if code is None:
        return _page(request, "track.html", {"code": ""})
    code = code.strip()
    if not code:
        return _page(request, "track.html", {"code": "", "code_error": "请输入查询码"}, 422)
    return await _tracking_page(request, runtime, code)


async def _tracking_page(
    request: Request,
    runtime: ServiceRuntime,
    code: str,
    extra: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The case the tracking code finds, with its notices and the follow-ups it takes now; 404 if none."""
    case: CaseStatusPublic | None = None
    if len(code) <= _MAX_CODE_LENGTH:
        try:
            case = await handlers.case_status(runtime, code)
        except NotFound:
            case = None
    if case is None:
        return _page(request, "track.html", {"code": code, "not_found": True}, 404)
    try:
        notices = await notice_shelf.notices_of(runtime, code)
    except NotFound:  # the code was replaced by a recovery a moment ago
        return _page(request, "track.html", {"code": code, "not_found": True}, 404)
    context = {"code": normalise_tracking_code(code), "case": case, "notices": notices, "values": {}}
    return _page(request, "track.html", {**context, "errors": {}, **(extra or {})}, status_code)


SUPPLEMENT_REFUSALS = (
    ("deadline", "补正期限已过，不再受理补正材料。"),
    ("no supplement is pending", "本事项目前不需要补正，或补正材料已经提交。"),
    ("already sent", "补正材料已经提交过，无需重复提交。"),
    ("no longer accepted", "本事项已办结，不再受理补正材料。"),
)
RATING_REFUSALS = (
    ("not been replied", "本事项尚未答复，答复后才能评价。"),
    ("already been rated", "这次答复已经评价过，每次答复只能评价一次。"),
)


def _refusal(refusals: tuple[tuple[str, str], ...], message: str) -> str:
    return next((chinese for words, chinese in refusals if words in message), message)


async def _follow_up(
    request: Request,
    runtime: ServiceRuntime,
    use_case: CommandUseCase[handlers.FollowUp[Any], IntakeUnitOfWork],
    body_of: Callable[[dict[str, str]], Any],
    *,
    field_names: Mapping[str, str],
    refusals: tuple[tuple[str, str], ...],
    done: str,
) -> HTMLResponse:
    """Send a follow-up from the tracking page: the code travels in the form, never in the address.
    Errors come back next to their fields (422), a refusal as a message (409), success as a
    confirmation above the case as it now stands."""
    values = await _form_values(request)
    code = values.get("code", "")
    try:
        body = body_of(values)
        await handlers.followed_up(runtime, use_case, handlers.FollowUp(code[:_MAX_CODE_LENGTH], body))
    except ValidationError as exc:
        errors: FieldErrors = {}
        for error in exc.errors():
            name = field_names.get(str(error["loc"][0]), str(error["loc"][0]))
            label = FOLLOW_UP_LABELS.get(name, name)
            kind = error["type"]
            if kind in ("missing", "string_too_short"):
                message = f"请填写{label}"
            elif (limit := text_too_long(error)) is not None:
                message = f"{label}不能超过 {limit} 个字"
            else:
                message = f"请选择{label}" if name == "rating" else f"{label}填写有误"
            errors.setdefault(name, []).append(message)
        summary = [{"anchor": _anchor(name), "message": m} for name, ms in errors.items() for m in ms]
        extra = {"values": values, "errors": errors, "error_summary": summary}
        return await _tracking_page(request, runtime, code, extra, 422)
    except NotFound:
        return _page(request, "track.html", {"code": "", "not_found": True}, 404)
    except Conflict as exc:
        return await _tracking_page(request, runtime, code, {"refused": _refusal(refusals, str(exc))}, 409)
    return await _tracking_page(request, runtime, code, {"done": done})


FOLLOW_UP_LABELS = {"supplement_text": "补正材料", "rating": "评价", "rating_comment": "评价意见"}


def _anchor(name: str) -> str:
    return f"rating-{Rating.SATISFIED.value}" if name == "rating" else name


@pages.post("/track/supplement", response_class=HTMLResponse)
async def supplement_submit(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    """Send the supplement (补正材料) asked for, from the tracking page."""
    return await _follow_up(
        request,
        runtime,
        handlers.send_supplement,
        lambda values: SupplementCreate.model_validate({"text": values.get("supplement_text", "")}),
        field_names={"text": "supplement_text"},
        refusals=SUPPLEMENT_REFUSALS,
        done="补正材料已提交，答复期限自收到补正之日起重新计算。",
    )


@pages.post("/track/rating", response_class=HTMLResponse)
async def rating_submit(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    """Rate the reply (满意度评价), from the tracking page."""
    return await _follow_up(
        request,
        runtime,
        handlers.rate_reply,
        lambda values: RatingCreate.model_validate(
            {"rating": values.get("rating", ""), "comment": _optional(values, "rating_comment")}
        ),
        field_names={"rating": "rating", "comment": "rating_comment"},
        refusals=RATING_REFUSALS,
        done="感谢您的评价。",
    )


# --- finding a lost tracking code (找回查询码) ------------------------------------------------------

RECOVERY_SENT = "如果该地址有关联的事项，我们已发送验证码"
RECOVERY_WRONG = "验证码不正确或已失效。验证码 10 分钟内有效，输错 5 次即作废，可重新获取。"


def _recovery_windows(runtime: ServiceRuntime) -> tuple[DatabaseWindow, DatabaseWindow]:
    """Asks per address, and asks and wrong codes per client (`services.intake.limits`)."""
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings)
    window = settings.recovery_window_seconds
    return (
        DatabaseWindow(
            runtime.database,
            runtime.group_commit,
            "recovery-address",
            settings.recovery_asks_per_address,
            window,
        ),
        DatabaseWindow(
            runtime.database,
            runtime.group_commit,
            "recovery-client",
            settings.recovery_asks_per_client,
            window,
        ),
    )


def _guess_window(runtime: ServiceRuntime) -> DatabaseWindow:
    """Wrong one-time codes per address in a day, from whatever clients."""
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings)
    return DatabaseWindow(
        runtime.database,
        runtime.group_commit,
        "recovery-guesses",
        settings.recovery_guesses_per_address_day,
        24 * 3600,
    )


async def _limited(request: Request, window: DatabaseWindow, key: str) -> HTMLResponse | None:
    """The 429 page when ``key`` is over ``window``'s limit; else the request is counted."""
    now = time.time()
    wait = await window.wait(key, now)
    if wait is not None:
        return _too_many(request, wait)
    await window.count(key, now)
    return None


def _too_many(request: Request, wait: float) -> HTMLResponse:
    response = _problem_page(request, 429, "请求过于频繁", f"请于 {math.ceil(wait / 60)} 分钟后再试。")
    response.headers["Retry-After"] = str(math.ceil(wait))
    return response


def _client_key(request: Request, runtime: ServiceRuntime) -> str:
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings)
    address = client_address(request.scope, settings.trusted_proxies)
    return hmac.new(settings.jwt_key.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


@pages.get("/track/recover", response_class=HTMLResponse)
async def recovery_form(request: Request) -> HTMLResponse:
    return _page(request, "recover.html", {"values": {}, "errors": {}})


@pages.post("/track/recover", response_class=HTMLResponse)
async def recovery_ask(request: Request, runtime: RuntimeDep, background: BackgroundTasks) -> HTMLResponse:
    """Send a one-time code if cases have this address; the answer is the same either way, and the
    code goes out after the answer, so its timing tells nothing either."""
    values = await _form_values(request)
    address = normalise_address(values.get("address"))
    if address is None:
        errors = {"address": ["请填写提交时留下的电子邮箱或手机号码"]}
        summary = [{"anchor": "address", "message": errors["address"][0]}]
        return _page(
            request, "recover.html", {"values": values, "errors": errors, "error_summary": summary}, 422
        )
    per_address, per_client = _recovery_windows(runtime)
    key = recovery.address_key(runtime.settings.case_key_secret)
    for window, counted in (
        (per_client, _client_key(request, runtime)),
        (per_address, address_hash(key, address)),
    ):
        if (refused := await _limited(request, window, counted)) is not None:
            return refused
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings)
    # looked up, stored and sent after the answer: the answer does the same work whether or not a
    # case has the address, so neither its words nor its timing tell
    background.add_task(recovery.ask_and_send, runtime.database, key, address, settings)
    return _page(request, "recover.html", {"asked": True, "values": {"address": address.value}, "errors": {}})


@pages.post("/track/recover/code", response_class=HTMLResponse)
async def recovery_redeem(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    """The one-time code entered: new tracking codes for the address's cases, or the same refusal
    whether the code is wrong, spent, or no case has the address."""
    values = await _form_values(request)
    address = normalise_address(values.get("address"))
    context: dict[str, Any] = {"asked": True, "values": values}
    if address is None or not values.get("one_time_code"):
        errors = {"one_time_code": ["请填写收到的 6 位验证码"]}
        summary = [{"anchor": "one_time_code", "message": errors["one_time_code"][0]}]
        return _page(request, "recover.html", {**context, "errors": errors, "error_summary": summary}, 422)
    _, per_client = _recovery_windows(runtime)
    key = recovery.address_key(runtime.settings.case_key_secret)
    # a wrong code counts against the client, and against the address for a day: guesses at one
    # address's codes, from however many clients, stay a handful a day
    counted = (
        (per_client, _client_key(request, runtime)),
        (_guess_window(runtime), address_hash(key, address)),
    )
    for window, who in counted:
        wait = await window.wait(who, time.time())
        if wait is not None:
            return _too_many(request, wait)
    check, codes = await recovery.redeem_code(runtime.database, key, address, values["one_time_code"])
    if check is not Check.ACCEPTED:
        for window, who in counted:
            await window.count(who, time.time())
        errors = {"one_time_code": [RECOVERY_WRONG]}
        summary = [{"anchor": "one_time_code", "message": RECOVERY_WRONG}]
        return _page(request, "recover.html", {**context, "errors": errors, "error_summary": summary}, 422)
    return _page(request, "recovered.html", {"codes": codes}, 201)


@pages.get("/track/notices/{notice_id}.pdf", response_class=Response)
async def download_notice(request: Request, notice_id: UUID, runtime: RuntimeDep, code: str = "") -> Response:
    """A notice as PDF for the applicant holding the tracking code (its first download delivers it)."""
    try:
        document = await notice_shelf.serve_notice(
            runtime, notice_shelf.NoticeDownload(code.strip()[:_MAX_CODE_LENGTH], str(notice_id)), pdf=True
        )
    except NotFound:
        return _page(request, "track.html", {"code": code, "not_found": True}, 404)
    assert isinstance(document, bytes)
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="notice-{notice_id}.pdf"', **PRIVATE_DOCUMENT},
    )
