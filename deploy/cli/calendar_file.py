"""The file ``civic calendar import`` reads: one year of the working-day calendar (工作日历) — the days
off for public holidays and the weekend days worked (调休) — from the State Council's notice.

Two formats, told apart by the file's suffix:

``.csv`` — one date a line, with its kind; a header line, blank lines and ``#`` comments are allowed,
a third column (a note, e.g. 春节) is ignored; every date in one year::

    date,kind,note
    2027-01-01,holiday,元旦
    2027-02-06,holiday,春节
    2027-02-14,workday,春节调休

``kind`` is ``holiday`` (or 休) or ``workday`` (or 班).

``.json`` — the body of tracking's ``PUT /api/v1/calendar/{year}`` with the year in it; what
``GET /api/v1/calendar/{year}`` answers reads back as it is (its ``revision`` is ignored)::

    {"year": 2027, "holidays": ["2027-01-01", "2027-02-06"], "extra_workdays": ["2027-02-14"],
     "status": "announced", "source": "国办发明电〔2026〕X号"}

A file that does not fit is refused with `CalendarFileError`, naming the line (CSV) or the field
(JSON) and why; the rules are tracking's own (`CalendarYearUpdate.to_record`): every date in the year,
a 调休 day a weekend day, no day both.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from services.tracking.schemas import CalendarYearUpdate
from shared.errors import InvalidInput

__all__ = ["CalendarFile", "CalendarFileError", "read_calendar_file"]

FIRST_YEAR, LAST_YEAR = 2000, 2100  # as tracking's API takes them
HOLIDAY = {"holiday", "休"}
WORKDAY = {"workday", "班"}
JSON_FIELDS = {"year", "revision", *CalendarYearUpdate.model_fields}


class CalendarFileError(ValueError):
    """The file cannot be imported; the message names the file, the line or field, and why."""


@dataclass(frozen=True)
class CalendarFile:
    year: int
    body: CalendarYearUpdate
    """What tracking's API takes, checked by its rules already."""


def read_calendar_file(path: Path) -> CalendarFile:
    """The year a ``.csv`` or ``.json`` file holds, or `CalendarFileError` saying where and why."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarFileError(f"{path}: cannot be read as UTF-8 text: {exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        found, lines = _from_csv(path, text)
    elif suffix == ".json":
        found, lines = _from_json(path, text), {}
    else:
        raise CalendarFileError(f"{path}: name it .csv or .json, the two formats `--help` describes")
    if not found.body.holidays:
        raise CalendarFileError(f"{path}: no holiday listed; every year has them (is it the right file?)")
    try:
        found.body.to_record(found.year, default_source=path.name)
    except InvalidInput as refused:
        (problem, *_) = refused.details
        field, message = str(problem["field"]), str(problem["message"])
        day = message.split(" ", 1)[0]
        where = f"line {lines[day]}" if day in lines else field
        raise CalendarFileError(f"{path}: {where}: {message}") from None
    return found


def _from_csv(path: Path, text: str) -> tuple[CalendarFile, dict[str, int]]:
    """The year, and the line each date is on."""
    holidays: list[date] = []
    workdays: list[date] = []
    lines: dict[str, int] = {}
    year: tuple[int, int] | None = None  # the year, and the line that set it
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not lines and cells[0].lower() in ("date", "日期"):
            continue  # the header
        where = f"{path}: line {number}"
        if len(cells) < 2 or not cells[1]:
            raise CalendarFileError(
                f"{where}: expected a date and its kind (holiday or workday), got {row!r}"
            )
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            raise CalendarFileError(f"{where}: {cells[0]!r} is not a date (YYYY-MM-DD)") from None
        kind = cells[1].lower()
        if kind not in HOLIDAY | WORKDAY:
            raise CalendarFileError(f"{where}: kind {cells[1]!r} is neither holiday (休) nor workday (班)")
        if day.isoformat() in lines:
            raise CalendarFileError(f"{where}: {day} is listed already, on line {lines[day.isoformat()]}")
        if year is None:
            year = (day.year, number)
        elif day.year != year[0]:
            raise CalendarFileError(
                f"{where}: {day} is not in {year[0]}, the year of line {year[1]}: one year a file"
            )
        lines[day.isoformat()] = number
        (holidays if kind in HOLIDAY else workdays).append(day)
    if year is None:
        raise CalendarFileError(f"{path}: no dates in it")
    if not FIRST_YEAR <= year[0] <= LAST_YEAR:
        raise CalendarFileError(f"{path}: line {year[1]}: the year must be {FIRST_YEAR}–{LAST_YEAR}")
    return CalendarFile(year[0], CalendarYearUpdate(holidays=holidays, extra_workdays=workdays)), lines


def _from_json(path: Path, text: str) -> CalendarFile:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CalendarFileError(f"{path}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise CalendarFileError(f"{path}: expected an object with year, holidays, extra_workdays, …")
    unknown = sorted(set(data) - JSON_FIELDS)
    if unknown:
        raise CalendarFileError(
            f"{path}: unknown field {unknown[0]!r}; the fields are {', '.join(sorted(JSON_FIELDS))}"
        )
    year = data.pop("year", None)
    data.pop("revision", None)
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarFileError(f"{path}: year: expected a year {FIRST_YEAR}–{LAST_YEAR}, got {year!r}")
    try:
        body = CalendarYearUpdate.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise CalendarFileError(
            f"{path}: {field.lstrip('.')}: {error['msg']}, got {error.get('input')!r}{more}"
        ) from None
    return CalendarFile(year, body)
