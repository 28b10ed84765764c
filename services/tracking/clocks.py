"""Which clocks a case runs and when each is due. Pure: no I/O, no framework imports.

A clock counts working days from a start date (the start day itself not counted, see
``workdays``). Foundation rules (ARCHITECTURE §3):

- disclosure request: reply due 20 working days after the receipt date (OGI Art. 33); the notice to
  supplement (补正告知) must go out within 7 working days of receipt (Art. 30);
- supplement requested: the applicant has the working days the notice gives (补正期限, Art. 30),
  counted from the day of the notice; past them unused, the request may be treated as abandoned;
- third party consulted: 15 working days to answer (Art. 32), each party its own clock when several
  are consulted at once; the reply clock stands still while any of them is waiting, and goes on when
  the last one answers or its 15 days pass unanswered (the office then decides on its own);
- mailbox letter: reply due 5 working days after assignment (configurable);
- any routed case: the department may return it (退回) within 2 working days of assignment;
- consultation: the adoption report is due N working days after the consultation closes (per comment,
  and for the consultation as a whole).

Windows (the supplement notice, the return, the applicant's supplement) lapse without a red card:
not using them is not late — and the applicant's lapse is no lateness of the office's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from services.tracking.labels import CLOCK_NAMES, THIRD_PARTY_NAME
from shared.codes import Channel, ClockKind
from shared.workdays import Calendar, DueDate

__all__ = [
    "WINDOWS",
    "ClockRules",
    "ClockStart",
    "CountedClock",
    "clock_name",
    "clocks_on_assignment",
    "clocks_on_submission",
    "describe_due_date",
    "recount",
]

WINDOWS = frozenset({ClockKind.SUPPLEMENT_WINDOW, ClockKind.RETURN_WINDOW, ClockKind.SUPPLEMENT_DUE})
"""Clocks that lapse (stop) when they run out instead of earning a red card."""


@dataclass(frozen=True, slots=True)
class ClockRules:
    disclosure_reply_days: int = 20
    mailbox_reply_days: int = 5
    adoption_report_days: int = 15
    third_party_days: int = 15
    supplement_window_days: int = 7
    return_window_days: int = 2


@dataclass(frozen=True, slots=True)
class ClockStart:
    kind: ClockKind
    start: date
    working_days: int
    counted_from: str
    """What the start date is, in the citizen's words: 收到申请, 转办, 征求意见截止."""
    party_id: str = ""
    """Which third party a third party's clock waits for ("" for every other clock)."""


def clock_name(kind: ClockKind, party_id: str = "") -> str:
    """The clock's name in the ledger and on the pages; one of several third parties' by its number."""
    if kind is ClockKind.THIRD_PARTY and party_id:
        return THIRD_PARTY_NAME.format(party=party_id) + "答复期限"
    return CLOCK_NAMES[kind]


def clocks_on_submission(
    channel: Channel, receipt_date: date, consultation_closes_on: date | None, rules: ClockRules
) -> list[ClockStart]:
    if channel is Channel.DISCLOSURE_REQUEST:
        return [
            ClockStart(ClockKind.REPLY, receipt_date, rules.disclosure_reply_days, "收到申请"),
            ClockStart(ClockKind.SUPPLEMENT_WINDOW, receipt_date, rules.supplement_window_days, "收到申请"),
        ]
    if channel is Channel.CONSULTATION_COMMENT and consultation_closes_on is not None:
        return [
            ClockStart(
                ClockKind.ADOPTION_REPORT, consultation_closes_on, rules.adoption_report_days, "征求意见截止"
            )
        ]
    return []


def clocks_on_assignment(
    channel: Channel,
    assigned_on: date,
    running: frozenset[ClockKind],
    rules: ClockRules,
    *,
    rerouted: bool = False,
) -> list[ClockStart]:
    """Every assignment opens a new return window; a mailbox letter's reply clock starts on its first
    assignment (re-assignment keeps it). A letter sent back for re-handling and re-routed by an admin
    (发回重办改派) gets the new department a full reply period from that day, as the reopening did."""
    if rerouted:
        starts = [ClockStart(ClockKind.RETURN_WINDOW, assigned_on, rules.return_window_days, "改派")]
        if channel is Channel.MAILBOX:
            starts.append(ClockStart(ClockKind.REPLY, assigned_on, rules.mailbox_reply_days, "发回重办改派"))
        return starts
    starts = [ClockStart(ClockKind.RETURN_WINDOW, assigned_on, rules.return_window_days, "转办")]
    if channel is Channel.MAILBOX and ClockKind.REPLY not in running:
        starts.append(ClockStart(ClockKind.REPLY, assigned_on, rules.mailbox_reply_days, "转办"))
    return starts


def clock_on_consultation_closed(closed_on: date, rules: ClockRules) -> ClockStart:
    return ClockStart(ClockKind.ADOPTION_REPORT, closed_on, rules.adoption_report_days, "征求意见截止")


def describe_due_date(start: ClockStart, due: DueDate) -> str:
    """How the date was counted, for the citizen and the handler."""
    note = (
        f"{start.start.month}月{start.start.day}日{start.counted_from}，"
        f"{'' if start.kind is ClockKind.REPLY else clock_name(start.kind, start.party_id)}"
        f"按{start.working_days}个工作日计算（当日不计），"
        f"{due.due_date.year}年{due.due_date.month}月{due.due_date.day}日到期"
    )
    if due.provisional:
        note += "；期间涉及尚未公布节假日安排的年份，日期为暂定，公布后将重新计算"
    return note


def compute(calendar: Calendar, start: ClockStart) -> DueDate:
    return calendar.add_working_days(start.start, start.working_days)


@dataclass(frozen=True, slots=True)
class ReplyClock:
    """What the reply deadline depends on (OGI Art. 30–33):

    - ``start``: the receipt date, or the day a supplement arrived (补正后重新计算);
    - ``extension_days``: an approved extension (延期);
    - ``paused_days``: working days spent waiting for a third party, which are not counted (Art. 32).
    """

    start: date
    working_days: int
    counted_from: str
    extension_days: int = 0
    paused_days: int = 0


def reply_due(calendar: Calendar, clock: ReplyClock) -> DueDate:
    return calendar.add_working_days(
        clock.start, clock.working_days + clock.extension_days + clock.paused_days
    )


def paused_working_days(calendar: Calendar, paused_on: date, resumed_on: date) -> int:
    """Working days after the pause began up to and including the day it ended: those are not counted."""
    return calendar.working_days_between(paused_on, resumed_on)


def alarm_due(calendar: Calendar, due: date, today: date) -> str | None:
    """Which card a running clock earns today, if any.

    Yellow (黄牌) from the working day before the due date until the due date; red (红牌) from the
    first working day after it. Nothing on days off: the office learns it on its next working day.
    """
    if not calendar.is_workday(today):
        return None
    if today > due:
        return "breached"
    if calendar.working_days_between(today, due) <= 1:
        return "warning"
    return None


@dataclass(frozen=True, slots=True)
class CountedClock:
    """An open clock as the calendar sees it: counted ``days`` (period + extension + paused days)
    working days after ``start``, currently due on ``due_date``."""

    id: int
    start: date
    days: int
    due_date: date
    provisional: bool


def recount(calendar: Calendar, clocks: Iterable[CountedClock]) -> Iterator[tuple[CountedClock, DueDate]]:
    """Count each clock again on ``calendar``; yield those whose due date or provisional flag changed.

    Open clocks share few distinct (start, days) pairs — a year has some 250 working days and the
    periods are a handful — so each pair is counted once and reused.
    """
    counted: dict[tuple[date, int], DueDate] = {}
    for clock in clocks:
        key = (clock.start, clock.days)
        due = counted.get(key)
        if due is None:
            due = counted[key] = calendar.add_working_days(clock.start, clock.days)
        if due.due_date != clock.due_date or due.provisional != clock.provisional:
            yield clock, due
