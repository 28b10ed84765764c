"""How the citizen chose to be told (告知方式), and what that choice needs. Pure."""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = ["NotifyBy", "address_for", "choice_problem", "mobile_number"]


class NotifyBy(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    NONE = "none"


_MOBILE = re.compile(r"(?:0086|86)?(1[3-9][0-9]{9})")


def mobile_number(phone: str | None) -> str | None:
    """The 11-digit mobile number a phone field holds (``+86``/``0086``, spaces and hyphens dropped), or None
    for a landline or nothing — an SMS reaches only a mobile."""
    if not phone:
        return None
    found = _MOBILE.fullmatch("".join(ch for ch in phone if ch.isdigit()))
    return found.group(1) if found else None


def choice_problem(choice: NotifyBy, *, email: str | None, phone: str | None) -> str | None:
    """Why the choice cannot be kept (None: it can): email needs an email address, SMS a mobile number."""
    if choice is NotifyBy.EMAIL and not email:
        return "notification by email needs an email address"
    if choice is NotifyBy.SMS and mobile_number(phone) is None:
        return "notification by SMS needs a mobile number (11 digits starting 13–19)"
    return None


def address_for(choice: NotifyBy, *, email: str | None, phone: str | None) -> str | None:
    """Where the message goes: the email or the mobile number the citizen gave (None: not told)."""
    if choice is NotifyBy.EMAIL:
        return email or None
    if choice is NotifyBy.SMS:
        return mobile_number(phone)
    return None
