"""Staff sign in with a password (argon2id), are locked out after repeated failures, change the password
an admin set, and sign out — on the real broker and each database; the session routing issued is
refused once it has ended, or once its holder is deactivated."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from sqlmodel import col, select

from services.routing.app import create_app
from services.routing.config import RoutingSettings
from services.routing.db import AuditEntry, Handler
from shared.auth import SESSION_COOKIE
from shared.codes import Role
from shared.runtime import ServiceRuntime
from shared.staff_pages import CSRF_FIELD
from shared.topics import Topics
from tests.support.polling import eventually
from tests.support.services import assert_error, bearer, in_process, settings_for
from tests.support.staff import hidden_csrf, sign_in_with_password

pytestmark = pytest.mark.kafka

ADMIN = bearer(Role.ADMIN, sub="admin-zhou")
FIRST_PASSWORD = "Temporary-Pass-2026"
OWN_PASSWORD = "only-I-know-this-1"


@pytest_asyncio.fixture
async def routing(
    kafka_bootstrap: str, topics: Topics, database_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    """Routing whose lock lasts two seconds, so a test can see it run out."""
    settings = settings_for(
        RoutingSettings,
        kafka_bootstrap,
        topics,
        database_url,
        sign_in_lock_minutes=2 / 60,
        sign_in_failures=3,
    )
    async with in_process(create_app, settings) as running:
        yield running


async def add_staff(
    client: httpx.AsyncClient, login: str, password: str | None, *, temporary: bool = True
) -> None:
    added = await client.put(
        "/api/v1/handlers",
        headers=ADMIN,
        json={"id": login, "name": "钱办理", "department_id": "engineering", "roles": ["handler"]},
    )
    assert added.status_code == 200, added.text
    if password is not None:
        set_ = await client.post(
            f"/api/v1/handlers/{login}/password",
            headers=ADMIN,
            json={"password": password, "temporary": temporary},
        )
        assert set_.status_code == 204, set_.text


async def post_form(client: httpx.AsyncClient, url: str, fields: dict[str, str]) -> httpx.Response:
    page = await client.get(url)
    return await client.post(url, data={CSRF_FIELD: hidden_csrf(page.text), **fields})


async def test_a_temporary_password_is_changed_first_then_the_session_ends_at_sign_out(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, runtime = routing
    await add_staff(client, "qian-ban", FIRST_PASSWORD)
    listed = {h["id"]: h for h in (await client.get("/api/v1/handlers", headers=ADMIN)).json()}
    assert listed["qian-ban"]["password_set"] is True

    signed_in = await sign_in_with_password(client, "Qian-Ban ", FIRST_PASSWORD)  # name as typed
    assert signed_in.status_code == 303, signed_in.text
    assert signed_in.headers["location"] == "/workbench/password?first=1", (
        "a temporary password is changed first"
    )
    cookie = signed_in.cookies[SESSION_COOKIE]
    assert "HttpOnly" in signed_in.headers["set-cookie"]
    assert "Path=/workbench" in signed_in.headers["set-cookie"]

    refusals = {
        "wrong current": (
            {"current_password": "not-it-at-all", "new_password": OWN_PASSWORD},
            "current_password",
        ),
        "too short": ({"current_password": FIRST_PASSWORD, "new_password": "short1"}, "new_password"),
        "holds the name": (
            {"current_password": FIRST_PASSWORD, "new_password": "qian-ban-2026!"},
            "new_password",
        ),
        "not repeated": (
            {"current_password": FIRST_PASSWORD, "new_password": OWN_PASSWORD},
            "confirm_password",
        ),
    }
    for name, (fields, field) in refusals.items():
        confirm = fields["new_password"] if name != "not repeated" else "something-else-9"
        answer = await post_form(client, "/workbench/password", {**fields, "confirm_password": confirm})
        assert answer.status_code == 422, name
        assert f'id="password-{field}-error"' in answer.text, name
    changed = await post_form(
        client,
        "/workbench/password",
        {"current_password": FIRST_PASSWORD, "new_password": OWN_PASSWORD, "confirm_password": OWN_PASSWORD},
    )
    assert changed.status_code == 200
    assert "密码已修改" in changed.text

    signed_out = await post_form(client, "/workbench/password", {})  # a page with the form's token
    logout = await client.post("/workbench/logout", data={CSRF_FIELD: hidden_csrf(signed_out.text)})
    assert logout.headers["location"] == "/workbench/login?done=logout"
    # Someone who kept the cookie gets nothing from it: the session ended where it was issued.
    client.cookies.set(SESSION_COOKIE, cookie, path="/workbench")
    kept = await client.get("/workbench")
    assert kept.headers["location"] == "/workbench/login?next=/workbench"

    assert (await sign_in_with_password(client, "qian-ban", FIRST_PASSWORD)).status_code == 401
    again = await sign_in_with_password(client, "qian-ban", OWN_PASSWORD)
    assert again.headers["location"] == "/workbench", "a password of one's own goes straight to work"

    async with runtime.database.session() as session:
        trail = (
            await session.exec(select(AuditEntry).where(col(AuditEntry.target).startswith("qian-ban")))
        ).all()
        stored = await session.get(Handler, "qian-ban")
    actions = [entry.action for entry in trail]
    for action in ("staff.password_set", "staff.signed_in", "staff.password_changed", "staff.signed_out"):
        assert action in actions
    assert stored is not None
    assert stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2id$")
    assert OWN_PASSWORD not in repr([entry.model_dump() for entry in trail])
    assert "argon2" not in repr([entry.model_dump() for entry in trail]), "the trail keeps no hash"


async def test_repeated_failures_lock_the_name_whether_or_not_it_exists(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, _ = routing
    await add_staff(client, "sun-ban", OWN_PASSWORD, temporary=False)
    for login in ("sun-ban", "nobody-here"):
        answers = [
            (await sign_in_with_password(client, login, "wrong-password-0")).status_code for _ in range(3)
        ]
        assert answers == [401, 401, 429], login
        locked = await sign_in_with_password(client, login, OWN_PASSWORD)
        assert locked.status_code == 429, "locked: even the right password waits"
        assert "已锁定" in locked.text
        assert SESSION_COOKIE not in locked.cookies

    async def unlocked() -> bool:
        return (await sign_in_with_password(client, "sun-ban", OWN_PASSWORD)).status_code == 303

    await eventually(unlocked, "the lock running out", timeout=15)
    # A success starts the count again: two failures do not lock.
    answers = [
        (await sign_in_with_password(client, "sun-ban", "wrong-password-0")).status_code for _ in range(2)
    ]
    assert answers == [401, 401]


async def test_an_admin_unlocks_by_setting_a_password_and_a_deactivated_account_is_signed_out(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, _ = routing
    await add_staff(client, "zhao-ban", OWN_PASSWORD, temporary=False)
    for _ in range(3):
        await sign_in_with_password(client, "zhao-ban", "wrong-password-0")
    assert (await sign_in_with_password(client, "zhao-ban", OWN_PASSWORD)).status_code == 429
    await add_staff(client, "zhao-ban", "A-new-password-77", temporary=False)
    signed_in = await sign_in_with_password(client, "zhao-ban", "A-new-password-77")
    assert signed_in.status_code == 303
    assert (await client.get("/workbench")).status_code == 200

    deactivated = await client.put(
        "/api/v1/handlers",
        headers=ADMIN,
        json={"id": "zhao-ban", "name": "钱办理", "department_id": "engineering", "active": False},
    )
    assert deactivated.json()["active"] is False
    assert (await client.get("/workbench")).status_code == 303, "the open session ends with the account"
    assert (await sign_in_with_password(client, "zhao-ban", "A-new-password-77")).status_code == 401


async def test_a_password_the_rules_refuse_is_422_naming_the_field(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, _ = routing
    await add_staff(client, "li-ban", None)
    refused = await client.post("/api/v1/handlers/li-ban/password", headers=ADMIN, json={"password": "short"})
    assert_error(refused, 422, "validation_error", "password")
    unknown = await client.post(
        "/api/v1/handlers/no-such-person/password", headers=ADMIN, json={"password": OWN_PASSWORD}
    )
    assert_error(unknown, 404, "not_found")
    # No password yet: no sign-in, and the same answer as a wrong one.
    assert (await sign_in_with_password(client, "li-ban", "")).status_code == 422
    assert (await sign_in_with_password(client, "li-ban", OWN_PASSWORD)).status_code == 401
