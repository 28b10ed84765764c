"""Tracking's staff pages, in Chinese, on the shared workbench layout (`shared.staff_pages`): the
supervision page (督办统计) and the cases under supervision (督办事项) for supervisors and department
heads, and the working-day calendar's year
editor (工作日历) for admins — the State Council's notice entered as the days off and the weekend days
worked; storing a year recounts every open clock that reaches into it.

Served under ``/workbench/``, they read the session routing issued at sign-in: behind the front door
(or on 127.0.0.1, whose cookies are shared by host) a member of staff signed in once sees them
without signing in again; signed out, they are sent to the sign-in and brought back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.tracking import calendar_updates, supervised, supervision
from services.tracking.api import CalendarDep, stats_query
from services.tracking.clocks import clock_name
from services.tracking.labels import CALENDAR_STATUSES, CHANNELS, CLOCK_STATES
from services.tracking.schemas import CalendarYearUpdate, StatsQuery
from shared.auth import StaffSession
from shared.codes import Role
from shared.dates import today
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.http import RuntimeDep
from shared.staff_pages import StaffPages, errors_of

CALENDAR = "/workbench/calendar"
FIRST_YEAR, LAST_YEAR = 2000, 2100
LABELS = {"holidays": "法定节假日", "extra_workdays": "调休上班日", "status": "状态", "source": "依据"}

STAFF = StaffPages(Path(__file__).parent / "templates")
STAFF.templates.env.globals.update(calendar_statuses=CALENDAR_STATUSES)

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


@pages.get("/workbench/supervision/cases", response_class=HTMLResponse)
async def supervised_cases_page(request: Request, runtime: RuntimeDep) -> Response:
    """The cases under supervision (督办事项): every department's for supervisors, a head's own."""
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    try:
        cases = await supervised.supervised_cases(runtime, session.principal)
    except Forbidden:
        return STAFF.problem(
            request, 403, "无权访问", "督办事项仅供督办人员和部门负责人查看。", session=session
        )
    context = {"cases": cases, "channels": CHANNELS, "clock_states": CLOCK_STATES}
    return STAFF.render(request, "supervised_cases.html", context, session=session)


# --- a case's deadlines ---------------------------------------------------------------------------


@pages.get("/workbench/deadlines/{case_id}", response_class=HTMLResponse)
async def deadlines_page(request: Request, case_id: str, runtime: RuntimeDep) -> Response:
    """How each deadline of a case was counted (期限计算): its clocks and every change, with why."""
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    try:
        parsed = UUID(case_id)
        deadlines = await supervision.case_deadlines(runtime, parsed, session.principal)
    except (ValueError, NotFound):
        return STAFF.problem(request, 404, "没有找到这件事项的期限", "请从事项页面进入。", session=session)
    except Forbidden:
        return STAFF.not_for_you(request, session, "这件事项的期限")
    names = [clock_name(clock.kind, clock.party_id or "") for clock in deadlines.clocks]
    context = {"deadlines": deadlines, "names": names, "clock_states": CLOCK_STATES}
    return STAFF.render(request, "deadlines.html", context, session=session)


# --- the calendar's years ---------------------------------------------------------------------------


async def _admin(request: Request) -> StaffSession | Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    if not session.principal.has_any({Role.ADMIN}):
        return STAFF.not_for_you(request, session, "工作日历的维护")
    return session


@pages.get(CALENDAR, response_class=HTMLResponse)
async def calendar_page(request: Request, runtime: RuntimeDep) -> Response:
    session = await _admin(request)
    if isinstance(session, Response):
        return session
    years = await calendar_updates.calendar_years(runtime)
    stored = {year.year for year in years}
    this_year = today().year
    missing = [y for y in (this_year, this_year + 1) if y not in stored]
    flash = "已保存，在办事项的期限已按新日历重新计算。" if request.query_params.get("done") else None
    context = {"years": sorted(years, key=lambda y: -y.year), "missing": missing, "flash": flash}
    return STAFF.render(request, "calendar.html", context, session=session)


def _year(raw: str) -> int | None:
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else None
    return number if number is not None and FIRST_YEAR <= number <= LAST_YEAR else None


async def _year_page(
    request: Request,
    runtime: RuntimeDep,
    session: StaffSession,
    year: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    stored = await calendar_updates.calendar_year(runtime, year)
    if values is None:
        values = {
            "holidays": "\n".join(day.isoformat() for day in stored.holidays),
            "extra_workdays": "\n".join(day.isoformat() for day in stored.extra_workdays),
            "status": stored.status if stored.revision is not None else "announced",
            "source": stored.source,
        }
    context = {"year": year, "stored": stored, "values": values, "errors": errors or {}}
    return STAFF.render(request, "calendar_year.html", context, status_code, session=session)


@pages.get(f"{CALENDAR}/{{year}}", response_class=HTMLResponse)
async def calendar_year_page(request: Request, year: str, runtime: RuntimeDep) -> Response:
    session = await _admin(request)
    if isinstance(session, Response):
        return session
    number = _year(year)
    if number is None:
        return STAFF.problem(
            request, 404, "没有这一年度", f"年度为 {FIRST_YEAR}–{LAST_YEAR} 之间的四位数字。", session=session
        )
    return await _year_page(request, runtime, session, number)


def _days(text: str) -> list[str]:
    """Dates one per line, or separated by commas or spaces, as the notice lists them."""
    for separator in ("，", "、", ",", ";", "；"):
        text = text.replace(separator, " ")
    return [part for part in text.split() if part]


@pages.post(f"{CALENDAR}/{{year}}", response_class=HTMLResponse)
async def store_calendar_year(
    request: Request, year: str, runtime: RuntimeDep, calendar: CalendarDep
) -> Response:
    session = await _admin(request)
    if isinstance(session, Response):
        return session
    number = _year(year)
    if number is None:
        return STAFF.problem(
            request, 404, "没有这一年度", f"年度为 {FIRST_YEAR}–{LAST_YEAR} 之间的四位数字。", session=session
        )
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    if not _days(values.get("holidays", "")):  # every year has them: an empty box is a slip, not a notice
        empty = {"holidays": ["请填写法定节假日"]}
        return await _year_page(
            request, runtime, session, number, values=values, errors=empty, status_code=422
        )
    try:
        body = CalendarYearUpdate.model_validate(
            {
                "holidays": _days(values.get("holidays", "")),
                "extra_workdays": _days(values.get("extra_workdays", "")),
                "status": values.get("status") or "announced",
                "source": values.get("source") or None,
            }
        )
        await calendar_updates.store_calendar_year(runtime, calendar, number, body, session.principal)
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "holidays"
            errors.setdefault(name, []).append(
                f"{LABELS.get(name, name)}中有不是日期的内容：请按“年-月-日”逐行填写，例如 {number}-01-01"
            )
        return await _year_page(
            request, runtime, session, number, values=values, errors=errors, status_code=422
        )
    except InvalidInput as exc:
        errors = {field: [_in_chinese(field, m, number) for m in ms] for field, ms in errors_of(exc).items()}
        return await _year_page(
            request, runtime, session, number, values=values, errors=errors, status_code=422
        )
    return RedirectResponse(f"{CALENDAR}?done={number}", status_code=303)


def _in_chinese(field: str, message: str, year: int) -> str:
    """The calendar's refusals (`CalendarYearUpdate.to_record`), in the admin's language."""
    day = message.split(" ", 1)[0]
    if "is not in" in message:
        return f"{day} 不在 {year} 年内"
    if "weekday" in message:
        return f"{day} 是工作日，不需要列为调休上班日"
    if "as a holiday too" in message:
        return f"{day} 不能既是节假日又是调休上班日"
    return f"{LABELS.get(field, field)}：{message}"
