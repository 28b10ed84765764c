"""The working calendar (工作日历) as tracking keeps it: the admin's years, and every open clock recounted when a year changes."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.tracking.clocks import (
    CountedClock,
    recount,
)
from services.tracking.db import Clock, ClockLedgerEntry
from services.tracking.handlers import OPEN_STATES
from services.tracking.labels import CLOCK_NAMES
from services.tracking.schemas import (
    CalendarYearPublic,
    CalendarYearUpdate,
)
from shared.auth import Principal, require_roles
from shared.calendar_store import CalendarYear, LiveCalendar, store_year
from shared.codes import ClockKind, ClockState, Role
from shared.dates import cn_date, local_date
from shared.events import (
    CalendarRecountContinued,
    CalendarUpdated,
    DeadlineSet,
    Envelope,
    EventPayload,
)
from shared.runtime import ServiceRuntime
from shared.workdays import provisional_year

log = logging.getLogger(__name__)

CLOCK_TABLE: Table = Clock.__table__  # type: ignore[attr-defined]
LEDGER_TABLE: Table = ClockLedgerEntry.__table__  # type: ignore[attr-defined]


async def store_calendar_year(
    runtime: ServiceRuntime, calendar: LiveCalendar, year: int, body: CalendarYearUpdate, principal: Principal
) -> CalendarYearPublic:
    """An admin stores a year (the State Council's notice, or a correction); every open clock that
    counts through it is recomputed when ``calendar.updated`` comes back."""
    require_roles(principal, Role.ADMIN)
    record = body.to_record(year, default_source=f"{principal.name} 录入")
    async with runtime.unit_of_work() as session:
        _previous, revision = await store_year(session, record)
        await runtime.emit(
            session,
            [
                CalendarUpdated(
                    year=year,
                    holidays=tuple(sorted(record.holidays)),
                    extra_workdays=tuple(sorted(record.extra_workdays)),
                    status=record.status,
                )
            ],
        )
        await calendar.refresh(session)
    return CalendarYearPublic.of(record, revision)


async def calendar_years(runtime: ServiceRuntime) -> list[CalendarYearPublic]:
    async with runtime.database.session() as session:
        rows = (await session.exec(select(CalendarYear).order_by(col(CalendarYear.year)))).all()
    return [CalendarYearPublic.of(row.to_record(), row.revision) for row in rows]


async def calendar_year(runtime: ServiceRuntime, year: int) -> CalendarYearPublic:
    async with runtime.database.session() as session:
        row = await session.get(CalendarYear, year)
    if row is None:
        return CalendarYearPublic.of(provisional_year(year), None)
    return CalendarYearPublic.of(row.to_record(), row.revision)


RECOUNT_CHUNK = 2000
"""Open clocks a recount reads in one transaction: each chunk holds the writer some tenths of a second."""


async def on_calendar_updated(
    session: AsyncSession,
    envelope: Envelope,
    payload: CalendarUpdated,
    *,
    calendar: LiveCalendar,
    chunk: int = RECOUNT_CHUNK,
) -> list[EventPayload]:
    """Recount the open clocks that count through the year, the first ``chunk`` of them here; a
    ``calendar.recount_continued`` carries the recount on (`on_recount_continued`)."""
    return await _recount(
        session,
        calendar,
        CalendarRecountContinued(
            year=payload.year,
            status=payload.status,
            after_clock_id=0,
            cause_id=envelope.id,
            cause_time=envelope.time,
        ),
        chunk,
    )


async def on_recount_continued(
    session: AsyncSession,
    _envelope: Envelope,
    payload: CalendarRecountContinued,
    *,
    calendar: LiveCalendar,
    chunk: int = RECOUNT_CHUNK,
) -> list[EventPayload]:
    """The recount's next chunk, from the clock after the bookmark."""
    return await _recount(session, calendar, payload, chunk)


async def recount_whole(
    session: AsyncSession, envelope: Envelope, payload: CalendarUpdated, *, calendar: LiveCalendar
) -> list[EventPayload]:
    """The whole recount in one transaction, chunk after chunk: what a replay does (offline, nobody
    waits on it), whose tables are rebuilt with clock ids of their own — the bookmarks in the log are
    the live run's and are passed over."""
    emitted: list[EventPayload] = []
    bookmark: CalendarRecountContinued | None = None
    while True:
        if bookmark is None:
            found = await on_calendar_updated(session, envelope, payload, calendar=calendar)
        else:
            found = await on_recount_continued(session, envelope, bookmark, calendar=calendar)
        bookmark = next((e for e in found if isinstance(e, CalendarRecountContinued)), None)
        emitted += [e for e in found if not isinstance(e, CalendarRecountContinued)]
        if bookmark is None:
            return emitted


async def _recount(
    session: AsyncSession, calendar: LiveCalendar, at: CalendarRecountContinued, chunk: int
) -> list[EventPayload]:
    """Count again, on the calendar in force, the next ``chunk`` open clocks (in id order, after the
    bookmark) whose span (start, due] reaches into the year; announce each date that moved, and the
    bookmark after them if there may be more. A clock already counted on this calendar has not moved
    and is passed over, so a chunk delivered again, or a clock opened since the notice, changes nothing.
    """
    await calendar.refresh(session)
    first, last = date(at.year, 1, 1), date(at.year, 12, 31)
    c = CLOCK_TABLE.c
    rows = (
        await (await session.connection()).execute(
            sa_select(
                c.id,
                c.case_id,
                c.kind,
                c.state,
                c.start_date,
                c.working_days + c.extension_days + c.paused_days,
                c.due_date,
                c.provisional,
                c.party_id,
            )
            .where(
                c.id > at.after_clock_id, c.state.in_(OPEN_STATES), c.due_date >= first, c.start_date <= last
            )
            .order_by(c.id)
            .limit(chunk)
            .with_for_update()  # a reply committing meanwhile waits, then stops the recounted clock
        )
    ).all()
    by_id = {row[0]: row for row in rows}
    counted = (CountedClock(row[0], row[4], row[5], row[6], row[7]) for row in rows)
    status = "节假日安排已公布" if at.status == "announced" else "节假日安排暂按周末计算"
    # The day and time of the announcement, not of its processing: a replay counts as it was counted.
    today_ = local_date(at.cause_time)
    updates: list[dict[str, Any]] = []
    ledger: list[dict[str, Any]] = []
    emitted: list[EventPayload] = []
    now = at.cause_time
    for clock, due in recount(calendar, counted):
        _, case_id, kind, state, *_, party_id = by_id[clock.id]
        moved = due.due_date != clock.due_date
        note = (
            f"{at.year}年{status}，{CLOCK_NAMES[ClockKind(kind)]}"
            + (
                f"由{cn_date(clock.due_date)}调整为{cn_date(due.due_date)}"
                if moved
                else f"确定为{cn_date(due.due_date)}"
            )
            + ("（暂定）" if due.provisional else "")
        )
        if state == ClockState.BREACHED and due.due_date >= today_:
            state = ClockState.RUNNING.value  # the red card was for the old date
        updates.append(
            {"clock_id": clock.id, "due": due.due_date, "provisional": due.provisional, "new_state": state}
        )
        ledger.append(
            {
                "clock_id": clock.id,
                "cause": CalendarUpdated.event_type,
                "event_id": str(at.cause_id),
                "old_due_date": clock.due_date,
                "new_due_date": due.due_date,
                "note": note,
                "at": now,
            }
        )
        emitted.append(
            DeadlineSet(
                case_id=UUID(case_id),
                clock=ClockKind(kind),
                due_date=due.due_date,
                provisional=due.provisional,
                old_due_date=clock.due_date,
                cause=CalendarUpdated.event_type,
                note=note,
                party_id=party_id or None,
            )
        )
    if updates:
        await session.exec(
            update(CLOCK_TABLE)
            .where(c.id == bindparam("clock_id"))
            .values(
                due_date=bindparam("due"), provisional=bindparam("provisional"), state=bindparam("new_state")
            ),
            params=updates,
        )
        await session.exec(insert(LEDGER_TABLE), params=ledger)
    log.info(
        "calendar %s: %d open clocks after #%d counted again, %d changed",
        at.year,
        len(rows),
        at.after_clock_id,
        len(updates),
    )
    if len(rows) == chunk:
        emitted.append(at.model_copy(update={"after_clock_id": rows[-1][0]}))
    return emitted


# --- cards ----------------------------------------------------------------------------------------
