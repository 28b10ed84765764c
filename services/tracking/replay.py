"""What a replay of tracking rebuilds (`shared.replay`): ``python -m services.tracking replay``.

The clocks, their ledgers and the cases are rebuilt from ``case-events``, ``consultation-events`` and
``calendar-events``, read in the order they came, by the same use cases the service runs — counted on
the calendar as the log had it at each moment (the package's years, then each ``calendar.updated``).
Tracking's own cards and lapses (``deadline.breached``, ``deadline.lapsed``) put their clocks in the
state the due check left them in. The record of cards sent (``tracking_alarm``) is kept as it is, so
the next due check sends only what was never sent; the stored calendar is kept too (it names its
source). Nothing is published.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.tracking.app import consumers
from services.tracking.config import TrackingSettings
from services.tracking.db import SCHEMA, AlarmSent, CaseChannel, Clock, ClockLedgerEntry
from services.tracking.projection import project
from shared.calendar_store import CalendarYear, LiveCalendar, seed_calendar
from shared.codes import ClockState
from shared.replay import ReplayPlan

__all__ = ["replay_plan"]


def replay_plan(settings: TrackingSettings) -> ReplayPlan:
    calendar = LiveCalendar()

    async def seed(session: AsyncSession) -> None:
        await seed_calendar(session)
        await calendar.refresh(session)

    return ReplayPlan(
        schema=SCHEMA,
        rebuilt=[Clock, ClockLedgerEntry, CaseChannel],
        restarted=[CalendarYear],
        consumers=consumers(calendar, settings),
        projector=partial(project, calendar=calendar),
        seed=seed,
        finish=_restore_lapses_of_release_0_1,
    )


async def _restore_lapses_of_release_0_1(session: AsyncSession) -> None:
    """Release 0.1 stopped a window that ran out without an event (``deadline.lapsed`` came later):
    its record of the lapse stops the window on its due date all the same."""
    lapsed = (
        select(col(AlarmSent.case_id))
        .where(
            col(AlarmSent.case_id) == col(Clock.case_id),
            col(AlarmSent.clock) == col(Clock.kind),
            col(AlarmSent.due_date) == col(Clock.due_date),
            col(AlarmSent.kind) == "lapsed",
        )
        .exists()
    )
    values: dict[str, Any] = {"state": ClockState.STOPPED.value, "stopped_on": col(Clock.due_date)}
    await session.exec(
        update(Clock).where(col(Clock.state) == ClockState.RUNNING.value, lapsed).values(**values)
    )
