"""Working days (工作日) and deadline counting — pure, standard library only.

A working day is a Monday-to-Friday that is not a public holiday, or a weekend day that the State
Council's annual notice turns into a working day (调休, "extra working days"). The calendar is data:
one `YearCalendar` per year, either ``announced`` (the notice is loaded) or ``provisional`` (weekends
only, until the notice arrives). A year the calendar does not hold at all is treated as provisional.

Counting rule: the day of receipt is not counted; day 1 is the first working day after it. So
``add_working_days(start, n)`` is the n-th working day strictly after ``start``, and
``working_days_between(start, end)`` counts the working days d with ``start < d <= end``. The two are
inverse: ``working_days_between(start, add_working_days(start, n).due_date) == n``.

A due date is provisional when any calendar day in ``(start, due]`` falls in a provisional or unknown
year: it will be recomputed when that year's notice is loaded.

Note that a notice for year Y can change days at the end of December of year Y-1 (for example the
2019 notice made 2018-12-29 a working day and 2018-12-30/31 holidays). Records are keyed by the year
of each date, so loading such a notice means updating the Y-1 record as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, Protocol

__all__ = [
    "Calendar",
    "DueDate",
    "WorkingCalendar",
    "YearCalendar",
    "YearStatus",
    "provisional_year",
]

YearStatus = Literal["announced", "provisional"]

PROVISIONAL_SOURCE = "weekends only (not yet announced)"

_SATURDAY = 5  # date.weekday(): Monday is 0, Saturday 5, Sunday 6


@dataclass(frozen=True, slots=True)
class YearCalendar:
    """One year's holidays and extra working days (调休), as announced or provisionally assumed.

    ``holidays`` holds every day not worked because of a holiday period (weekend days inside the
    period may be listed too; it makes no difference). ``extra_workdays`` holds the weekend days that
    are working days.
    """

    year: int
    holidays: frozenset[date]
    extra_workdays: frozenset[date]
    status: YearStatus
    source: str

    def __post_init__(self) -> None:
        for day in sorted(self.holidays | self.extra_workdays):
            if day.year != self.year:
                raise ValueError(f"{day.isoformat()} does not belong to the calendar of {self.year}")
        both = self.holidays & self.extra_workdays
        if both:
            raise ValueError(f"{min(both).isoformat()} is both a holiday and an extra working day")
        for day in sorted(self.extra_workdays):
            if day.weekday() < _SATURDAY:
                raise ValueError(f"extra working day {day.isoformat()} is not a weekend day")


@dataclass(frozen=True, slots=True)
class DueDate:
    """A computed due date; ``provisional`` when it depends on a year not yet announced."""

    due_date: date
    provisional: bool


def provisional_year(year: int) -> YearCalendar:
    """A weekends-only record for a year whose notice has not been published yet."""
    return YearCalendar(
        year=year,
        holidays=frozenset(),
        extra_workdays=frozenset(),
        status="provisional",
        source=PROVISIONAL_SOURCE,
    )


class Calendar(Protocol):
    """What the clocks ask of a calendar: `WorkingCalendar`, or a live one that follows updates."""

    def year_status(self, year: int) -> YearStatus: ...

    def is_workday(self, day: date) -> bool: ...

    def add_working_days(self, start: date, days: int) -> DueDate: ...

    def working_days_between(self, start: date, end: date) -> int: ...


class WorkingCalendar:
    """Answers working-day questions over a set of `YearCalendar` records (at most one per year).

    Years it does not hold count as provisional, with Monday to Friday as working days.
    """

    __slots__ = ("_announced_years", "_extra_workdays", "_holidays", "_years")

    def __init__(self, years: Iterable[YearCalendar]) -> None:
        by_year: dict[int, YearCalendar] = {}
        for record in years:
            if record.year in by_year:
                raise ValueError(f"more than one calendar for {record.year}")
            by_year[record.year] = record
        self._years = by_year
        self._announced_years = frozenset(y for y, r in by_year.items() if r.status == "announced")
        # Day ordinals, so the counting loop below works on ints and allocates nothing per day.
        self._holidays = frozenset(d.toordinal() for r in by_year.values() for d in r.holidays)
        self._extra_workdays = frozenset(d.toordinal() for r in by_year.values() for d in r.extra_workdays)

    @property
    def years(self) -> tuple[YearCalendar, ...]:
        return tuple(self._years[year] for year in sorted(self._years))

    def year_status(self, year: int) -> YearStatus:
        record = self._years.get(year)
        return "provisional" if record is None else record.status

    def is_workday(self, day: date) -> bool:
        return self._is_workday_ordinal(day.toordinal())

    def add_working_days(self, start: date, days: int) -> DueDate:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        holidays = self._holidays
        extra = self._extra_workdays
        ordinal = start.toordinal()
        remaining = days
        while remaining:
            ordinal += 1
            # date.fromordinal(1) is a Monday, so (ordinal - 1) % 7 is date.weekday().
            if ordinal in extra or ((ordinal - 1) % 7 < _SATURDAY and ordinal not in holidays):
                remaining -= 1
        due = date.fromordinal(ordinal)
        return DueDate(due_date=due, provisional=self._touches_provisional(start, due))

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days d with ``start < d <= end``; 0 when ``end <= start``."""
        holidays = self._holidays
        extra = self._extra_workdays
        count = 0
        for ordinal in range(start.toordinal() + 1, end.toordinal() + 1):
            if ordinal in extra or ((ordinal - 1) % 7 < _SATURDAY and ordinal not in holidays):
                count += 1
        return count

    def _is_workday_ordinal(self, ordinal: int) -> bool:
        if ordinal in self._extra_workdays:
            return True
        return (ordinal - 1) % 7 < _SATURDAY and ordinal not in self._holidays

    def _touches_provisional(self, start: date, due: date) -> bool:
        """Whether any day in (start, due] lies in a year that is not announced."""
        first_year = (start + timedelta(days=1)).year
        announced = self._announced_years
        return any(year not in announced for year in range(first_year, due.year + 1))
