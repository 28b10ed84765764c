"""Publishing's staff pages on the shared workbench layout (`shared.staff_pages`), in Chinese: the
review queue (公开审核, 三审三校) for reviewers — each item exactly as it would be published, masked, with
its review levels, the proofreading's findings, the manifest of what was masked and the names the
masking suspects; approve the level it waits for (releasing suspects and masking more), or reject with
a reason. What was published is listed too (``?status=published``, for admins as well), to withdraw
(撤回) with a reason.

Each route reads its form, calls the use case the API calls (`services.publishing.review_queue`)
through the same edge, and renders what comes back; a refusal comes back on the same page — 409 when
the item was decided meanwhile or by this reviewer already, 403 for a level the reviewer does not hold,
422 next to its field.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.publishing import review_queue
from services.publishing.api import CalendarDep
from services.publishing.labels import (
    DECISIONS,
    FINDING_KINDS,
    LEVEL_STATES,
    MASK_REASONS,
    MASKED_KINDS,
    REVIEW_KINDS,
    REVIEW_STATES,
)
from services.publishing.review import ReviewRules, ReviewStatus, may_withdraw
from services.publishing.schemas import ReviewDecisionCreate, ReviewRejectionCreate, WithdrawalCreate
from services.publishing.unit_of_work import perform
from shared.auth import StaffSession
from shared.codes import Role
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.http import RuntimeDep
from shared.staff_pages import StaffPages
from shared.text import text_too_long
from shared.uow import Command

__all__ = ["STAFF", "staff_pages"]

STAFF = StaffPages(Path(__file__).resolve().parent / "templates" / "staff")
STAFF.templates.env.globals.update(
    decisions=DECISIONS,
    finding_kinds=FINDING_KINDS,
    level_states=LEVEL_STATES,
    masked_kinds=MASKED_KINDS,
    mask_reasons=MASK_REASONS,
    review_kinds=REVIEW_KINDS,
    review_states=REVIEW_STATES,
)

REVIEWS = "/workbench/reviews"
DONE = {"approve": "已审核通过。", "reject": "已退回，不予公开。", "withdraw": "已撤回，不再公开。"}
LISTED = {"pending": ReviewStatus.PENDING, "published": ReviewStatus.PUBLISHED}
"""The lists the page shows: waiting for review, and published (to withdraw)."""
FOR = frozenset({Role.REVIEWER, Role.ADMIN})

staff_pages = APIRouter()
staff_pages.include_router(STAFF.stylesheets())


def _uuid(raw: str) -> UUID | None:
    try:
        return UUID(raw)
    except ValueError:
        return None


def _rules(request: Request) -> ReviewRules:
    rules: ReviewRules = request.app.state.settings.review_rules()
    return rules


def _may_withdraw(session: StaffSession, rules: ReviewRules) -> bool:
    principal = session.principal
    reviewer = principal.sub if principal.has_any({Role.REVIEWER}) else None
    return may_withdraw(is_admin=principal.has_any({Role.ADMIN}), reviewer=reviewer, levels=rules.levels)


@staff_pages.get(REVIEWS, response_class=HTMLResponse)
async def review_queue_page(request: Request, runtime: RuntimeDep, status: str = "pending") -> Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    if not session.principal.has_any(FOR):
        return STAFF.not_for_you(request, session, "公开审核")
    listed = status if status in LISTED else "pending"
    rules = _rules(request)
    items = await review_queue.list_reviews(runtime, session.principal, status=LISTED[listed], rules=rules)
    context = {
        "items": items,
        "listed": listed,
        "levels": rules.levels.names,
        "held": sorted(rules.levels.held_by(session.principal.sub), key=rules.levels.names.index),
        "flash": DONE.get(request.query_params.get("done", "")),
    }
    return STAFF.render(request, "reviews.html", context, session=session)


async def _item_page(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSession,
    review_id: UUID,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rules = _rules(request)
    try:
        item, mine = await review_queue.review_item(runtime, session.principal, review_id, rules)
    except NotFound:
        return STAFF.problem(
            request, 404, "没有找到这一审核事项", "它可能已被删除，请从审核列表进入。", session=session
        )
    reviewer = session.principal.has_any({Role.REVIEWER})
    context = {
        "item": item,
        "mine": mine,
        "may_decide": reviewer
        and item.waiting_for is not None
        and rules.levels.holds(session.principal.sub, item.waiting_for),
        "may_withdraw": item.status == ReviewStatus.PUBLISHED.value and _may_withdraw(session, rules),
        "values": values or {},
        "errors": errors or {},
        "problem": problem,
    }
    return STAFF.render(request, "review.html", context, status_code, session=session)


@staff_pages.get(f"{REVIEWS}/{{review_id}}", response_class=HTMLResponse)
async def review_page(request: Request, review_id: str, runtime: RuntimeDep) -> Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    if not session.principal.has_any(FOR):
        return STAFF.not_for_you(request, session, "公开审核")
    parsed = _uuid(review_id)
    if parsed is None:
        return STAFF.problem(request, 404, "没有找到这一审核事项", "请从审核列表进入。", session=session)
    return await _item_page(request, runtime, session, parsed)


@staff_pages.post(f"{REVIEWS}/{{review_id}}/{{decision}}", response_class=HTMLResponse)
async def decide(
    request: Request, review_id: str, decision: str, runtime: RuntimeDep, calendar: CalendarDep
) -> Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    parsed = _uuid(review_id)
    if parsed is None or decision not in DONE:
        return STAFF.problem(request, 404, "没有找到这一审核事项", "请从审核列表进入。", session=session)
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    lists = await STAFF.posted_lists(request)
    rules = _rules(request)
    try:
        if decision == "approve":
            body = ReviewDecisionCreate(
                mask=[line.strip() for line in values.get("mask", "").splitlines() if line.strip()],
                release=lists.get("release", []),
            )
            approving = partial(review_queue.approve, rules=rules)
            await perform(runtime, calendar, approving, Command(parsed, session.principal, body), _nothing)
        elif decision == "reject":
            rejection = ReviewRejectionCreate(reason=values.get("reason", ""))
            rejecting = partial(review_queue.reject, rules=rules)
            await perform(
                runtime, calendar, rejecting, Command(parsed, session.principal, rejection), _nothing
            )
        else:
            withdrawal = WithdrawalCreate(reason=values.get("reason", ""))
            withdrawing = partial(review_queue.withdraw, rules=rules)
            await perform(
                runtime, calendar, withdrawing, Command(parsed, session.principal, withdrawal), _nothing
            )
    except ValidationError as exc:
        errors = {str(e["loc"][0]) if e["loc"] else "reason": [_message(e)] for e in exc.errors()}
        return await _item_page(
            request, runtime, session, parsed, values=values, errors=errors, status_code=422
        )
    except InvalidInput as exc:
        errors = {"release": [str(detail["message"]) for detail in exc.details or []]}
        return await _item_page(
            request, runtime, session, parsed, values=values, errors=errors, status_code=422
        )
    except Conflict as exc:
        return await _item_page(request, runtime, session, parsed, problem=_conflict(exc), status_code=409)
    except Forbidden:
        if not session.principal.has_any(FOR):
            return STAFF.not_for_you(request, session, "公开审核")
        problem = (
            "只有管理员或持有终审的审核人员可以撤回已公开的内容。"
            if decision == "withdraw"
            else "这一事项当前待审的级别您未持有，须由持有该级别的审核人员审核。"
        )
        return await _item_page(request, runtime, session, parsed, problem=problem, status_code=403)
    except NotFound:
        return STAFF.problem(request, 404, "没有找到这一审核事项", "请从审核列表进入。", session=session)
    listed = "&status=published" if decision == "withdraw" else ""
    return RedirectResponse(f"{REVIEWS}?done={decision}{listed}", status_code=303)


async def _nothing(*_: object) -> None:
    return None


def _conflict(exc: Conflict) -> str:
    if "already decided" in exc.message:
        return "您已审核过这一事项，须由其他审核人员审核。"
    if "newer version" in exc.message:
        return "这一事项已有新版本公开，请撤回新版本。"
    return "这一事项已不在可操作的状态（已公开、已退回、已撤回或已有新版本），请返回审核列表。"


def _message(error: object) -> str:
    kind = error["type"] if isinstance(error, dict) else ""
    if kind in ("string_too_short", "missing"):
        return "请写明理由（至少 2 个字）"
    if isinstance(error, dict) and text_too_long(error) is not None:
        return "内容过长，请精简"
    if kind == "too_long":
        return "一次最多补充遮盖 20 项"
    return "填写有误，请检查"
