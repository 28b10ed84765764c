"""A clock book in memory: the fake unit of work of tracking's use-case tier (no database, no broker)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from services.tracking.clock_book import TrackingUnitOfWork
from services.tracking.db import CaseChannel, Clock, ClockLedgerEntry
from shared.calendar_data import default_calendar
from shared.codes import ClockKind
from shared.workdays import Calendar


class FakeClockBook:
    def __init__(self) -> None:
        self.by_case_and_kind: dict[tuple[str, str, str], Clock] = {}
        """Keyed by case, kind and third party ("" for every other clock)."""
        self.entries: list[ClockLedgerEntry] = []
        self.cases: dict[str, CaseChannel] = {}

    async def clock(self, case_id: UUID | str, kind: ClockKind, party_id: str = "") -> Clock | None:
        return self.by_case_and_kind.get((str(case_id), kind.value, party_id))

    async def clocks(self, case_id: UUID | str) -> Sequence[Clock]:
        return [clock for (case, *_), clock in self.by_case_and_kind.items() if case == str(case_id)]

    async def add_clock(self, clock: Clock) -> None:
        key = (clock.case_id, clock.kind, clock.party_id)
        assert key not in self.by_case_and_kind, f"a second {clock.kind} clock for one case"
        clock.id = len(self.by_case_and_kind) + 1
        self.by_case_and_kind[key] = clock

    async def record(self, entry: ClockLedgerEntry | Clock | CaseChannel) -> None:
        if isinstance(entry, ClockLedgerEntry):
            entry.id = len(self.entries) + 1
            self.entries.append(entry)
        elif isinstance(entry, CaseChannel):
            self.cases[entry.case_id] = entry
        else:
            key = (entry.case_id, entry.kind, entry.party_id)
            assert self.by_case_and_kind.get(key) is entry, "a clock never added"

    async def ledger(self, clock_id: int) -> Sequence[ClockLedgerEntry]:
        return sorted((e for e in self.entries if e.clock_id == clock_id), key=lambda e: (e.at, e.id or 0))

    async def case(self, case_id: UUID | str) -> CaseChannel | None:
        return self.cases.get(str(case_id))

    async def comments(self, consultation_id: UUID | str) -> Sequence[CaseChannel]:
        return [case for case in self.cases.values() if case.consultation_id == str(consultation_id)]

    def notes(self, case_id: UUID | str, kind: ClockKind, party_id: str = "") -> list[str]:
        clock = self.by_case_and_kind[(str(case_id), kind.value, party_id)]
        return [entry.note for entry in self.entries if entry.clock_id == clock.id]


def fake_unit_of_work(calendar: Calendar | None = None) -> tuple[TrackingUnitOfWork, FakeClockBook]:
    """A unit of work on a fresh book in memory (the 2026 calendar as announced unless told), and the book."""
    book = FakeClockBook()
    return TrackingUnitOfWork(book, calendar or default_calendar()), book
