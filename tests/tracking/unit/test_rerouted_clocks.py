"""A case sent back for re-handling and re-routed by an admin (发回重办改派): the new department gets a
new return window and, for a letter, a full reply period from the day it was re-routed — unlike a
re-assignment after a return, which keeps the letter's running period."""

from __future__ import annotations

from datetime import date

from services.tracking.clocks import ClockRules, clocks_on_assignment, compute, describe_due_date
from shared.calendar_data import default_calendar
from shared.codes import Channel, ClockKind

RULES = ClockRules()
CALENDAR = default_calendar()
RUNNING = frozenset({ClockKind.REPLY, ClockKind.RETURN_WINDOW})


def test_a_rerouted_letter_starts_its_reply_period_again_on_the_day() -> None:
    window, reply = clocks_on_assignment(Channel.MAILBOX, date(2026, 11, 25), RUNNING, RULES, rerouted=True)
    assert (window.kind, compute(CALENDAR, window).due_date) == (ClockKind.RETURN_WINDOW, date(2026, 11, 27))
    assert (reply.kind, reply.start, reply.working_days) == (ClockKind.REPLY, date(2026, 11, 25), 5)
    due = compute(CALENDAR, reply)
    assert due.due_date == date(2026, 12, 2)
    assert (
        describe_due_date(reply, due)
        == "11月25日发回重办改派，按5个工作日计算（当日不计），2026年12月2日到期"
    )


def test_a_letter_reassigned_after_a_return_keeps_its_period() -> None:
    (window,) = clocks_on_assignment(Channel.MAILBOX, date(2026, 11, 25), RUNNING, RULES)
    assert window.kind is ClockKind.RETURN_WINDOW


def test_a_rerouted_disclosure_request_or_comment_opens_a_return_window_only() -> None:
    for channel in (Channel.DISCLOSURE_REQUEST, Channel.CONSULTATION_COMMENT):
        starts = clocks_on_assignment(channel, date(2026, 11, 25), RUNNING, RULES, rerouted=True)
        assert [(s.kind, s.counted_from) for s in starts] == [(ClockKind.RETURN_WINDOW, "改派")]
