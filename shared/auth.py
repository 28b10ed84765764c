"""Bearer tokens (ARCHITECTURE §8): HS256 JWTs locally, with ``sub``, ``name``, ``roles``, ``department``;
and the staff's sign-in session (登录会话), which every service's staff pages read from one cookie.

A session is a JWT of the same secret in an HttpOnly cookie under ``/workbench``, carrying its id
(``sid``) and when its holder signed in (``auth_time``). It expires after ``idle`` without a page
(30 minutes) and in any case ``absolute`` after the sign-in (8 hours, a working day); a page served
more than ``renew_after`` after the cookie was issued renews it, so working on keeps it alive. Routing,
which holds the accounts, ends a session at sign-out and refuses an ended one or a deactivated account's.

``civic token --role handler --department general-office`` (`deploy.cli.tokens`) mints one for local use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from shared.codes import Role
from shared.errors import Forbidden, Unauthorized

__all__ = [
    "SESSION_COOKIE",
    "Principal",
    "SessionPolicy",
    "StaffSession",
    "mint_session",
    "mint_token",
    "principal_of",
    "read_session",
    "require_roles",
    "verify_token",
]

SESSION_COOKIE = "civic_session"
"""The staff's sign-in cookie (path ``/workbench``): a session JWT, HttpOnly, SameSite=Lax."""

ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the token says."""

    sub: str
    name: str
    roles: frozenset[Role]
    department: str | None = None

    def has_any(self, roles: Iterable[Role]) -> bool:
        return not self.roles.isdisjoint(roles)


def require_roles(principal: Principal, *roles: Role) -> None:
    """A use case's rule of who may call it: `Forbidden` (403 at the HTTP edge) for anyone else."""
    if not principal.has_any(roles):
        raise Forbidden(f"needs one of the roles: {', '.join(sorted(roles))}")


def mint_token(
    secret: str,
    *,
    sub: str,
    name: str,
    roles: Iterable[Role],
    department: str | None = None,
    lifetime: timedelta = timedelta(hours=12),
) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": sub,
        "name": name,
        "roles": sorted(role.value for role in roles),
        "iat": now,
        "exp": now + lifetime,
    }
    if department:
        claims["department"] = department
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str) -> Principal:
    return principal_of(_claims(secret, token))


def _claims(secret: str, token: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc
    return claims


def principal_of(claims: dict[str, Any]) -> Principal:
    """Who the verified claims say is calling: `Unauthorized` when they do not say it properly."""
    sub, department = claims["sub"], claims.get("department")
    if not isinstance(sub, str) or not sub.strip():
        raise Unauthorized("invalid token: sub must be a non-empty string")
    if department is not None and not isinstance(department, str):
        raise Unauthorized("invalid token: department must be a string")
    raw_roles = claims.get("roles", [])
    if not isinstance(raw_roles, list):
        raise Unauthorized("invalid token: roles must be a list")
    try:
        roles = frozenset(Role(role) for role in raw_roles)
    except ValueError as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc
    return Principal(
        sub=sub,
        name=str(claims.get("name", sub)),
        roles=roles,
        department=department or None,
    )


# --- the staff's sign-in session -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a sign-in lasts: ``idle`` without a page, ``absolute`` in all; renewed on a page served
    ``renew_after`` after the cookie was issued."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=8)
    renew_after: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class StaffSession:
    """A signed-in member of staff, as the session cookie says."""

    principal: Principal
    id: str
    signed_in_at: datetime
    issued_at: datetime
    expires_at: datetime

    def due_for_renewal(self, now: datetime, policy: SessionPolicy) -> bool:
        return (
            now - self.issued_at >= policy.renew_after
            and self.expires_at < self.signed_in_at + policy.absolute
        )


def mint_session(
    secret: str,
    principal: Principal,
    *,
    session_id: str,
    signed_in_at: datetime,
    now: datetime,
    policy: SessionPolicy,
) -> str:
    """The cookie's value: expires ``policy.idle`` from ``now``, never later than ``policy.absolute``
    after the sign-in."""
    expires = min(now + policy.idle, signed_in_at + policy.absolute)
    claims: dict[str, object] = {
        "sub": principal.sub,
        "name": principal.name,
        "roles": sorted(role.value for role in principal.roles),
        "sid": session_id,
        "auth_time": int(signed_in_at.timestamp()),
        "iat": now,
        "exp": expires,
    }
    if principal.department:
        claims["department"] = principal.department
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_session(secret: str, token: str) -> StaffSession:
    """The session a cookie holds: `Unauthorized` when it is forged, expired or malformed. A bearer
    token pasted at a development sign-in is a session of its own (its id the token's issue time)."""
    claims = _claims(secret, token)
    principal = principal_of(claims)
    issued = _instant(claims.get("iat"), "iat")
    signed_in = _instant(claims.get("auth_time", claims.get("iat")), "auth_time")
    session_id = claims.get("sid", f"token-{int(issued.timestamp())}")
    if not isinstance(session_id, str) or not session_id:
        raise Unauthorized("invalid session: sid must be a non-empty string")
    return StaffSession(principal, session_id, signed_in, issued, _instant(claims["exp"], "exp"))


def _instant(value: object, name: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unauthorized(f"invalid session: {name} must be a time")
    return datetime.fromtimestamp(value, UTC)
