"""Finding a lost tracking code again (找回查询码): addresses, one-time codes and their checks. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.intake.notifications.choice import NotifyBy
from services.intake.recovery_rules import (
    CODE_LIFETIME,
    Address,
    Check,
    address_hash,
    check_code,
    code_hash,
    new_one_time_code,
    normalise_address,
)

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
KEY = b"k" * 32


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ZSF@Example.com", Address(NotifyBy.EMAIL, "zsf@example.com")),
        ("  zsf@example.com \n", Address(NotifyBy.EMAIL, "zsf@example.com")),
        ("139-1234-5678", Address(NotifyBy.SMS, "13912345678")),
        ("+86 139 1234 5678", Address(NotifyBy.SMS, "13912345678")),
        ("13912345678", Address(NotifyBy.SMS, "13912345678")),
        ("0531-12345678", None),  # a landline takes no SMS
        ("zsf@", None),
        ("济南市历下区", None),
        ("", None),
        (None, None),
    ],
)
def test_an_address_is_normalised_to_the_email_or_mobile_it_holds(
    raw: str | None, expected: Address | None
) -> None:
    assert normalise_address(raw) == expected


def test_the_same_address_written_two_ways_hashes_the_same_and_needs_the_key() -> None:
    one, other = normalise_address("ZSF@example.com"), normalise_address(" zsf@EXAMPLE.com")
    assert one is not None
    assert other is not None
    assert address_hash(KEY, one) == address_hash(KEY, other)
    assert address_hash(b"another key", one) != address_hash(KEY, one)
    assert "zsf" not in address_hash(KEY, one)
    # an email and a mobile with the same text are different addresses
    assert address_hash(KEY, Address(NotifyBy.EMAIL, "x")) != address_hash(KEY, Address(NotifyBy.SMS, "x"))


def test_a_one_time_code_is_six_digits_leading_zeros_kept() -> None:
    assert new_one_time_code(lambda _: 42) == "000042"
    assert new_one_time_code(lambda _: 999_999) == "999999"
    drawn = {new_one_time_code() for _ in range(50)}
    assert all(len(code) == 6 and code.isdigit() for code in drawn)
    assert len(drawn) > 40


def _check(entered: str, *, sent: str = "123456", to: str = "a", expires: datetime | None = None) -> Check:
    return check_code(
        entered,
        key=KEY,
        address="a",
        stored_hash=code_hash(KEY, sent, to),
        expires_at=expires or NOW + CODE_LIFETIME,
        now=NOW,
    )


def test_a_stored_code_is_keyed_by_the_service_secret() -> None:
    """Without the key, a copy of the stored hash does not give the code away: another key's hash of
    every one of the million codes differs from it."""
    stored = code_hash(KEY, "123456", "a")
    assert code_hash(b"another key", "123456", "a") != stored
    assert code_hash(KEY, "123456", "b") != stored  # bound to the address too


def test_the_code_sent_is_accepted_spaces_ignored() -> None:
    assert _check("123456") is Check.ACCEPTED
    assert _check(" 123 456 ") is Check.ACCEPTED


@pytest.mark.parametrize("entered", ["123457", "12345", "1234567", "abcdef", ""])
def test_another_code_is_wrong(entered: str) -> None:
    assert _check(entered) is Check.WRONG


def test_a_code_sent_to_another_address_is_wrong_here() -> None:
    assert _check("123456", to="b") is Check.WRONG


def test_a_code_is_spent_once_its_ten_minutes_are_over() -> None:
    assert timedelta(minutes=10) == CODE_LIFETIME
    assert _check("123456", expires=NOW) is Check.SPENT
    assert _check("123456", expires=NOW + timedelta(seconds=1)) is Check.ACCEPTED


def test_no_code_asked_for_is_spent() -> None:
    assert (
        check_code("123456", key=KEY, address="a", stored_hash=None, expires_at=None, now=NOW) is Check.SPENT
    )
