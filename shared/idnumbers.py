"""Resident identity numbers (居民身份证号码, GB 11643): the checks that intake's validation and
publishing's masking share, so both agree on what an ID number is."""

from __future__ import annotations

import re

__all__ = ["is_legacy_id_number", "is_plausible_birth_date", "is_valid_credit_code", "is_valid_id_number"]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum modulo 11
_ID_18 = re.compile(r"[0-9]{17}[0-9Xx]")
_ID_15 = re.compile(r"[0-9]{15}")


def is_valid_id_number(value: str) -> bool:
    """Whether ``value`` is exactly an 18-character resident ID number (GB 11643).

    17 ASCII digits and a check character (a digit, ``X`` or ``x``) that matches the ISO 7064
    MOD 11-2 checksum, with a real calendar date from 1900-01-01 to 2099-12-31 in positions
    7-14. Nothing is stripped: surrounding spaces, separators or full-width digits make it invalid.
    The date is not compared with today (this function is pure); add that where it matters.
    """
    if _ID_18.fullmatch(value) is None:
        return False
    if not is_plausible_birth_date(int(value[6:10]), int(value[10:12]), int(value[12:14])):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11] == value[17].upper()


def is_legacy_id_number(value: str) -> bool:
    """A 15-digit ID number (issued before 1999): area code, YYMMDD birth date (19YY), sequence.

    It has no check character, so the area code's first digit (1-8 in use) must fit as well.
    """
    return (
        _ID_15.fullmatch(value) is not None
        and value[0] in "12345678"
        and is_plausible_birth_date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))
    )


def is_plausible_birth_date(year: int, month: int, day: int) -> bool:
    if not (1900 <= year <= 2099 and 1 <= month <= 12):
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days_in_month = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    return 1 <= day <= days_in_month[month - 1]


_CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_SHAPE = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}")


def is_valid_credit_code(value: str) -> bool:
    """An organisation's unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters,
    the last a check character: 31 minus the weighted sum modulo 31 (31 counts as 0)."""
    if _CREDIT_CODE_SHAPE.fullmatch(value) is None:
        return False
    total = sum(
        _CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(value[:17], _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return _CREDIT_CODE_ALPHABET[(31 - total % 31) % 31] == value[17]
