"""Staff signed in as the workbench signs them in: routing issues the session (by the development
token form, or a password), and every staff page reads it from the one cookie."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import httpx

from shared.auth import SESSION_COOKIE, Principal, SessionPolicy, mint_session
from shared.codes import Role
from shared.staff_pages import CSRF_COOKIE, CSRF_FIELD, STAFF_PATH
from tests.support.services import JWT_SECRET


def hidden_csrf(page: str) -> str:
    found = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', page)
    assert found, "the page carries its CSRF token"
    return found.group(1)


async def sign_in_with_token(client: httpx.AsyncClient, token: str) -> str:
    """Sign ``client`` in to routing's workbench with a token (development only); the session cookie."""
    form = await client.get(f"{STAFF_PATH}/login")
    response = await client.post(
        f"{STAFF_PATH}/login/token", data={CSRF_FIELD: hidden_csrf(form.text), "token": token}
    )
    assert response.status_code == 303, response.text
    return response.cookies[SESSION_COOKIE]


async def sign_in_with_password(client: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    """Post the sign-in form as a person would: the answer (303 on success, with the cookie)."""
    form = await client.get(f"{STAFF_PATH}/login")
    return await client.post(
        f"{STAFF_PATH}/login", data={CSRF_FIELD: hidden_csrf(form.text), "login": login, "password": password}
    )


def session_cookie(
    *roles: Role, department: str | None = None, sub: str = "staff-1", name: str = "工作人员"
) -> str:
    """A session cookie as routing would issue it, for a service that does not check it against
    routing's sessions (tracking's and publishing's staff pages)."""
    now = datetime.now(UTC)
    principal = Principal(sub=sub, name=name, roles=frozenset(roles), department=department)
    return mint_session(
        JWT_SECRET, principal, session_id=uuid.uuid4().hex, signed_in_at=now, now=now, policy=SessionPolicy()
    )


def with_session(client: httpx.AsyncClient, cookie: str, csrf: str | None = None) -> None:
    """Put a session (and a CSRF cookie) on ``client``, as a browser that signed in holds them."""
    client.cookies.set(SESSION_COOKIE, cookie, path=STAFF_PATH)
    if csrf is not None:
        client.cookies.set(CSRF_COOKIE, csrf, path=STAFF_PATH)
