"""Working-day counting against the State Council notices for 2025 and 2026.

Expected dates were counted by hand from the notices (国办发明电〔2024〕12号 for 2025,
国办发明电〔2025〕7号 for 2026); the library's data is checked against them separately.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from shared.calendar_data import SOURCE, announced_years, default_calendar, known_years
from shared.workdays import DueDate, WorkingCalendar, YearCalendar, provisional_year

CALENDAR = default_calendar()


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# (received, working days, due date) — all inside announced years, so never provisional.
DUE_DATES = [
    # Day of receipt not counted: Monday + 1 is Tuesday.
    pytest.param(date(2025, 3, 3), 1, date(2025, 3, 4), id="receipt-day-not-counted"),
    # Received on a Friday: the weekend is skipped.
    pytest.param(date(2025, 3, 7), 1, date(2025, 3, 10), id="friday+1"),
    pytest.param(date(2025, 3, 7), 5, date(2025, 3, 14), id="friday+5"),
    # Spring Festival 2025: Jan 28-Feb 4 off; Sun Jan 26 and Sat Feb 8 worked.
    pytest.param(date(2025, 1, 24), 1, date(2025, 1, 26), id="2025-spring-sunday-worked"),
    pytest.param(date(2025, 1, 24), 2, date(2025, 1, 27), id="2025-spring-before-break"),
    pytest.param(date(2025, 1, 24), 3, date(2025, 2, 5), id="2025-spring-over-break"),
    pytest.param(date(2025, 2, 7), 1, date(2025, 2, 8), id="2025-spring-saturday-worked"),
    pytest.param(date(2025, 1, 27), 20, date(2025, 3, 3), id="2025-spring-20-days"),
    # Labour Day 2025: May 1-5 off; Sun Apr 27 worked.
    pytest.param(date(2025, 4, 25), 1, date(2025, 4, 27), id="2025-labour-sunday-worked"),
    pytest.param(date(2025, 4, 25), 5, date(2025, 5, 6), id="2025-labour-over-break"),
    pytest.param(date(2025, 4, 30), 1, date(2025, 5, 6), id="2025-labour-eve"),
    # National Day + Mid-Autumn 2025: Oct 1-8 off; Sun Sep 28 and Sat Oct 11 worked.
    pytest.param(date(2025, 9, 26), 5, date(2025, 10, 10), id="2025-national-friday+5"),
    pytest.param(date(2025, 9, 27), 1, date(2025, 9, 28), id="2025-national-received-saturday"),
    pytest.param(date(2025, 9, 30), 1, date(2025, 10, 9), id="2025-national-eve+1"),
    pytest.param(date(2025, 9, 30), 3, date(2025, 10, 11), id="2025-national-saturday-worked"),
    pytest.param(date(2025, 9, 30), 4, date(2025, 10, 13), id="2025-national-eve+4"),
    # Received on a holiday: counting starts with the first working day after it.
    pytest.param(date(2025, 10, 3), 1, date(2025, 10, 9), id="received-on-holiday+1"),
    pytest.param(date(2025, 10, 3), 5, date(2025, 10, 14), id="received-on-holiday+5"),
    # Received on a 调休 Sunday (a working day): still not counted.
    pytest.param(date(2025, 9, 28), 1, date(2025, 9, 29), id="received-on-extra-workday"),
    # New Year 2026: Jan 1-3 off; Sun Jan 4 worked.
    pytest.param(date(2025, 12, 31), 1, date(2026, 1, 4), id="2026-new-year-sunday-worked"),
    pytest.param(date(2025, 12, 30), 3, date(2026, 1, 5), id="2026-new-year-across-years"),
    # Spring Festival 2026: Feb 15-23 off; Sat Feb 14 and Sat Feb 28 worked.
    pytest.param(date(2026, 2, 13), 1, date(2026, 2, 14), id="2026-spring-saturday-before"),
    pytest.param(date(2026, 2, 13), 2, date(2026, 2, 24), id="2026-spring-over-break"),
    pytest.param(date(2026, 2, 13), 7, date(2026, 3, 2), id="2026-spring-supplement-7-days"),
    # Mid-Autumn (Sep 25-27) and National Day (Oct 1-7) 2026; Sun Sep 20 and Sat Oct 10 worked.
    pytest.param(date(2026, 9, 18), 1, date(2026, 9, 20), id="2026-national-sunday-worked"),
    pytest.param(date(2026, 9, 18), 20, date(2026, 10, 22), id="2026-autumn-20-days"),
    pytest.param(date(2026, 9, 30), 3, date(2026, 10, 10), id="2026-national-saturday-worked"),
    # Last days of the last announced year: not provisional.
    pytest.param(date(2026, 12, 25), 4, date(2026, 12, 31), id="2026-ends-in-december"),
]


@pytest.mark.parametrize(("received", "days", "due"), DUE_DATES)
def test_add_working_days(received: date, days: int, due: date) -> None:
    assert CALENDAR.add_working_days(received, days) == DueDate(due_date=due, provisional=False)


@pytest.mark.parametrize(("received", "days", "due"), DUE_DATES)
def test_working_days_between_inverts_add_working_days(received: date, days: int, due: date) -> None:
    assert CALENDAR.working_days_between(received, due) == days
    assert CALENDAR.working_days_between(received, due - timedelta(days=1)) == days - 1


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        # 2027 is not announced: Mon-Fri count, so Fri Jan 1 2027 is day 5 for now.
        pytest.param(date(2026, 12, 25), 20, date(2027, 1, 22), id="received-2026-12-25"),
        pytest.param(date(2026, 12, 31), 1, date(2027, 1, 1), id="received-new-years-eve"),
        pytest.param(date(2027, 3, 5), 1, date(2027, 3, 8), id="wholly-in-2027"),
    ],
)
def test_deadline_reaching_an_unannounced_year_is_provisional(received: date, days: int, due: date) -> None:
    assert CALENDAR.add_working_days(received, days) == DueDate(due_date=due, provisional=True)


def test_receipt_day_in_provisional_year_does_not_make_due_date_provisional() -> None:
    calendar = WorkingCalendar([provisional_year(2025), *announced_years(2026, 2026)])
    assert calendar.add_working_days(date(2025, 12, 31), 1) == DueDate(date(2026, 1, 4), provisional=False)
    assert calendar.add_working_days(date(2025, 12, 30), 1) == DueDate(date(2025, 12, 31), provisional=True)


def test_a_provisional_year_between_announced_years_makes_the_due_date_provisional() -> None:
    calendar = WorkingCalendar([*announced_years(2024, 2024), provisional_year(2025), *announced_years(2026)])
    result = calendar.add_working_days(date(2024, 12, 2), 300)
    assert result.due_date.year == 2026
    assert result.provisional is True


@pytest.mark.parametrize("days", [0, -1])
def test_days_must_be_positive(days: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        CALENDAR.add_working_days(date(2025, 3, 3), days)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(date(2025, 9, 30), date(2025, 10, 10), 2, id="over-national-day"),
        pytest.param(date(2025, 9, 26), date(2025, 10, 11), 6, id="with-two-extra-workdays"),
        pytest.param(date(2025, 1, 24), date(2025, 2, 8), 6, id="over-spring-festival"),
        pytest.param(date(2025, 10, 1), date(2025, 10, 8), 0, id="inside-holiday"),
        pytest.param(date(2025, 3, 3), date(2025, 3, 3), 0, id="same-day"),
        pytest.param(date(2025, 3, 10), date(2025, 3, 3), 0, id="end-before-start"),
        pytest.param(date(2026, 12, 31), date(2027, 1, 8), 6, id="into-provisional-2027"),
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert CALENDAR.working_days_between(start, end) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2025, 9, 28), True, id="2025-09-28-sunday-worked"),
        pytest.param(date(2025, 10, 11), True, id="2025-10-11-saturday-worked"),
        pytest.param(date(2025, 10, 8), False, id="2025-10-08-wednesday-off"),
        pytest.param(date(2025, 1, 26), True, id="2025-01-26-sunday-worked"),
        pytest.param(date(2025, 2, 8), True, id="2025-02-08-saturday-worked"),
        pytest.param(date(2025, 1, 28), False, id="2025-01-28-new-years-eve-off"),
        pytest.param(date(2025, 4, 27), True, id="2025-04-27-sunday-worked"),
        pytest.param(date(2025, 5, 2), False, id="2025-05-02-off"),
        pytest.param(date(2026, 1, 4), True, id="2026-01-04-sunday-worked"),
        pytest.param(date(2026, 2, 14), True, id="2026-02-14-saturday-worked"),
        pytest.param(date(2026, 2, 23), False, id="2026-02-23-monday-off"),
        pytest.param(date(2026, 2, 28), True, id="2026-02-28-saturday-worked"),
        pytest.param(date(2026, 9, 25), False, id="2026-09-25-mid-autumn-off"),
        pytest.param(date(2026, 10, 10), True, id="2026-10-10-saturday-worked"),
        pytest.param(date(2025, 3, 8), False, id="ordinary-saturday"),
        pytest.param(date(2027, 1, 1), True, id="2027-friday-weekends-only"),
        pytest.param(date(2027, 1, 2), False, id="2027-saturday"),
        pytest.param(date(2003, 10, 1), True, id="before-library-weekends-only"),
    ],
)
def test_is_workday(day: date, expected: bool) -> None:
    assert CALENDAR.is_workday(day) is expected


@pytest.mark.parametrize(
    ("year", "status"),
    [
        (2004, "announced"),
        (2025, "announced"),
        (2026, "announced"),
        (2027, "provisional"),
        (2003, "provisional"),
    ],
)
def test_year_status(year: int, status: str) -> None:
    assert CALENDAR.year_status(year) == status


def test_explicit_provisional_year() -> None:
    record = provisional_year(2027)
    assert record == YearCalendar(
        2027, frozenset(), frozenset(), "provisional", "weekends only (not yet announced)"
    )
    assert WorkingCalendar([record]).year_status(2027) == "provisional"


def test_a_hand_made_calendar() -> None:
    # A made-up 2030 notice: Tue Oct 1-Thu Oct 3 off, Sat Oct 5 worked.
    year = YearCalendar(
        year=2030,
        holidays=frozenset(_days(date(2030, 10, 1), date(2030, 10, 3))),
        extra_workdays=frozenset({date(2030, 10, 5)}),
        status="announced",
        source="test",
    )
    calendar = WorkingCalendar([year])
    assert calendar.add_working_days(date(2030, 9, 30), 1) == DueDate(date(2030, 10, 4), provisional=False)
    assert calendar.add_working_days(date(2030, 9, 30), 2) == DueDate(date(2030, 10, 5), provisional=False)
    assert calendar.add_working_days(date(2030, 9, 30), 3) == DueDate(date(2030, 10, 7), provisional=False)
    assert calendar.add_working_days(date(2030, 12, 31), 1) == DueDate(date(2031, 1, 1), provisional=True)


@pytest.mark.parametrize(
    ("holidays", "extra_workdays", "message"),
    [
        pytest.param({date(2026, 1, 1)}, set(), "2026-01-01 does not belong", id="holiday-from-2026"),
        pytest.param(set(), {date(2024, 12, 28)}, "2024-12-28 does not belong", id="workday-from-2024"),
        pytest.param({date(2025, 2, 8)}, {date(2025, 2, 8)}, "both a holiday", id="both"),
        pytest.param(set(), {date(2025, 2, 7)}, "2025-02-07 is not a weekend day", id="weekday-extra"),
    ],
)
def test_year_calendar_rejects_bad_dates(
    holidays: set[date], extra_workdays: set[date], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        YearCalendar(2025, frozenset(holidays), frozenset(extra_workdays), "announced", "test")


def test_one_calendar_per_year() -> None:
    with pytest.raises(ValueError, match="more than one calendar for 2027"):
        WorkingCalendar([provisional_year(2027), provisional_year(2027)])


# --- the seed data from chinesecalendar -----------------------------------------------------------


def test_2026_notice_as_seeded() -> None:
    (year,) = announced_years(2026, 2026)
    assert year.status == "announced"
    assert year.source == SOURCE == "chinesecalendar 1.11"
    assert year.extra_workdays == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
    assert set(_days(date(2026, 2, 15), date(2026, 2, 23))) <= year.holidays
    assert set(_days(date(2026, 10, 1), date(2026, 10, 7))) <= year.holidays


def test_2025_notice_as_seeded() -> None:
    (year,) = announced_years(2025, 2025)
    assert year.extra_workdays == {
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
    }
    assert set(_days(date(2025, 1, 28), date(2025, 2, 4))) <= year.holidays
    assert set(_days(date(2025, 5, 1), date(2025, 5, 5))) <= year.holidays
    assert set(_days(date(2025, 10, 1), date(2025, 10, 8))) <= year.holidays


def test_seeded_range() -> None:
    assert known_years() == range(2004, 2027)
    assert [y.year for y in announced_years()] == list(range(2004, 2027))
    assert [y.year for y in announced_years(2020, 2030)] == list(range(2020, 2027))
    assert announced_years(2027) == []
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


@pytest.mark.parametrize("year", range(2004, 2027))
def test_is_workday_agrees_with_the_library_every_day(year: int) -> None:
    days = _days(date(year, 1, 1), date(year, 12, 31))
    ours = [d for d in days if CALENDAR.is_workday(d)]
    theirs = [d for d in days if chinese_calendar.is_workday(d)]
    assert ours == theirs
