"""Tracking's staff pages, in Chinese, on the shared workbench layout (`shared.staff_pages`): the
supervision page (督办统计) for supervisors and department heads.

Served under ``/workbench/``, they read the session routing issued at sign-in: behind the front door
(or on 127.0.0.1, whose cookies are shared by host) a member of staff signed in once sees them
without signing in again; signed out, they are sent to the sign-in and brought back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from services.tracking import supervision
from services.tracking.api import CalendarDep, stats_query
from services.tracking.labels import CHANNELS
from services.tracking.schemas import StatsQuery
from shared.errors import Forbidden, InvalidInput
from shared.http import RuntimeDep
from shared.staff_pages import StaffPages

STAFF = StaffPages(Path(__file__).parent / "templates")

pages = APIRouter()
pages.include_router(STAFF.stylesheets())


@pages.get("/workbench/supervision", response_class=HTMLResponse)
async def supervision_page(
    request: Request,
    runtime: RuntimeDep,
    calendar: CalendarDep,
    query: Annotated[StatsQuery, Depends(stats_query)],
) -> Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    context: dict[str, object] = {"query": query, "channels": CHANNELS}
    try:
        stats = await supervision.supervision_stats(runtime, calendar, session.principal, query)
    except Forbidden:
        return STAFF.problem(
            request, 403, "无权访问", "督办统计仅供督办人员和部门负责人查看。", session=session
        )
    except InvalidInput:
        problem = "统计期间的开始日期不能晚于结束日期。"
        return STAFF.render(
            request, "supervision.html", {**context, "problem": problem}, 422, session=session
        )
    return STAFF.render(request, "supervision.html", {**context, "stats": stats}, session=session)
