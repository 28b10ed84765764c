"""Tracking's HTTP routes."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request

from services.tracking import calendar_updates, supervised, supervision
from services.tracking.schemas import (
    CalendarYearPublic,
    CalendarYearUpdate,
    CaseDeadlines,
    StatsQuery,
    SupervisedCasePublic,
    SupervisionStats,
)
from shared.calendar_store import LiveCalendar
from shared.codes import Channel, Role
from shared.dates import BoundedDate
from shared.http import Access, PrincipalDep, RuntimeDep, guarded_by
from shared.openapi import errors

ACCESS: Access = {
    "GET /api/v1/cases/{case_id}/deadlines": (
        Role.ADMIN,
        Role.DISCLOSURE_HEAD,
        Role.HANDLER,
        Role.DEPARTMENT_HEAD,
    ),
    "GET /api/v1/calendar": None,
    "GET /api/v1/calendar/{year}": None,
    "PUT /api/v1/calendar/{year}": (Role.ADMIN,),
    "GET /api/v1/stats": (Role.ADMIN, Role.DISCLOSURE_HEAD, Role.DEPARTMENT_HEAD),
    "GET /api/v1/supervised": (Role.ADMIN, Role.DISCLOSURE_HEAD, Role.DEPARTMENT_HEAD),
}
"""Supervisors see every case's clocks, handlers their department's; the calendar is public and kept
by admins; supervision statistics for admins, the disclosure office head and department heads."""

router = APIRouter(prefix="/api/v1", dependencies=[guarded_by(ACCESS)])


def _calendar(request: Request) -> LiveCalendar:
    calendar: LiveCalendar = request.app.state.calendar
    return calendar


CalendarDep = Annotated[LiveCalendar, Depends(_calendar)]
Year = Annotated[int, Path(ge=2000, le=2100, description="The calendar year, e.g. 2027.")]


@router.get(
    "/cases/{case_id}/deadlines",
    tags=["handlers", "supervisors"],
    summary="A case's clocks and how each date was counted",
    responses=errors(401, 403, 404),
)
async def get_case_deadlines(case_id: UUID, runtime: RuntimeDep, principal: PrincipalDep) -> CaseDeadlines:
    return await supervision.case_deadlines(runtime, case_id, principal)


@router.get("/calendar", tags=["calendar"], summary="The stored years of the working-day calendar")
async def list_calendar_years(runtime: RuntimeDep) -> list[CalendarYearPublic]:
    return await calendar_updates.calendar_years(runtime)


@router.get("/calendar/{year}", tags=["calendar"], summary="One year: holidays, 调休 working days, status")
async def get_calendar_year(year: Year, runtime: RuntimeDep) -> CalendarYearPublic:
    return await calendar_updates.calendar_year(runtime, year)


@router.put(
    "/calendar/{year}",
    tags=["calendar"],
    summary="Store a year of the calendar (admin); open clocks are recounted",
    responses=errors(
        401, 403, validation_error="a date outside the year, a weekday as 调休, or a day listed twice"
    ),
)
async def store_calendar_year(
    year: Year, body: CalendarYearUpdate, runtime: RuntimeDep, calendar: CalendarDep, principal: PrincipalDep
) -> CalendarYearPublic:
    return await calendar_updates.store_calendar_year(runtime, calendar, year, body, principal)


def stats_query(
    period_from: Annotated[
        BoundedDate | None, Query(alias="from", description="First start day counted.")
    ] = None,
    period_to: Annotated[BoundedDate | None, Query(alias="to", description="Last start day counted.")] = None,
    channel: Channel | None = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
) -> StatsQuery:
    return StatsQuery.model_validate(
        {"from": period_from, "to": period_to, "channel": channel, "department": department}
    )


StatsQueryDep = Annotated[StatsQuery, Depends(stats_query)]


@router.get(
    "/stats",
    tags=["supervisors"],
    summary="Supervision (督办): reply clocks per department and channel",
    responses=errors(
        401,
        forbidden="no role that sees statistics, or a department head asking for another department",
        validation_error="a period that starts after it ends",
    ),
)
async def get_supervision_stats(
    query: StatsQueryDep, runtime: RuntimeDep, calendar: CalendarDep, principal: PrincipalDep
) -> SupervisionStats:
    return await supervision.supervision_stats(runtime, calendar, principal, query)


@router.get(
    "/supervised",
    tags=["supervisors"],
    summary="Cases under supervision (督办事项): unsatisfied again, the latest first",
    responses=errors(
        401, forbidden="no role that sees supervision, or a department head asking for another department"
    ),
)
async def list_supervised_cases(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    department: Annotated[str | None, Query(max_length=64)] = None,
) -> list[SupervisedCasePublic]:
    return await supervised.supervised_cases(runtime, principal, department=department)
