"""Staff sign-in (工作人员登录): accounts of the office's directory (`services.routing.db.Handler`),
their passwords, the lockout, and the sessions routing issues — every service's staff pages read the
session from its cookie (`shared.auth`); routing alone knows whether it was ended.

Every sign-in, failure, lockout, sign-out and password change is kept in the audit trail (操作留痕).
A refusal never says whether the sign-in name exists: an unknown name is counted and locked like a
real one, and its password is checked against a decoy in the same time.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from services.routing.db import AuditEntry, Handler, SignInAttempts, StaffSessionRecord
from services.routing.passwords import LockoutPolicy, Passwords, password_problem
from shared.auth import Principal, SessionPolicy, StaffSession, require_roles
from shared.codes import Role
from shared.errors import InvalidInput, NotFound, Unauthorized
from shared.runtime import ServiceRuntime

__all__ = [
    "SignInRefused",
    "SignedIn",
    "change_password",
    "principal_of_staff",
    "session_alive",
    "set_password",
    "sign_in",
    "sign_in_as",
    "sign_in_with_identity",
    "sign_out",
]

VIA_PASSWORD = "password"
VIA_IDENTITY_PROVIDER = "oidc"
VIA_TOKEN = "token"


class SignInRefused(Unauthorized):
    """A wrong name or password, or a name locked until ``locked_until``."""

    def __init__(self, message: str, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: who, its id, when; whether the password an admin set must be changed first."""

    principal: Principal
    session_id: str
    at: datetime
    must_change_password: bool = False


def principal_of_staff(staff: Handler) -> Principal:
    return Principal(
        sub=staff.id,
        name=staff.name,
        roles=frozenset(Role(role) for role in staff.roles if role in Role.__members__.values()),
        department=staff.department_id,
    )


def _audit(session: AsyncSession, at: datetime, actor: str, action: str, target: str) -> None:
    session.add(AuditEntry(at=at, actor=actor, action=action, target=target))


def _normalised(login: str) -> str:
    return login.strip().casefold()


async def sign_in(
    runtime: ServiceRuntime,
    passwords: Passwords,
    login: str,
    password: str,
    *,
    now: datetime,
    lockout: LockoutPolicy,
    sessions: SessionPolicy,
) -> SignedIn:
    """A session for the right password of an active account whose name is not locked; otherwise
    `SignInRefused`, the failure counted (the ``lockout.failures``-th in a row locks the name)."""
    name = _normalised(login)
    async with runtime.database.session() as session:
        attempts = await session.get(SignInAttempts, name)
        staff = await session.get(Handler, name) if name else None
    if attempts is not None and attempts.locked_until is not None and attempts.locked_until > now:
        raise SignInRefused("locked", attempts.locked_until)
    stored = staff.password_hash if staff is not None and staff.active else None
    # argon2 takes tens of milliseconds of CPU: off the event loop.
    if not await asyncio.to_thread(passwords.verify, stored, password) or staff is None:
        locked_until = await _failed(runtime, name, now, lockout)
        raise SignInRefused("wrong name or password", locked_until)
    rehashed = await asyncio.to_thread(passwords.hash, password) if passwords.outdated(stored or "") else None
    async with runtime.database.transaction() as session:
        await session.exec(
            update(SignInAttempts)
            .where(col(SignInAttempts.login) == name)
            .values(failures=0, locked_until=None)
        )
        if rehashed is not None:
            await session.exec(
                update(Handler).where(col(Handler.id) == staff.id).values(password_hash=rehashed)
            )
        signed_in = await _open_session(session, principal_of_staff(staff), VIA_PASSWORD, now, sessions)
    return SignedIn(signed_in.principal, signed_in.session_id, now, staff.must_change_password)


async def _failed(
    runtime: ServiceRuntime, name: str, now: datetime, lockout: LockoutPolicy
) -> datetime | None:
    async with runtime.database.transaction() as session:
        attempts = await session.get(SignInAttempts, name, with_for_update=True)
        if attempts is None:
            attempts = SignInAttempts(login=name)
        if attempts.locked_until is not None and attempts.locked_until <= now:
            attempts.failures = 0  # the lock has run out: a new count
        attempts.failures += 1
        attempts.locked_until = lockout.after_failure(attempts.failures, now)
        session.add(attempts)
        _audit(session, now, name or "（空）", "staff.sign_in_failed", name)
        if attempts.locked_until is not None:
            _audit(
                session,
                now,
                name or "（空）",
                "staff.locked",
                f"{name} 至 {attempts.locked_until.isoformat()}",
            )
    return attempts.locked_until


async def _open_session(
    session: AsyncSession, principal: Principal, via: str, now: datetime, policy: SessionPolicy
) -> SignedIn:
    record = StaffSessionRecord(
        id=secrets.token_urlsafe(24),
        staff_id=principal.sub,
        via=via,
        started_at=now,
        expires_at=now + policy.absolute,
    )
    session.add(record)
    _audit(
        session, now, f"{principal.name}（{principal.sub}）", "staff.signed_in", f"{principal.sub} via {via}"
    )
    return SignedIn(principal, record.id, now)


async def sign_in_as(
    runtime: ServiceRuntime, principal: Principal, *, via: str, now: datetime, sessions: SessionPolicy
) -> SignedIn:
    """A session for someone already proven: by the identity provider, as the directory's active
    account of that name; in development, by a pasted token — as the token says, for a name the
    directory does not know."""
    async with runtime.database.transaction() as session:
        staff = await session.get(Handler, principal.sub)
        if staff is not None and staff.active:
            return await _open_session(session, principal_of_staff(staff), via, now, sessions)
        if staff is None and via == VIA_TOKEN:
            return await _open_session(session, principal, via, now, sessions)
    raise SignInRefused("no active account of that name")


async def sign_in_with_identity(
    runtime: ServiceRuntime, subject: str, username: str | None, *, now: datetime, sessions: SessionPolicy
) -> SignedIn:
    """A session for the account the identity provider's subject is linked to; the first time, for the
    account its sign-in name claim names, not linked to another subject yet (the link is audited)."""
    async with runtime.database.transaction() as session:
        staff = (await session.exec(select(Handler).where(Handler.oidc_subject == subject))).first()
        if staff is None and username:
            named = await session.get(Handler, _normalised(username))
            if named is not None and named.oidc_subject is None:
                staff, named.oidc_subject = named, subject
                session.add(named)
                _audit(session, now, f"{named.name}（{named.id}）", "staff.identity_linked", named.id)
        if staff is None or not staff.active:
            raise SignInRefused("the identity provider's subject names no active account")
        return await _open_session(session, principal_of_staff(staff), VIA_IDENTITY_PROVIDER, now, sessions)


async def sign_out(runtime: ServiceRuntime, session_id: str, *, now: datetime) -> None:
    async with runtime.database.transaction() as session:
        record = await session.get(StaffSessionRecord, session_id)
        if record is None or record.ended_at is not None:
            return
        record.ended_at = now
        session.add(record)
        _audit(session, now, record.staff_id, "staff.signed_out", record.staff_id)


async def session_alive(runtime: ServiceRuntime, staff_session: StaffSession, *, now: datetime) -> bool:
    """Routing issued the session, it has not ended or expired, and its account is still active."""
    async with runtime.database.session() as session:
        record = await session.get(StaffSessionRecord, staff_session.id)
        if record is None or record.ended_at is not None or record.expires_at <= now:
            return False
        if record.staff_id != staff_session.principal.sub:
            return False
        staff = await session.get(Handler, record.staff_id)
    if staff is None:
        return record.via == VIA_TOKEN  # a development token's name the directory does not know
    return staff.active


async def change_password(
    runtime: ServiceRuntime,
    passwords: Passwords,
    principal: Principal,
    current: str,
    new: str,
    *,
    now: datetime,
) -> None:
    """The holder changes their own password, proving the current one."""
    async with runtime.database.session() as session:
        staff = await session.get(Handler, principal.sub)
    if staff is None or not await asyncio.to_thread(passwords.verify, staff.password_hash, current):
        raise InvalidInput("current_password", "当前密码不正确")
    problem = password_problem(new, staff.id)
    if problem is not None:
        raise InvalidInput("new_password", problem)
    if new == current:
        raise InvalidInput("new_password", "新密码不能与当前密码相同")
    hashed = await asyncio.to_thread(passwords.hash, new)
    async with runtime.database.transaction() as session:
        await session.exec(
            update(Handler)
            .where(col(Handler.id) == staff.id)
            .values(password_hash=hashed, must_change_password=False)
        )
        _audit(session, now, f"{staff.name}（{staff.id}）", "staff.password_changed", staff.id)


async def set_password(
    runtime: ServiceRuntime,
    passwords: Passwords,
    principal: Principal,
    staff_id: str,
    password: str,
    *,
    temporary: bool,
    now: datetime,
) -> None:
    """An admin sets a member of staff's password — a temporary one is to be changed at the first
    sign-in — and lifts any lock on the name; the sessions under the old password end."""
    require_roles(principal, Role.ADMIN)
    problem = password_problem(password, staff_id)
    if problem is not None:
        raise InvalidInput("password", problem)
    hashed = await asyncio.to_thread(passwords.hash, password)
    async with runtime.database.transaction() as session:
        staff = await session.get(Handler, staff_id)
        if staff is None:
            raise NotFound(f"no member of staff {staff_id}")
        staff.password_hash, staff.must_change_password = hashed, temporary
        session.add(staff)
        await session.exec(
            update(SignInAttempts)
            .where(col(SignInAttempts.login) == staff_id)
            .values(failures=0, locked_until=None)
        )
        await end_sessions(session, [staff_id], now)
        _audit(session, now, f"{principal.name}（{principal.sub}）", "staff.password_set", staff_id)


async def end_sessions(session: AsyncSession, staff_ids: Iterable[str], now: datetime) -> None:
    """End every open session of these members of staff (a new password, a deactivation)."""
    await session.exec(
        update(StaffSessionRecord)
        .where(
            col(StaffSessionRecord.staff_id).in_(list(staff_ids)), col(StaffSessionRecord.ended_at).is_(None)
        )
        .values(ended_at=now)
    )
