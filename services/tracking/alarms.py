"""The due check (督办提醒): yellow and red cards for clocks about to run out or run out, once each."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sqlalchemy import Table
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from services.tracking.clocks import (
    WINDOWS,
    alarm_due,
)
from services.tracking.db import AlarmSent, Clock, ClockLedgerEntry, alarm_clock
from shared.calendar_store import LiveCalendar
from shared.codes import ClockKind, ClockState
from shared.dates import today
from shared.db import insert_ignoring_duplicates
from shared.events import (
    DeadlineBreached,
    DeadlineLapsed,
    DeadlineSet,
    DeadlineWarning,
    Envelope,
    EventPayload,
)
from shared.failures import safe_traceback
from shared.runtime import ServiceRuntime
from shared.workdays import Calendar

log = logging.getLogger(__name__)

ALARM_TABLE: Table = AlarmSent.__table__  # type: ignore[attr-defined]


ALARM_HORIZON_DAYS = 14
"""Only clocks due within this many calendar days (or overdue) are read: an indexed range query."""


def clocks_due_by(on: date) -> SelectOfScalar[Clock]:
    """Running clocks due within the horizon or overdue: a range on ``ix_tracking_clock_due``.

    A breached clock has had its red card (it runs again only if its date moves), and a window that
    ran out is stopped, so a clock overdue for months is read once, not at every check."""
    return select(Clock).where(
        Clock.state == ClockState.RUNNING.value,
        col(Clock.due_date) <= on + timedelta(days=ALARM_HORIZON_DAYS),
    )


def clocks_to_card(on: date) -> SelectOfScalar[Clock]:
    """`clocks_due_by`, locked for the due check: a reply committing meanwhile waits for the cards and
    then stops its clock, instead of a card overwriting the reply's stop with the state it read."""
    return clocks_due_by(on).with_for_update()


ALARM_CHUNK = 100
"""Clocks carded per transaction: a due check over many clocks never holds the writer for long."""


async def raise_alarms(
    runtime: ServiceRuntime, calendar: Calendar, *, on: date, chunk: int = ALARM_CHUNK
) -> int:
    """Send each yellow and red card that is due on ``on``, exactly once per clock and due date.

    A window (the supplement notice, the return) that runs out is stopped, without a card: it is
    announced as ``deadline.lapsed``. The clocks are taken ``chunk`` at a time in id order, each chunk
    in a transaction of its own (a reply meanwhile waits for one chunk, not for the whole check). The
    number of cards sent is returned.
    """
    sent, after = 0, 0
    while True:
        async with runtime.unit_of_work() as session:
            if isinstance(calendar, LiveCalendar):
                await calendar.refresh(session)
            clocks = (
                await session.exec(
                    clocks_to_card(on).where(col(Clock.id) > after).order_by(col(Clock.id)).limit(chunk)
                )
            ).all()
            for clock in clocks:
                sent += await _card(runtime, session, calendar, clock, on)
        if len(clocks) < chunk:
            return sent
        after = clocks[-1].id or 0


async def _card(
    runtime: ServiceRuntime, session: AsyncSession, calendar: Calendar, clock: Clock, on: date
) -> int:
    """The card ``clock`` is due on ``on``, if any and not sent before; 1 when a card was sent."""
    kind = alarm_due(calendar, clock.due_date, on)
    if kind is None or (kind == "warning" and clock.state == ClockState.BREACHED):
        return 0
    lapsed = kind == "breached" and ClockKind(clock.kind) in WINDOWS
    first_time = await insert_ignoring_duplicates(
        session,
        ALARM_TABLE,
        {
            "case_id": clock.case_id,
            "clock": alarm_clock(clock),
            "kind": "lapsed" if lapsed else kind,
            "due_date": clock.due_date,
            "sent_at": datetime.now(UTC),
        },
    )
    if not first_time:  # sent before (another instance, or before a replay): keep the state in step
        if lapsed:
            clock.state, clock.stopped_on = ClockState.STOPPED.value, clock.due_date
        elif clock.state == ClockState.RUNNING and kind == "breached":
            clock.state = ClockState.BREACHED.value
        session.add(clock)
        return 0
    # The events do the rest (`services.tracking.projection`): a lapse stops the window on its
    # due date, a red card marks the clock breached — here, and in a replay of the log.
    case_id, clock_kind, due = UUID(clock.case_id), ClockKind(clock.kind), clock.due_date
    party = clock.party_id or None
    card: DeadlineLapsed | DeadlineBreached | DeadlineWarning = (
        DeadlineLapsed(case_id=case_id, clock=clock_kind, due_date=due)
        if lapsed
        else DeadlineBreached(case_id=case_id, clock=clock_kind, due_date=due, party_id=party)
        if kind == "breached"
        else DeadlineWarning(case_id=case_id, clock=clock_kind, due_date=due, party_id=party)
    )
    (sent,) = await runtime.emit(session, [card])
    if clock_kind is ClockKind.THIRD_PARTY:  # its projection may have let the reply clock go on
        await runtime.emit(session, await _reply_clock_moved_by(session, sent))
    return 0 if lapsed else 1  # a lapse is no card


async def _reply_clock_moved_by(session: AsyncSession, card: Envelope) -> list[EventPayload]:
    """The ``deadline.set`` of the reply clock a third party's red card let go on (OGI Art. 32), as its
    projection wrote it in the clock's ledger; none if the clock still waits for another party."""
    reply = (
        await session.exec(
            select(Clock).where(Clock.case_id == card.subject, Clock.kind == ClockKind.REPLY.value)
        )
    ).first()
    if reply is None or reply.id is None:
        return []
    entry = (
        await session.exec(
            select(ClockLedgerEntry).where(
                ClockLedgerEntry.clock_id == reply.id, ClockLedgerEntry.event_id == str(card.id)
            )
        )
    ).first()
    if entry is None:
        return []
    return [
        DeadlineSet(
            case_id=UUID(reply.case_id),
            clock=ClockKind.REPLY,
            due_date=reply.due_date,
            provisional=reply.provisional,
            old_due_date=entry.old_due_date,
            cause=card.type,
            note=entry.note,
        )
    ]


async def watch_deadlines(runtime: ServiceRuntime, calendar: Calendar, every_seconds: float) -> None:
    """The periodic due check (督办提醒), until cancelled."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            await raise_alarms(runtime, calendar, on=today())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("the due check failed; trying again at the next interval\n%s", safe_traceback(exc))


# --- supervision (督办) ----------------------------------------------------------------------------
