"""Staff passwords (登录密码) and the lockout after failed sign-ins (登录失败锁定): the rules, and the
hashing (argon2id, with argon2-cffi's parameters, which it raises over the years: a hash made with
older ones is made again at the next sign-in). No framework, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["LockoutPolicy", "Passwords", "password_problem"]

MIN_LENGTH = 10
MAX_LENGTH = 128


def password_problem(password: str, login: str) -> str | None:
    """Why a new password will not do (in the staff's language), or None."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 个字符"
    if len(password) > MAX_LENGTH:
        return f"密码不能超过 {MAX_LENGTH} 个字符"
    if login and login.casefold() in password.casefold():
        return "密码不能包含登录名"
    if len(set(password)) < 4:
        return "密码过于简单，请混合使用不同的字母、数字或符号"
    return None


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """``failures`` wrong passwords in a row lock a sign-in name for ``lock``."""

    failures: int = 5
    lock: timedelta = timedelta(minutes=15)

    def after_failure(self, failures: int, now: datetime) -> datetime | None:
        """Until when the name is locked after its ``failures``-th failure in a row (None: not locked)."""
        return now + self.lock if failures >= self.failures else None


class Passwords:
    """argon2id hashing. ``verify`` spends the same time whether or not there is a hash to check, so
    the answer's timing does not tell whether an account exists."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._decoy = self._hasher.hash("decoy: no such account")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._decoy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def outdated(self, stored: str) -> bool:
        """Made with weaker parameters than today's: hash it again while the password is at hand."""
        return self._hasher.check_needs_rehash(stored)
