from __future__ import annotations

from datetime import date

import pytest

from services.tracking.clocks import (
    WINDOWS,
    ClockRules,
    CountedClock,
    ReplyClock,
    clock_name,
    clocks_on_assignment,
    clocks_on_submission,
    compute,
    describe_due_date,
    paused_working_days,
    recount,
    reply_due,
)
from shared.calendar_data import announced_years, default_calendar
from shared.codes import Channel, ClockKind
from shared.workdays import DueDate, WorkingCalendar, YearCalendar

RULES = ClockRules()
CALENDAR = default_calendar()


def test_a_disclosure_request_starts_its_reply_clock_at_receipt() -> None:
    start, window = clocks_on_submission(Channel.DISCLOSURE_REQUEST, date(2026, 2, 13), None, RULES)
    assert (start.kind, start.start, start.working_days) == (ClockKind.REPLY, date(2026, 2, 13), 20)
    due = compute(CALENDAR, start)
    # Spring Festival 2026: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 worked.
    assert due.due_date == date(2026, 3, 19)
    assert describe_due_date(start, due) == "2月13日收到申请，按20个工作日计算（当日不计），2026年3月19日到期"
    # ... and the window to ask for a supplement (补正告知), 7 working days.
    assert (window.kind, window.working_days) == (ClockKind.SUPPLEMENT_WINDOW, 7)
    assert compute(CALENDAR, window).due_date == date(2026, 3, 2)
    assert describe_due_date(window, compute(CALENDAR, window)).startswith(
        "2月13日收到申请，补正告知期限按7个工作日"
    )


def test_a_mailbox_letter_waits_for_assignment_and_is_not_restarted_by_reassignment() -> None:
    assert clocks_on_submission(Channel.MAILBOX, date(2026, 11, 25), None, RULES) == []
    window, start = clocks_on_assignment(Channel.MAILBOX, date(2026, 11, 25), frozenset(), RULES)
    assert compute(CALENDAR, start).due_date == date(2026, 12, 2)
    assert (window.kind, compute(CALENDAR, window).due_date) == (ClockKind.RETURN_WINDOW, date(2026, 11, 27))
    (again,) = clocks_on_assignment(Channel.MAILBOX, date(2026, 11, 26), frozenset({ClockKind.REPLY}), RULES)
    assert again.kind is ClockKind.RETURN_WINDOW, "a new assignment opens a new return window only"


def test_every_assignment_opens_a_return_window() -> None:
    for channel in Channel:
        kinds = [
            s.kind
            for s in clocks_on_assignment(channel, date(2026, 9, 30), frozenset({ClockKind.REPLY}), RULES)
        ]
        assert kinds == [ClockKind.RETURN_WINDOW]
    (window,) = clocks_on_assignment(Channel.DISCLOSURE_REQUEST, date(2026, 9, 30), frozenset(), RULES)
    # National Day 2026: Oct 1–7 off; Oct 8 and Oct 9 are the two working days after Sep 30.
    assert compute(CALENDAR, window).due_date == date(2026, 10, 9)


def test_the_mailbox_period_is_a_setting() -> None:
    _, start = clocks_on_assignment(
        Channel.MAILBOX, date(2026, 11, 25), frozenset(), ClockRules(mailbox_reply_days=3)
    )
    assert compute(CALENDAR, start).due_date == date(2026, 11, 30)


def test_a_comment_clock_counts_from_the_consultation_close() -> None:
    assert clocks_on_submission(Channel.CONSULTATION_COMMENT, date(2026, 3, 2), None, RULES) == []
    (start,) = clocks_on_submission(Channel.CONSULTATION_COMMENT, date(2026, 3, 2), date(2026, 3, 31), RULES)
    assert start.kind is ClockKind.ADOPTION_REPORT
    assert start.start == date(2026, 3, 31)


def test_a_date_in_an_unannounced_year_says_it_is_provisional() -> None:
    start, _ = clocks_on_submission(Channel.DISCLOSURE_REQUEST, date(2026, 12, 25), None, RULES)
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


# --- the reply clock: supplement restart, third-party pauses, extensions --------------------------


@pytest.mark.parametrize(
    ("clock", "due"),
    [
        pytest.param(
            ReplyClock(date(2025, 9, 12), 20, "收到申请"), date(2025, 10, 16), id="2025-over-national-day"
        ),
        # A supplement received on 2025-10-09 restarts the 20 days from that day.
        pytest.param(
            ReplyClock(date(2025, 10, 9), 20, "收到补正材料"), date(2025, 11, 5), id="supplement-restart"
        ),
        # Extension of 20 working days on top of the 20.
        pytest.param(
            ReplyClock(date(2026, 1, 5), 20, "收到申请", extension_days=20),
            date(2026, 3, 6),
            id="extended-20-over-spring",
        ),
        # 6 working days waiting for a third party are not counted.
        pytest.param(
            ReplyClock(date(2026, 9, 1), 20, "收到申请", paused_days=6),
            date(2026, 10, 13),
            id="paused-6-over-national-day",
        ),
        pytest.param(
            ReplyClock(date(2026, 12, 1), 20, "收到申请", extension_days=10, paused_days=2),
            date(2027, 1, 14),
            id="into-provisional-2027",
        ),
    ],
)
def test_reply_due(clock: ReplyClock, due: date) -> None:
    assert reply_due(CALENDAR, clock).due_date == due
    expected_days = clock.working_days + clock.extension_days + clock.paused_days
    assert CALENDAR.working_days_between(clock.start, due) == expected_days


@pytest.mark.parametrize(
    ("paused_on", "resumed_on", "days"),
    [
        pytest.param(date(2025, 9, 26), date(2025, 10, 10), 5, id="over-national-day-2025"),
        pytest.param(date(2026, 2, 13), date(2026, 2, 24), 2, id="over-spring-2026-with-saturday-worked"),
        pytest.param(date(2026, 3, 2), date(2026, 3, 2), 0, id="same-day"),
    ],
)
def test_paused_days_are_the_working_days_spent_waiting(paused_on: date, resumed_on: date, days: int) -> None:
    assert paused_working_days(CALENDAR, paused_on, resumed_on) == days


def test_recount_reports_only_clocks_whose_date_or_flag_changed() -> None:
    provisional = WorkingCalendar(announced_years(last=2026))
    y2027 = YearCalendar(
        year=2027,
        holidays=frozenset({date(2027, 1, 1)}),
        extra_workdays=frozenset(),
        status="announced",
        source="test notice",
    )
    announced = WorkingCalendar([*announced_years(last=2026), y2027])
    crossing = CountedClock(1, date(2026, 12, 25), 20, *_due(provisional, date(2026, 12, 25), 20))
    inside_2026 = CountedClock(2, date(2026, 11, 2), 5, *_due(provisional, date(2026, 11, 2), 5))
    later = CountedClock(3, date(2027, 3, 1), 5, *_due(provisional, date(2027, 3, 1), 5))
    changed = dict(recount(announced, [crossing, inside_2026, later]))
    assert set(c.id for c in changed) == {1, 3}
    assert changed[crossing] == DueDate(date(2027, 1, 25), provisional=False), "Jan 1 2027 is now a holiday"
    assert changed[later] == DueDate(later.due_date, provisional=False), "same date, no longer provisional"


def _due(calendar: WorkingCalendar, start: date, days: int) -> tuple[date, bool]:
    due = calendar.add_working_days(start, days)
    return due.due_date, due.provisional


@pytest.mark.parametrize(
    ("kind", "party", "name"),
    [
        (ClockKind.SUPPLEMENT_DUE, "", "申请人补正期限"),
        (ClockKind.THIRD_PARTY, "", "第三方答复期限"),
        (ClockKind.THIRD_PARTY, "2", "第三方（2）答复期限"),
    ],
)
def test_each_clock_is_named_and_one_of_several_third_parties_by_its_number(
    kind: ClockKind, party: str, name: str
) -> None:
    assert clock_name(kind, party) == name


def test_the_applicants_supplement_deadline_lapses_like_a_window() -> None:
    """Not supplementing is the applicant's lapse, not the office's lateness: no red card."""
    assert ClockKind.SUPPLEMENT_DUE in WINDOWS
    assert ClockKind.THIRD_PARTY not in WINDOWS  # a third party past its days earns its red card
