"""The department head's supervision notices (督办通知), in Chinese, on the shared layout: the cases of
their department that an unsatisfied citizen sent to supervision, each read (已阅) with one button.
The inbox says how many are unread (`services.routing.pages`)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.routing import actions, supervision
from services.routing.actions import CaseAction
from services.routing.sign_in_pages import STAFF
from shared.auth import StaffSession
from shared.codes import Role
from shared.errors import Conflict, Forbidden, NotFound
from shared.http import RuntimeDep

__all__ = ["SUPERVISED", "supervision_pages"]

SUPERVISED = "/workbench/supervised"

supervision_pages = APIRouter()


async def _head(request: Request) -> StaffSession | Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    if not session.principal.has_any({Role.DEPARTMENT_HEAD}):
        return STAFF.not_for_you(request, session, "督办通知")
    return session


async def _notices_page(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSession,
    *,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    cases = await supervision.supervised_cases(runtime, session.principal)
    flash = "已阅，督办通知已记入办理记录。" if request.query_params.get("done") == "read" else None
    context = {"cases": cases, "problem": problem, "flash": flash}
    return STAFF.render(request, "supervised.html", context, status_code, session=session)


@supervision_pages.get(SUPERVISED, response_class=HTMLResponse)
async def notices_page(request: Request, runtime: RuntimeDep) -> Response:
    session = await _head(request)
    if isinstance(session, Response):
        return session
    return await _notices_page(request, runtime, session)


@supervision_pages.post(f"{SUPERVISED}/{{case_id}}", response_class=HTMLResponse)
async def read_notice(request: Request, case_id: str, runtime: RuntimeDep) -> Response:
    session = await _head(request)
    if isinstance(session, Response):
        return session
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    try:
        parsed = UUID(case_id)
        await actions.act(
            runtime,
            request.app.state.office,
            actions.acknowledge_supervision,
            CaseAction(parsed, session.principal, None),
        )
    except (ValueError, NotFound, Forbidden):
        return STAFF.problem(request, 404, "没有找到这条督办通知", "请从督办通知列表进入。", session=session)
    except Conflict:
        problem = "这条督办通知已阅，或事项已不在本部门，请刷新后再看。"
        return await _notices_page(request, runtime, session, problem=problem, status_code=409)
    return RedirectResponse(f"{SUPERVISED}?done=read", status_code=303)
