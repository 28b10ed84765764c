"""The working-day calendar as stored data: one row per year, and a live calendar that follows it.

Each service that counts working days keeps its own copy of the calendar in its own database
(tracking is the owner: its admin endpoint stores a year and announces it as ``calendar.updated``;
routing stores what it hears). At startup the years ``chinesecalendar`` knows are seeded as
``announced`` unless a row for that year exists already: a year an admin stored is never overwritten
by the package.

Every stored change bumps a revision. `LiveCalendar` answers working-day questions from the last
calendar it loaded and reloads when the stored revision has moved, so all instances of a service
count with the same calendar within one cheap query of a change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import JSON, Column, func
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.calendar_data import announced_years
from shared.db import Database, UTCDateTime, insert_ignoring_duplicates
from shared.events import CalendarUpdated, Envelope, EventPayload
from shared.locks import xact_lock
from shared.workdays import Calendar, DueDate, WorkingCalendar, YearCalendar, YearStatus

__all__ = [
    "CalendarBook",
    "CalendarYear",
    "LiveCalendar",
    "SqlCalendarBook",
    "keep_calendar_year",
    "load_years",
    "seed_calendar",
    "store_year",
]


class CalendarYear(SQLModel, table=True):
    """One year of the calendar: its holidays and extra working days (调休), as ISO dates."""

    __tablename__ = "calendar_year"

    year: int = Field(primary_key=True)
    holidays: list[str] = Field(sa_column=Column(JSON, nullable=False))
    extra_workdays: list[str] = Field(sa_column=Column(JSON, nullable=False))
    status: str
    source: str
    revision: int = Field(default=0, index=True)
    updated_at: datetime = Field(sa_type=UTCDateTime)

    def to_record(self) -> YearCalendar:
        return YearCalendar(
            year=self.year,
            holidays=frozenset(date.fromisoformat(d) for d in self.holidays),
            extra_workdays=frozenset(date.fromisoformat(d) for d in self.extra_workdays),
            status="announced" if self.status == "announced" else "provisional",
            source=self.source,
        )


CALENDAR_TABLE = CalendarYear.__table__  # type: ignore[attr-defined]


def _row_values(record: YearCalendar, revision: int) -> dict[str, Any]:
    return {
        "year": record.year,
        "holidays": sorted(d.isoformat() for d in record.holidays),
        "extra_workdays": sorted(d.isoformat() for d in record.extra_workdays),
        "status": record.status,
        "source": record.source,
        "revision": revision,
        "updated_at": datetime.now(UTC),
    }


_CHECKED = "civic_calendar_checked"
"""``session.info`` key: the `LiveCalendar` that already asked for the revision in this transaction."""


async def seed_calendar(session: AsyncSession) -> int:
    """Store each year the package knows that has no row yet; the number of years added."""
    added = 0
    for record in announced_years():
        added += await insert_ignoring_duplicates(session, CALENDAR_TABLE, _row_values(record, 0))
    return added


async def current_revision(session: AsyncSession) -> int:
    return (await session.exec(select(func.coalesce(func.max(CalendarYear.revision), 0)))).one()


async def store_year(session: AsyncSession, record: YearCalendar) -> tuple[YearCalendar | None, int]:
    """Store (insert or replace) one year; the record it replaced, if any, and the new revision —
    one of its own even when two admins store at once (every instance then sees the revision move)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await xact_lock(session, "civic-calendar-revision")  # SQLite's unit of work is locked already
    revision = await current_revision(session) + 1
    session.info.pop(_CHECKED, None)  # the next refresh in this transaction sees the new revision
    row = await session.get(CalendarYear, record.year)
    previous = row.to_record() if row is not None else None
    values = _row_values(record, revision)
    if row is None:
        row = CalendarYear(**values)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.add(row)
    await session.flush()
    return previous, revision


async def load_years(session: AsyncSession) -> list[YearCalendar]:
    rows = (await session.exec(select(CalendarYear).order_by(col(CalendarYear.year)))).all()
    return [row.to_record() for row in rows]


class LiveCalendar:
    """A `shared.workdays.Calendar` that reloads from the database when the stored calendar changed.

    Call :meth:`refresh` at the start of a unit of work (one indexed ``max`` query); between refreshes
    it answers from memory like `WorkingCalendar`.
    """

    __slots__ = ("_calendar", "_revision")

    def __init__(self, calendar: WorkingCalendar | None = None) -> None:
        self._calendar = calendar or WorkingCalendar(announced_years())
        self._revision = -1

    @property
    def current(self) -> WorkingCalendar:
        return self._calendar

    @property
    def revision(self) -> int:
        return self._revision

    async def refresh(self, session: AsyncSession) -> bool:
        """Reload if the stored calendar moved since the last load; True when it did. Asked once per
        transaction (a consumer's batch shares one) unless the transaction stores a year itself."""
        if session.info.get(_CHECKED) is self:
            return False
        session.info[_CHECKED] = self
        revision = await current_revision(session)
        if revision == self._revision:
            return False
        years = await load_years(session)
        self._calendar = WorkingCalendar(years)
        self._revision = revision
        return True

    async def refresh_from(self, database: Database) -> bool:
        """:meth:`refresh` in a session of its own (for a use case outside a consumer)."""
        async with database.session() as session:
            return await self.refresh(session)

    def year_status(self, year: int) -> YearStatus:
        return self._calendar.year_status(year)

    def is_workday(self, day: date) -> bool:
        return self._calendar.is_workday(day)

    def add_working_days(self, start: date, days: int) -> DueDate:
        return self._calendar.add_working_days(start, days)

    def working_days_between(self, start: date, end: date) -> int:
        return self._calendar.working_days_between(start, end)


async def keep_calendar_year(
    session: AsyncSession, _envelope: Envelope, payload: CalendarUpdated, *, calendar: LiveCalendar
) -> list[EventPayload]:
    """A service that counts working days but does not own the calendar keeps its copy from
    tracking's ``calendar.updated`` (one partition: the last event for a year wins)."""
    await store_year(
        session,
        YearCalendar(
            year=payload.year,
            holidays=frozenset(payload.holidays),
            extra_workdays=frozenset(payload.extra_workdays),
            status=payload.status,
            source="calendar.updated",
        ),
    )
    await calendar.refresh(session)
    return []


class CalendarBook(Protocol):
    """The working-day calendar in force, as a unit of work sees it."""

    async def current(self) -> Calendar: ...


class SqlCalendarBook:
    """The live calendar made current at the first ask in the session's transaction (one indexed query
    a transaction), not before: a unit of work that counts no working days asks nothing."""

    def __init__(self, session: AsyncSession, live: LiveCalendar) -> None:
        self._session = session
        self._live = live

    async def current(self) -> Calendar:
        await self._live.refresh(self._session)
        return self._live
