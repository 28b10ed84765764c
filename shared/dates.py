"""Business dates are Asia/Shanghai dates (ARCHITECTURE §3); instants are aware UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

__all__ = [
    "EARLIEST",
    "LATEST",
    "SHANGHAI",
    "BoundedDate",
    "cn_date",
    "cn_datetime",
    "cn_md",
    "end_of_day",
    "local_date",
    "today",
]

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
_YEARS = r"^(?:20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _as_written(value: Any) -> Any:
    """A date as the schema writes it, ``YYYY-MM-DD`` — not the timestamps and date-times pydantic
    would also read as one."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_parsing", "Input should be a date written YYYY-MM-DD")


BoundedDate = Annotated[
    date,
    Field(
        ge=EARLIEST,
        le=LATEST,
        description="A date from 2000-01-01 to 2100-12-31.",
        json_schema_extra={"pattern": _YEARS},
    ),
    BeforeValidator(_as_written),
]
"""Every date the APIs take: an office's records start this century and no plan reaches beyond the
next. The OpenAPI document states the years as a pattern (a date's minimum is no JSON Schema word)."""

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()


def today() -> date:
    """Today in Asia/Shanghai — between 00:00 and 08:00 there it is not the UTC date."""
    return local_date(datetime.now(UTC))


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` in Asia/Shanghai: what happens before it happened on or before ``day``."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=SHANGHAI)


def cn_date(day: date | None) -> str:
    """2026年3月5日 — how every page and notice writes a date ("" for none)."""
    return "" if day is None else f"{day.year}年{day.month}月{day.day}日"


def cn_md(day: date) -> str:
    """3月5日 — a date within the year being told about."""
    return f"{day.month}月{day.day}日"


def cn_datetime(value: datetime | str | None) -> str:
    """2026年3月5日 14:30, in Asia/Shanghai, of an instant (or its ISO text, as stored in JSON)."""
    if value is None:
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = instant.astimezone(SHANGHAI)
    return f"{cn_date(local.date())} {local:%H:%M}"
