"""Business dates are Asia/Shanghai dates (ARCHITECTURE §3); instants are aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "local_date", "today"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()


def today() -> date:
    """Today in Asia/Shanghai — between 00:00 and 08:00 there it is not the UTC date."""
    return local_date(datetime.now(UTC))
