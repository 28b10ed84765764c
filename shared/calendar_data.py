"""Seed announced years from the ``chinesecalendar`` package (import name ``chinese_calendar``).

This is the only module that imports the package. It knows a fixed range of years (2004-2026 in 1.11)
and raises ``NotImplementedError`` outside it, so years beyond its range are simply not produced
here: `WorkingCalendar` treats them as provisional until their notice is loaded.

The package keeps two dicts keyed by date: ``holidays`` (days off because of a holiday period; weekend
days inside a period are listed for most periods, not all) and ``workdays`` (weekend days worked, 调休).
Each date goes to the record of its own calendar year, even when it was set by the next year's notice
(2023-12-30/31 belong to the 2024 New Year break but to the 2023 record).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import chinese_calendar
from chinese_calendar import constants

from shared.workdays import WorkingCalendar, YearCalendar

__all__ = ["SOURCE", "announced_years", "default_calendar", "known_years"]

_HOLIDAYS: Mapping[date, str] = constants.holidays
_WORKDAYS: Mapping[date, str] = constants.workdays

_version: str = chinese_calendar.__version__
SOURCE = "chinesecalendar " + ".".join(_version.split(".")[:2])

_SATURDAY = 5


def known_years() -> range:
    """The years the package has data for (it uses the same bounds to refuse a date)."""
    return range(min(_HOLIDAYS).year, max(_HOLIDAYS).year + 1)


def announced_years(first: int = 2004, last: int | None = None) -> list[YearCalendar]:
    """One announced `YearCalendar` per year in ``[first, last]`` that the package knows.

    ``last`` defaults to the last year it knows; years outside its range are left out.
    """
    known = known_years()
    start = max(first, known.start)
    stop = known.stop if last is None else min(last + 1, known.stop)
    holidays: dict[int, set[date]] = {year: set() for year in range(start, stop)}
    extra_workdays: dict[int, set[date]] = {year: set() for year in range(start, stop)}
    for day in _HOLIDAYS:
        if day.year in holidays:
            holidays[day.year].add(day)
    for day in _WORKDAYS:
        if day.year in extra_workdays and day.weekday() >= _SATURDAY:
            extra_workdays[day.year].add(day)
    return [
        YearCalendar(
            year=year,
            holidays=frozenset(holidays[year]),
            extra_workdays=frozenset(extra_workdays[year]),
            status="announced",
            source=SOURCE,
        )
        for year in range(start, stop)
    ]


def default_calendar() -> WorkingCalendar:
    """Every year the package knows, announced; later years are provisional."""
    return WorkingCalendar(announced_years())
