"""HTTP bodies of tracking (ARCHITECTURE §8)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from shared.codes import Channel, ClockKind, ClockState
from shared.dates import BoundedDate
from shared.errors import InvalidInput
from shared.workdays import YearCalendar


class LedgerEntryPublic(BaseModel):
    cause: str
    old_due_date: date | None
    new_due_date: date | None
    note: str


class ClockPublic(BaseModel):
    kind: ClockKind
    party_id: str | None = Field(
        default=None, description="A third party's clock: which party (several may be consulted at once)."
    )
    due_date: date
    provisional: bool
    state: ClockState
    ledger: list[LedgerEntryPublic]


class CaseDeadlines(BaseModel):
    case_id: str
    clocks: list[ClockPublic]


class CalendarYearUpdate(BaseModel):
    """One year of the State Council's notice: the days off and the weekend days worked (调休)."""

    holidays: list[BoundedDate] = Field(description="Every day off for a public holiday in this year.")
    extra_workdays: list[BoundedDate] = Field(default=[], description="Weekend days that are working days.")
    status: Literal["announced", "provisional"] = "announced"
    source: str | None = Field(
        default=None, max_length=200, description="Where the dates come from, e.g. the notice's number."
    )

    def to_record(self, year: int, *, default_source: str) -> YearCalendar:
        """The record, or `InvalidInput` naming the field and the date that does not fit."""
        for field, days in (("holidays", self.holidays), ("extra_workdays", self.extra_workdays)):
            for day in days:
                if day.year != year:
                    raise InvalidInput(field, f"{day.isoformat()} is not in {year}")
        for day in self.extra_workdays:
            if day.weekday() < 5:
                raise InvalidInput("extra_workdays", f"{day.isoformat()} is a weekday, not a weekend day")
        both = sorted(set(self.holidays) & set(self.extra_workdays))
        if both:
            raise InvalidInput("extra_workdays", f"{both[0].isoformat()} is listed as a holiday too")
        return YearCalendar(
            year=year,
            holidays=frozenset(self.holidays),
            extra_workdays=frozenset(self.extra_workdays),
            status=self.status,
            source=self.source or default_source,
        )


class CalendarYearPublic(BaseModel):
    year: int
    status: Literal["announced", "provisional"]
    source: str
    holidays: list[date]
    extra_workdays: list[date]
    revision: int | None = Field(description="Stored revision; null for a year not stored (weekends only).")

    @classmethod
    def of(cls, record: YearCalendar, revision: int | None) -> CalendarYearPublic:
        return cls(
            year=record.year,
            status=record.status,
            source=record.source,
            holidays=sorted(record.holidays),
            extra_workdays=sorted(record.extra_workdays),
            revision=revision,
        )


class StatsQuery(BaseModel):
    period_from: BoundedDate | None = Field(
        default=None, alias="from", description="First start day counted."
    )
    period_to: BoundedDate | None = Field(default=None, alias="to", description="Last start day counted.")
    channel: Channel | None = None
    department: str | None = Field(default=None, max_length=64)


class StatsRow(BaseModel):
    """One department and channel (or the total: department and channel null)."""

    department_id: str | None
    department_name: str | None
    channel: Channel | None
    cases: int = Field(description="Reply clocks started in the period.")
    open: int = Field(description="Not yet replied (running, paused or overdue).")
    due_soon: int = Field(description="Open, running and due within 2 working days from today.")
    overdue: int = Field(description="Open, running and past the due date (超期).")
    replied: int
    replied_on_time: int
    on_time_rate: float | None = Field(description="replied_on_time / replied; null when nothing replied.")
    average_working_days: float | None = Field(
        description="Working days from start to reply, pauses not counted; null when nothing replied."
    )

    @classmethod
    def total(cls, rows: list[StatsRow]) -> StatsRow:
        replied = sum(r.replied for r in rows)
        on_time = sum(r.replied_on_time for r in rows)
        used = sum((r.average_working_days or 0) * r.replied for r in rows)
        return cls(
            department_id=None,
            department_name=None,
            channel=None,
            cases=sum(r.cases for r in rows),
            open=sum(r.open for r in rows),
            due_soon=sum(r.due_soon for r in rows),
            overdue=sum(r.overdue for r in rows),
            replied=replied,
            replied_on_time=on_time,
            on_time_rate=round(on_time / replied, 4) if replied else None,
            average_working_days=round(used / replied, 1) if replied else None,
        )


class SupervisedCasePublic(BaseModel):
    """A case under supervision (督办): a citizen unsatisfied again with its department's reply."""

    case_id: str
    channel: Channel
    department_id: str | None
    department_name: str | None
    unsatisfied: int = Field(description="Unsatisfied ratings when it was (last) supervised.")
    reason: str
    supervised_on: date
    read_by: str | None = Field(description="The department head who read the notice; null: unread.")
    reply_due: date | None = Field(description="The open reply clock's due date; null when none runs.")
    reply_clock: ClockState | None = Field(description="The reply clock's state; null when it has none.")


class SupervisionStats(BaseModel):
    as_of: date
    due_soon_until: date = Field(description="The second working day after as_of.")
    period_from: date | None
    period_to: date | None
    rows: list[StatsRow]
    total: StatsRow
