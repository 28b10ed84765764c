"""Supervision (督办): a case's deadlines for those who may see them, and the statistics of the clocks."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import Table, and_, exists, func, or_
from sqlalchemy import case as when
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from services.tracking.db import CaseChannel, Clock, ClockLedgerEntry
from services.tracking.handlers import OPEN_STATES
from services.tracking.schemas import (
    CaseDeadlines,
    ClockPublic,
    LedgerEntryPublic,
    StatsQuery,
    StatsRow,
    SupervisionStats,
)
from shared.auth import Principal, require_roles
from shared.codes import Channel, ClockKind, ClockState, Role
from shared.dates import today
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.runtime import ServiceRuntime
from shared.workdays import Calendar

CLOCK_TABLE: Table = Clock.__table__  # type: ignore[attr-defined]
CASE_TABLE: Table = CaseChannel.__table__  # type: ignore[attr-defined]


SUPERVISING_ROLES = (Role.ADMIN, Role.DISCLOSURE_HEAD)
HANDLING_ROLES = (Role.HANDLER, Role.DEPARTMENT_HEAD)


async def case_deadlines(runtime: ServiceRuntime, case_id: UUID, principal: Principal) -> CaseDeadlines:
    """Supervisors see every case's clocks; handlers and department heads their department's only."""
    require_roles(principal, *SUPERVISING_ROLES, *HANDLING_ROLES)
    async with runtime.database.session() as session:
        case = await session.get(CaseChannel, str(case_id))
        if case is None:
            raise NotFound(f"no clocks for case {case_id}")
        if not principal.has_any(SUPERVISING_ROLES) and case.department_id != principal.department:
            raise Forbidden("this case belongs to another department")
        clocks = (
            await session.exec(select(Clock).where(Clock.case_id == str(case_id)).order_by(col(Clock.id)))
        ).all()
        if not clocks:
            raise NotFound(f"no clocks for case {case_id}")
        ledger = (
            await session.exec(
                select(ClockLedgerEntry)
                .where(col(ClockLedgerEntry.clock_id).in_([c.id for c in clocks]))
                .order_by(col(ClockLedgerEntry.id))
            )
        ).all()
    return CaseDeadlines(
        case_id=str(case_id),
        clocks=[
            ClockPublic(
                kind=ClockKind(clock.kind),
                party_id=clock.party_id or None,
                due_date=clock.due_date,
                provisional=clock.provisional,
                state=ClockState(clock.state),
                ledger=[
                    LedgerEntryPublic(
                        cause=entry.cause,
                        old_due_date=entry.old_due_date,
                        new_due_date=entry.new_due_date,
                        note=entry.note,
                    )
                    for entry in ledger
                    if entry.clock_id == clock.id
                ],
            )
            for clock in clocks
        ],
    )


# --- what moves the reply clock -----------------------------------------------------------------


DUE_SOON_WORKING_DAYS = 2


async def supervision_stats(
    runtime: ServiceRuntime,
    calendar: Calendar,
    principal: Principal,
    query: StatsQuery,
    *,
    on: date | None = None,
) -> SupervisionStats:
    """Reply clocks per department and channel: open, due within 2 working days, overdue, replied,
    replied on time and the average working days to reply. The period selects clocks by the day they
    started (receipt, or assignment for a letter). Department heads see their own department only.

    Overdue: a running clock past its due date, and a clock paused for third parties of which one is
    past its 15 working days unanswered (breached, OGI Art. 32) — the office decides then, so the
    wait no longer hides the case (the due check lets such a clock go on once no party is waited for)."""
    require_roles(principal, *SUPERVISING_ROLES, Role.DEPARTMENT_HEAD)
    if query.period_from and query.period_to and query.period_from > query.period_to:
        raise InvalidInput("from", "the period starts after it ends")
    department = query.department
    if not principal.has_any(SUPERVISING_ROLES):
        if department is not None and department != principal.department:
            raise Forbidden("a department head sees their own department only")
        department = principal.department
    day = on or today()
    soon = calendar.add_working_days(day, DUE_SOON_WORKING_DAYS).due_date
    c, k = CLOCK_TABLE.c, CASE_TABLE.c
    is_open = c.state.in_(OPEN_STATES)
    running = c.state != ClockState.PAUSED.value
    third = CLOCK_TABLE.alias("third_party")
    party_past_due = exists().where(
        third.c.case_id == c.case_id,
        third.c.kind == ClockKind.THIRD_PARTY.value,
        third.c.state.in_(OPEN_STATES),
        third.c.due_date < day,
        # of this pause: a party that ran out before the clock went on and was paused again for
        # another party does not make that other party's wait overdue
        third.c.start_date >= c.paused_on,
    )
    overdue = or_(and_(running, c.due_date < day), and_(c.state == ClockState.PAUSED.value, party_past_due))
    statement = (
        sa_select(
            k.department_id,
            func.max(k.department_name),
            c.channel,
            func.count(),
            func.sum(when((is_open, 1), else_=0)),
            func.sum(when((and_(is_open, running, c.due_date >= day, c.due_date <= soon), 1), else_=0)),
            func.sum(when((and_(is_open, overdue), 1), else_=0)),
            func.sum(when((c.on_time.is_not(None), 1), else_=0)),
            func.sum(when((c.on_time.is_(True), 1), else_=0)),
            func.avg(c.days_used),
        )
        .join(CASE_TABLE, k.case_id == c.case_id)
        .where(c.kind == ClockKind.REPLY.value)
        .group_by(k.department_id, c.channel)
        .order_by(k.department_id, c.channel)
    )
    if query.period_from:
        statement = statement.where(c.start_date >= query.period_from)
    if query.period_to:
        statement = statement.where(c.start_date <= query.period_to)
    if query.channel:
        statement = statement.where(c.channel == query.channel.value)
    if department:
        statement = statement.where(k.department_id == department)
    async with runtime.database.session() as session:
        rows = (await (await session.connection()).execute(statement)).all()
    lines = [
        StatsRow(
            department_id=dept_id,
            department_name=dept_name,
            channel=Channel(channel),
            cases=int(cases),
            open=int(open_ or 0),
            due_soon=int(soon_ or 0),
            overdue=int(overdue or 0),
            replied=int(replied_ or 0),
            replied_on_time=int(on_time or 0),
            on_time_rate=round(int(on_time or 0) / int(replied_), 4) if replied_ else None,
            average_working_days=round(float(avg), 1) if avg is not None else None,
        )
        for dept_id, dept_name, channel, cases, open_, soon_, overdue, replied_, on_time, avg in rows
    ]
    return SupervisionStats(
        as_of=day,
        due_soon_until=soon,
        period_from=query.period_from,
        period_to=query.period_to,
        rows=lines,
        total=StatsRow.total(lines),
    )
