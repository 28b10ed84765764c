"""Business dates are Asia/Shanghai dates (ARCHITECTURE §3); instants are aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field

__all__ = ["EARLIEST", "LATEST", "SHANGHAI", "BoundedDate", "end_of_day", "local_date", "today"]

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
BoundedDate = Annotated[
    date, Field(ge=EARLIEST, le=LATEST, description="A date from 2000-01-01 to 2100-12-31.")
]
"""Every date the APIs take: an office's records start this century and no plan reaches beyond the next."""

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()


def today() -> date:
    """Today in Asia/Shanghai — between 00:00 and 08:00 there it is not the UTC date."""
    return local_date(datetime.now(UTC))


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` in Asia/Shanghai: what happens before it happened on or before ``day``."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=SHANGHAI)
