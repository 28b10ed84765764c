"""Tracking's unit of work: the clock book (计时台账) — each case's clocks, their ledger of due-date
changes and the channel of each case seen — and the working-day calendar in force.

`ClockBook` is what the clock reactions (`services.tracking.handlers`) may do with stored state;
`SqlClockBook` does it in the consumer's transaction (clocks read for update, so two instances never
move one clock at once). The use-case tests use a fake in memory (`tests/tracking/usecases`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.tracking.db import CaseChannel, Clock, ClockLedgerEntry
from shared.codes import ClockKind
from shared.workdays import Calendar

__all__ = ["ClockBook", "SqlClockBook", "TrackingUnitOfWork"]


class ClockBook(Protocol):
    async def clock(self, case_id: UUID | str, kind: ClockKind, party_id: str = "") -> Clock | None:
        """The case's clock of ``kind`` (for a third party's, that party's), held for change until
        the unit of work ends."""
        ...

    async def clocks(self, case_id: UUID | str) -> Sequence[Clock]:
        """All the case's clocks, held for change."""
        ...

    async def add_clock(self, clock: Clock) -> None:
        """A new clock: it has its id when this returns (the ledger refers to it)."""
        ...

    async def record(self, entry: ClockLedgerEntry | Clock | CaseChannel) -> None:
        """Keep a new ledger entry or case, or a changed clock."""
        ...

    async def ledger(self, clock_id: int) -> Sequence[ClockLedgerEntry]:
        """The clock's ledger, oldest first."""
        ...

    async def case(self, case_id: UUID | str) -> CaseChannel | None: ...

    async def comments(self, consultation_id: UUID | str) -> Sequence[CaseChannel]:
        """The comment cases of a consultation (征求意见)."""
        ...


@dataclass(frozen=True, slots=True)
class TrackingUnitOfWork:
    """What a clock reaction works with: the book, and the calendar its working days are counted on."""

    clocks: ClockBook
    calendar: Calendar


class SqlClockBook:
    """The book in one transaction of tracking's database."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def clock(self, case_id: UUID | str, kind: ClockKind, party_id: str = "") -> Clock | None:
        query = select(Clock).where(
            Clock.case_id == str(case_id), Clock.kind == kind.value, Clock.party_id == party_id
        )
        return (await self._session.exec(query.with_for_update())).first()

    async def clocks(self, case_id: UUID | str) -> Sequence[Clock]:
        query = select(Clock).where(Clock.case_id == str(case_id))
        return (await self._session.exec(query.with_for_update())).all()

    async def add_clock(self, clock: Clock) -> None:
        self._session.add(clock)
        await self._session.flush()

    async def record(self, entry: ClockLedgerEntry | Clock | CaseChannel) -> None:
        self._session.add(entry)

    async def ledger(self, clock_id: int) -> Sequence[ClockLedgerEntry]:
        query = (
            select(ClockLedgerEntry)
            .where(ClockLedgerEntry.clock_id == clock_id)
            .order_by(col(ClockLedgerEntry.at), col(ClockLedgerEntry.id))
        )
        return (await self._session.exec(query)).all()

    async def case(self, case_id: UUID | str) -> CaseChannel | None:
        return await self._session.get(CaseChannel, str(case_id))

    async def comments(self, consultation_id: UUID | str) -> Sequence[CaseChannel]:
        query = select(CaseChannel).where(CaseChannel.consultation_id == str(consultation_id))
        return (await self._session.exec(query)).all()
