"""A calendar book for the use-case tier: a fixed calendar, as a unit of work in memory sees it."""

from __future__ import annotations

from shared.workdays import Calendar


class FixedCalendarBook:
    def __init__(self, calendar: Calendar) -> None:
        self._calendar = calendar

    async def current(self) -> Calendar:
        return self._calendar
