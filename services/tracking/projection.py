"""What tracking's own events do to its clocks: applied when the due check emits them, and again when a
replay reads them back from the log (`shared.consumer.Projector`).

The clocks follow the events tracking consumes by recounting (`services.tracking.handlers`); the cards
and lapses it emits itself come from the periodic due check, whose only record is these events. A red
card for a third party's clock does more: once no other party is waited for, the reply clock goes on by
itself (OGI Art. 32) — counted on the calendar in force, so a replay counts it as it was counted.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.tracking import handlers
from services.tracking.clock_book import SqlClockBook, TrackingUnitOfWork
from services.tracking.db import Clock, ClockLedgerEntry
from services.tracking.labels import CLOCK_NAMES
from shared.codes import ClockKind, ClockState
from shared.dates import cn_date
from shared.events import DeadlineBreached, DeadlineLapsed, Envelope
from shared.uow import Delivered
from shared.workdays import Calendar

__all__ = ["project"]

LAPSED_UNUSED = {ClockKind.SUPPLEMENT_DUE: "，未收到补正材料"}
"""What a lapse means beyond the date, where it says more than that the window closed."""


async def _clock_due(session: AsyncSession, payload: DeadlineLapsed) -> Clock | None:
    """The case's clock of that kind, if it is still running towards that due date."""
    clock = (
        await session.exec(
            select(Clock)
            .where(
                Clock.case_id == str(payload.case_id),
                Clock.kind == payload.clock.value,
                Clock.party_id == "",  # a window: never a third party's
            )
            .with_for_update()
        )
    ).first()
    if clock is None or clock.due_date != payload.due_date or clock.state != ClockState.RUNNING:
        return None  # the date moved, or the clock stopped, since
    return clock


async def project(session: AsyncSession, envelope: Envelope, payload: Any, *, calendar: Calendar) -> None:
    """Apply one of tracking's own events; ``calendar`` counts a reply clock a third party's lapse
    lets go on (the calendar in force as the event was emitted, or as the log had it in a replay)."""
    match payload:
        case DeadlineBreached():
            # red card (红牌): runs again only if the date moves; a third party's lapse lets the reply
            # clock go on (OGI Art. 32) — what that moved, `alarms` announces beside the card
            uow = TrackingUnitOfWork(SqlClockBook(session), calendar)
            await handlers.on_deadline_breached(Delivered(envelope, payload), uow)
        case DeadlineLapsed():
            clock = await _clock_due(session, payload)
            if clock is not None:  # a window closes on its due date
                assert clock.id is not None
                clock.state, clock.stopped_on = ClockState.STOPPED.value, clock.due_date
                session.add(clock)
                session.add(
                    ClockLedgerEntry(
                        clock_id=clock.id,
                        cause=envelope.type,
                        event_id=str(envelope.id),
                        old_due_date=clock.due_date,
                        new_due_date=None,
                        note=f"{CLOCK_NAMES[ClockKind(clock.kind)]}已于{cn_date(clock.due_date)}届满"
                        + (LAPSED_UNUSED.get(ClockKind(clock.kind), "")),
                        at=envelope.time,
                    )
                )
