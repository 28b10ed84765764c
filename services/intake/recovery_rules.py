"""Finding a lost tracking code again (找回查询码): the rules, pure.

The citizen gives the email or mobile number they gave on a submission; intake keeps, per case, only
a keyed hash of each such address, normalised (`address_hash`). A one-time code (验证码) of six digits
goes to the address, valid `CODE_LIFETIME`, good for one use and `TRIES` guesses; it is stored hashed
with the address it was sent to (`code_hash`). The right code issues a new tracking code for each of
the address's cases — intake holds only hashes of tracking codes, so the old code cannot be shown
again: the new one replaces it, and the old one stops working.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from services.intake.notifications.choice import NotifyBy, mobile_number

__all__ = [
    "CODE_LIFETIME",
    "TRIES",
    "Address",
    "Check",
    "address_hash",
    "check_code",
    "code_hash",
    "new_one_time_code",
    "normalise_address",
]

CODE_LIFETIME = timedelta(minutes=10)
TRIES = 5
"""Wrong guesses a one-time code takes; the last one burns it."""

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CODE = re.compile(r"[0-9]{6}")


@dataclass(frozen=True, slots=True)
class Address:
    """An address as the citizen can be reached there: by email or SMS, normalised."""

    by: NotifyBy
    value: str


def normalise_address(raw: str | None) -> Address | None:
    """The email (trimmed, lower case) or the 11-digit mobile number (``+86``, spaces and hyphens
    dropped) ``raw`` holds; None for a landline, a postal address or nothing."""
    text = (raw or "").strip()
    if "@" in text:
        return Address(NotifyBy.EMAIL, text.lower()) if _EMAIL.fullmatch(text) else None
    mobile = mobile_number(text)
    return Address(NotifyBy.SMS, mobile) if mobile else None


def address_hash(key: bytes, address: Address) -> str:
    """What intake stores of an address: a keyed hash, so a copy of the table names no one."""
    return hmac.new(key, f"{address.by.value}:{address.value}".encode(), hashlib.sha256).hexdigest()


def new_one_time_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    return f"{randbelow(1_000_000):06d}"


def code_hash(key: bytes, code: str, address: str) -> str:
    """The one-time code as stored: bound to the (hashed) address it was sent to, and keyed — a copy of
    the table (a backup, a replica) does not let anyone try the million codes offline."""
    return hmac.new(key, f"{address}:{code}".encode(), hashlib.sha256).hexdigest()


class Check(StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    """Not this code: one try fewer."""
    SPENT = "spent"
    """No code to check: none asked for, expired, used, or its tries burnt."""


def check_code(
    entered: str,
    *,
    key: bytes,
    address: str,
    stored_hash: str | None,
    expires_at: datetime | None,
    now: datetime,
) -> Check:
    """Whether ``entered`` is the live one-time code sent to ``address`` (its hash)."""
    if stored_hash is None or expires_at is None or now >= expires_at:
        return Check.SPENT
    entered = "".join(entered.split())
    if not _CODE.fullmatch(entered):
        return Check.WRONG
    if hmac.compare_digest(code_hash(key, entered, address), stored_hash):
        return Check.ACCEPTED
    return Check.WRONG
