"""Tracking's tables: one row per clock of a case, and the ledger of every change to its due date."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.calendar_store import CalendarYear
from shared.db import UTCDateTime
from shared.migrations import ServiceSchema


class Clock(SQLModel, table=True):
    __tablename__ = "tracking_clock"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", "party_id", name="uq_tracking_clock_case_kind_party"),
        Index("ix_tracking_clock_due", "state", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True)
    kind: str
    party_id: str = Field(default="", sa_column_kwargs={"server_default": ""})
    """Which third party a ``third_party`` clock waits for (several may be consulted at once); "" for
    every other clock, and for a third party consulted before parties were told apart."""
    channel: str
    start_date: date
    working_days: int
    counted_from: str
    due_date: date
    provisional: bool
    state: str
    extension_days: int = 0
    paused_on: date | None = None
    paused_days: int = 0
    stopped_on: date | None = None
    days_used: int | None = None
    """Working days from the start to the stop, less paused days (for the reply clock's statistics)."""
    on_time: bool | None = None


class ClockLedgerEntry(SQLModel, table=True):
    __tablename__ = "tracking_clock_ledger"

    id: int | None = Field(default=None, primary_key=True)
    clock_id: int = Field(foreign_key="tracking_clock.id", index=True)
    cause: str
    event_id: str
    old_due_date: date | None = None
    new_due_date: date | None = None
    note: str
    at: datetime = Field(sa_type=UTCDateTime)


class CaseChannel(SQLModel, table=True):
    """The channel of each case seen, so an assignment knows which clock to start."""

    __tablename__ = "tracking_case"

    case_id: str = Field(primary_key=True)
    channel: str
    department_id: str | None = None
    department_name: str | None = None
    consultation_id: str | None = Field(default=None, index=True)
    supervised: int = Field(
        default=0, description="Unsatisfied ratings of its latest supervision (督办); 0: never supervised."
    )
    supervised_on: date | None = Field(default=None, index=True)
    supervision_reason: str | None = None
    supervision_read_by: str | None = Field(
        default=None, description="The department head who read the supervision's notice; None: unread."
    )


class AlarmSent(SQLModel, table=True):
    """A yellow or red card sent for one clock and due date: the key makes it exactly once, across
    restarts, replays and several tracking instances (a moved due date may warn again).

    Keyed by case and clock kind, not by the clock's row id, so a replay that rebuilds the clocks
    (new row ids) still finds the cards already sent. ``kind`` is ``warning``, ``breached`` or
    ``lapsed`` (a window that ran out). ``clock`` is the clock's kind, and for one of several third
    parties' clocks ``third_party/<party_id>`` (`alarm_clock`)."""

    __tablename__ = "tracking_alarm"

    case_id: str = Field(primary_key=True)
    clock: str = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    due_date: date = Field(primary_key=True)
    sent_at: datetime = Field(sa_type=UTCDateTime)


def alarm_clock(clock: Clock) -> str:
    """The clock as `AlarmSent` names it: its kind, and which third party when there are several."""
    return f"{clock.kind}/{clock.party_id}" if clock.party_id else clock.kind


TABLES: list[type[SQLModel]] = [Clock, ClockLedgerEntry, CaseChannel, AlarmSent, CalendarYear]

SCHEMA = ServiceSchema("tracking", TABLES, Path(__file__).parent / "migrations")
"""The tracking database: its tables and their migrations."""
