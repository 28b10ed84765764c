from __future__ import annotations

from datetime import date

from services.tracking.clocks import (
    ClockRules,
    clocks_on_assignment,
    clocks_on_submission,
    compute,
    describe_due_date,
)
from shared.calendar_data import default_calendar
from shared.codes import Channel, ClockKind

RULES = ClockRules()
CALENDAR = default_calendar()


def test_a_disclosure_request_starts_its_reply_clock_at_receipt() -> None:
    (start,) = clocks_on_submission(Channel.DISCLOSURE_REQUEST, date(2026, 2, 13), None, RULES)
    assert (start.kind, start.start, start.working_days) == (ClockKind.REPLY, date(2026, 2, 13), 20)
    due = compute(CALENDAR, start)
    # Spring Festival 2026: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 worked.
    assert due.due_date == date(2026, 3, 19)
    assert describe_due_date(start, due) == "2月13日收到申请，按20个工作日计算（当日不计），2026年3月19日到期"


def test_a_mailbox_letter_waits_for_assignment_and_is_not_restarted_by_reassignment() -> None:
    assert clocks_on_submission(Channel.MAILBOX, date(2026, 11, 25), None, RULES) == []
    (start,) = clocks_on_assignment(Channel.MAILBOX, date(2026, 11, 25), frozenset(), RULES)
    assert compute(CALENDAR, start).due_date == date(2026, 12, 2)
    assert (
        clocks_on_assignment(Channel.MAILBOX, date(2026, 11, 26), frozenset({ClockKind.REPLY}), RULES) == []
    )


def test_the_mailbox_period_is_a_setting() -> None:
    (start,) = clocks_on_assignment(
        Channel.MAILBOX, date(2026, 11, 25), frozenset(), ClockRules(mailbox_reply_days=3)
    )
    assert compute(CALENDAR, start).due_date == date(2026, 11, 30)


def test_a_comment_clock_counts_from_the_consultation_close() -> None:
    assert clocks_on_submission(Channel.CONSULTATION_COMMENT, date(2026, 3, 2), None, RULES) == []
    (start,) = clocks_on_submission(Channel.CONSULTATION_COMMENT, date(2026, 3, 2), date(2026, 3, 31), RULES)
    assert start.kind is ClockKind.ADOPTION_REPORT
    assert start.start == date(2026, 3, 31)


def test_a_date_in_an_unannounced_year_says_it_is_provisional() -> None:
    (start,) = clocks_on_submission(Channel.DISCLOSURE_REQUEST, date(2026, 12, 25), None, RULES)
    due = compute(CALENDAR, start)
    assert due.provisional
    assert "暂定" in describe_due_date(start, due)


def test_cards_fall_on_working_days_around_the_due_date() -> None:
    from services.tracking.clocks import alarm_due

    due = date(2026, 10, 9)  # Friday, after the National Day break (Oct 1–7 off; Sat Oct 10 is worked)
    assert alarm_due(CALENDAR, due, date(2026, 10, 7)) is None, "a holiday: nobody is there to see a card"
    assert alarm_due(CALENDAR, due, date(2026, 9, 30)) is None, "two working days before: no card yet"
    assert alarm_due(CALENDAR, due, date(2026, 10, 8)) == "warning"
    assert alarm_due(CALENDAR, due, due) == "warning"
    assert alarm_due(CALENDAR, due, date(2026, 10, 10)) == "breached", "Saturday Oct 10 is a 调休 working day"
    assert alarm_due(CALENDAR, due, date(2026, 10, 11)) is None, "Sunday"
