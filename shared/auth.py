"""Bearer tokens (ARCHITECTURE §8): HS256 JWTs locally, with ``sub``, ``name``, ``roles``, ``department``.

Run ``python -m shared.auth --role handler --department general-office`` to mint one for local use.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from shared.codes import Role
from shared.errors import Forbidden, Unauthorized

__all__ = ["SESSION_COOKIE", "Principal", "mint_token", "require_roles", "verify_token"]

SESSION_COOKIE = "civic_token"
"""The workbench's sign-in cookie (path ``/workbench``): the JWT, HttpOnly, SameSite=Strict."""

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
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc
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


def main(argv: list[str] | None = None) -> None:
    from shared.settings import ServiceSettings

    parser = argparse.ArgumentParser(description="Mint a bearer token for local use (CIVIC_JWT_SECRET).")
    parser.add_argument("--role", action="append", choices=[r.value for r in Role], required=True)
    parser.add_argument("--department", default=None)
    parser.add_argument("--sub", default="local-user")
    parser.add_argument("--name", default="本地用户")
    parser.add_argument("--hours", type=float, default=12)
    args = parser.parse_args(argv)
    secret = ServiceSettings().jwt_key
    print(
        mint_token(
            secret,
            sub=args.sub,
            name=args.name,
            roles=[Role(r) for r in args.role],
            department=args.department,
            lifetime=timedelta(hours=args.hours),
        )
    )


if __name__ == "__main__":
    main()
