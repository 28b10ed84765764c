"""HTTP bodies of tracking (ARCHITECTURE §8)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from shared.codes import ClockKind, ClockState


class LedgerEntryPublic(BaseModel):
    cause: str
    old_due_date: date | None
    new_due_date: date | None
    note: str


class ClockPublic(BaseModel):
    kind: ClockKind
    due_date: date
    provisional: bool
    state: ClockState
    ledger: list[LedgerEntryPublic]


class CaseDeadlines(BaseModel):
    case_id: str
    clocks: list[ClockPublic]
