"""The staff's sign-in session (`shared.auth`): it expires after the idle time and never later than the
absolute limit after the sign-in, however often it is renewed; a forged or altered one is refused;
and the password rules and lockout of `services.routing.passwords`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from services.routing.passwords import LockoutPolicy, Passwords, password_problem
from shared.auth import Principal, SessionPolicy, mint_session, read_session
from shared.codes import Role
from shared.errors import Unauthorized

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
POLICY = SessionPolicy(
    idle=timedelta(minutes=30), absolute=timedelta(hours=8), renew_after=timedelta(minutes=5)
)
WHO = Principal(sub="qian-ban", name="钱办理", roles=frozenset({Role.HANDLER}), department="engineering")


def _at(token: str) -> datetime:
    return datetime.fromtimestamp(jwt.decode(token, options={"verify_signature": False})["exp"], UTC)


def test_a_session_says_who_and_expires_after_the_idle_time() -> None:
    now = datetime.now(UTC)
    token = mint_session(SECRET, WHO, session_id="s-1", signed_in_at=now, now=now, policy=POLICY)
    session = read_session(SECRET, token)
    assert (session.principal, session.id) == (WHO, "s-1")
    assert session.expires_at == (now + POLICY.idle).replace(microsecond=0)
    assert not session.due_for_renewal(now + timedelta(minutes=4), POLICY)
    assert session.due_for_renewal(now + timedelta(minutes=6), POLICY)


def test_renewing_never_passes_the_absolute_limit() -> None:
    signed_in = datetime.now(UTC) - timedelta(hours=7, minutes=50)
    now = datetime.now(UTC)
    token = mint_session(SECRET, WHO, session_id="s-1", signed_in_at=signed_in, now=now, policy=POLICY)
    assert _at(token) == (signed_in + POLICY.absolute).replace(microsecond=0), "ten minutes left, not thirty"
    renewed = read_session(SECRET, token)
    assert not renewed.due_for_renewal(now + timedelta(minutes=6), POLICY), "nothing left to renew into"


def test_an_expired_forged_or_altered_session_is_refused() -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=9)
    expired = mint_session(SECRET, WHO, session_id="s-1", signed_in_at=long_ago, now=long_ago, policy=POLICY)
    now = datetime.now(UTC)
    forged = mint_session(
        "another-secret-that-is-long-enough!!", WHO, session_id="s", signed_in_at=now, now=now, policy=POLICY
    )
    claims = jwt.decode(
        mint_session(SECRET, WHO, session_id="s", signed_in_at=now, now=now, policy=POLICY),
        SECRET,
        algorithms=["HS256"],
    )
    no_time = jwt.encode({**claims, "auth_time": "yesterday"}, SECRET, algorithm="HS256")
    for token in (expired, forged, no_time, "garbage"):
        with pytest.raises(Unauthorized):
            read_session(SECRET, token)


def test_password_rules_and_lockout() -> None:
    assert password_problem("short", "li") is not None
    assert password_problem("li-si-2026-abc", "li-si") == "密码不能包含登录名"
    assert password_problem("aaaaaaaaaaaa", "x") is not None
    assert password_problem("a-sound-passphrase-9", "li-si") is None
    now = datetime.now(UTC)
    policy = LockoutPolicy(failures=3, lock=timedelta(minutes=15))
    assert [policy.after_failure(n, now) for n in (1, 2)] == [None, None]
    assert policy.after_failure(3, now) == now + timedelta(minutes=15)


def test_argon2id_verifies_only_the_right_password() -> None:
    passwords = Passwords()
    stored = passwords.hash("a-sound-passphrase-9")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "a-sound-passphrase-9")
    assert not passwords.verify(stored, "a-sound-passphrase-8")
    assert not passwords.verify(None, "decoy: no such account"), "no account: never a match, even the decoy's"
    assert not passwords.verify("not-a-hash", "anything")
