"""The supervision page (督办统计) for supervisors and department heads, in Chinese.

It is served under ``/workbench/`` and reads the workbench's sign-in cookie: behind one host name
(``make run`` on 127.0.0.1, or a reverse proxy in production) a handler signed in to the workbench
sees this page without signing in again. Read-only, so no form posts and no CSRF token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.tracking import supervision
from services.tracking.api import CalendarDep, stats_query
from services.tracking.labels import CHANNELS
from services.tracking.schemas import StatsQuery
from shared.auth import SESSION_COOKIE, verify_token
from shared.dates import cn_date
from shared.errors import Forbidden, InvalidInput, Unauthorized
from shared.http import RuntimeDep

pages = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


templates.env.filters["cn_date"] = cn_date


@pages.get("/workbench/supervision", response_class=HTMLResponse)
async def supervision_page(
    request: Request,
    runtime: RuntimeDep,
    calendar: CalendarDep,
    query: Annotated[StatsQuery, Depends(stats_query)],
) -> HTMLResponse:
    context = {
        "query": query,
        "channels": CHANNELS,
        "login_url": request.app.state.settings.workbench_login_url,
    }
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return _render(request, {**context, "problem": "请先登录办理工作台，再查看督办统计。"}, 401)
    try:
        principal = verify_token(request.app.state.jwt_key, token)
        stats = await supervision.supervision_stats(runtime, calendar, principal, query)
    except Unauthorized:
        return _render(request, {**context, "problem": "登录已过期，请重新登录办理工作台。"}, 401)
    except Forbidden:
        return _render(request, {**context, "problem": "督办统计仅供督办人员和部门负责人查看。"}, 403)
    except InvalidInput:
        return _render(request, {**context, "problem": "统计期间的开始日期不能晚于结束日期。"}, 422)
    return _render(request, {**context, "stats": stats, "principal": principal}, 200)


def _render(request: Request, context: dict[str, object], status_code: int) -> HTMLResponse:
    response = templates.TemplateResponse(request, "supervision.html", context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response
