"""Bearer tokens the services must refuse, asked of a running routing service (the API and the
workbench's sign-in cookie); and a handler whose token names another department reads and does nothing
of a case not theirs. The route guard itself refuses a route nobody declared."""

from __future__ import annotations

import base64
import json
import time
import warnings
from typing import Any

import httpx
import jwt
import pytest
from fastapi import APIRouter, FastAPI

from shared.auth import SESSION_COOKIE, mint_token
from shared.codes import Role
from shared.http import guarded_by, install_common
from shared.staff_pages import CSRF_FIELD
from tests.security.conftest import RoutingCase
from tests.support.services import JWT_SECRET, assert_error, bearer
from tests.support.staff import hidden_csrf, sign_in_with_token

pytestmark = pytest.mark.kafka

OTHER_KEY = "a-different-secret-that-is-also-long-enough-for-hs256"
LATER = int(time.time()) + 3600
GOOD = {"sub": "li-si", "name": "李四", "roles": ["handler"], "department": "engineering", "exp": LATER}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned(claims: dict[str, Any]) -> str:
    """``alg: none``: a token anyone can write."""
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def without(claim: str) -> dict[str, Any]:
    return {name: value for name, value in GOOD.items() if name != claim}


def hs384(claims: dict[str, Any]) -> str:
    """Another algorithm than the one the services accept (PyJWT warns that the key is short for it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jwt.encode(claims, JWT_SECRET, algorithm="HS384")


BAD_TOKENS = {
    "alg none": unsigned(GOOD),
    "alg none, signature kept": unsigned(GOOD) + jwt.encode(GOOD, JWT_SECRET).rsplit(".", 1)[1],
    "signed with another key": jwt.encode(GOOD, OTHER_KEY, algorithm="HS256"),
    "HS384 with the right key": hs384(GOOD),
    "expired": jwt.encode({**GOOD, "exp": int(time.time()) - 60}, JWT_SECRET),
    "not valid yet": jwt.encode({**GOOD, "nbf": LATER - 60}, JWT_SECRET),
    "no sub": jwt.encode(without("sub"), JWT_SECRET),
    "empty sub": jwt.encode({**GOOD, "sub": " "}, JWT_SECRET),
    "no exp": jwt.encode(without("exp"), JWT_SECRET),
    "roles not a list": jwt.encode({**GOOD, "roles": "handler"}, JWT_SECRET),
    "unknown role": jwt.encode({**GOOD, "roles": ["mayor"]}, JWT_SECRET),
    "department not a string": jwt.encode({**GOOD, "department": ["engineering"]}, JWT_SECRET),
    "claims tampered after signing": (
        jwt.encode(GOOD, JWT_SECRET).split(".")[0]
        + "."
        + _b64({**GOOD, "roles": ["admin"]})
        + "."
        + jwt.encode(GOOD, JWT_SECRET).split(".")[2]
    ),
    "garbage": "not-a-token",
}


async def test_every_bad_token_is_refused_by_the_api_and_the_workbench(routing_case: RoutingCase) -> None:
    client = routing_case.client
    good = jwt.encode(GOOD, JWT_SECRET)
    assert (await client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {good}"})).status_code == 200
    await sign_in_with_token(client, good)
    assert (await client.get("/workbench")).status_code == 200, "the good token signs in"
    client.cookies.clear()

    for name, token in BAD_TOKENS.items():
        response = await client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, f"{name}: {response.status_code}"
        assert response.headers["WWW-Authenticate"] == "Bearer", name
        assert response.json()["error"]["code"] == "unauthorized", name

        client.cookies.set(SESSION_COOKIE, token, path="/workbench")
        page = await client.get("/workbench")
        client.cookies.clear()
        assert (page.status_code, page.headers.get("location")) == (
            303,
            "/workbench/login?next=/workbench",
        ), name
        refused = await client.post("/workbench/login/token", data={"token": token})
        assert refused.status_code == 403, "no sign-in without the form's CSRF token"
        form = await client.get("/workbench/login")
        refused = await client.post(
            "/workbench/login/token", data={"token": token, CSRF_FIELD: hidden_csrf(form.text)}
        )
        assert refused.status_code == 422, name
        assert SESSION_COOKIE not in refused.cookies, name
        client.cookies.clear()


async def test_a_handler_of_another_department_neither_reads_nor_acts_on_a_case(
    routing_case: RoutingCase,
) -> None:
    client, case_id = routing_case.client, routing_case.case_id
    case = f"/api/v1/cases/{case_id}"
    other = bearer(Role.HANDLER, department="policy", sub="sun-ba")
    head = bearer(Role.DEPARTMENT_HEAD, department="policy", sub="zhou-jiu")
    no_department = bearer(Role.HANDLER, sub="wu-shi")

    for who in (other, head, no_department):
        assert_error(await client.get(case, headers=who), 403, "forbidden")
        assert_error(await client.post(f"{case}/accept", json={}, headers=who), 403, "forbidden")
        reply = {"text": "已答复。"}
        assert_error(await client.post(f"{case}/reply", json=reply, headers=who), 403, "forbidden")
    for who in (other, head):
        tasks = (await client.get("/api/v1/tasks", headers=who)).json()
        assert case_id not in {task["case_id"] for task in tasks}
    assert_error(await client.get("/api/v1/tasks", headers=no_department), 403, "forbidden")

    own = bearer(Role.HANDLER, department="engineering", sub="li-si")
    detail = await client.get(case, headers=own)
    assert (detail.status_code, detail.json()["task"]["state"]) == (200, "assigned"), "nothing was done to it"


async def test_a_route_nobody_declared_is_refused_to_everyone() -> None:
    """Fail closed: a route added to a guarded router without its entry in the access map."""
    router = APIRouter(dependencies=[guarded_by({"GET /declared": None, "GET /admins": (Role.ADMIN,)})])

    @router.get("/declared")
    async def declared() -> dict[str, str]:
        return {"ok": "yes"}

    @router.get("/admins")
    async def admins() -> dict[str, str]:
        return {"ok": "yes"}

    @router.get("/forgotten")
    async def forgotten() -> dict[str, str]:
        return {"ok": "yes"}

    app = FastAPI()
    app.state.jwt_key = JWT_SECRET
    install_common(app, health_checks=lambda: [], service="test")
    app.include_router(router)
    admin = {"Authorization": f"Bearer {mint_token(JWT_SECRET, sub='a', name='a', roles=[Role.ADMIN])}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test") as client:
        assert (await client.get("/declared")).status_code == 200
        assert (await client.get("/admins")).status_code == 401
        assert (await client.get("/admins", headers=admin)).status_code == 200
        assert_error(await client.get("/forgotten"), 403, "forbidden")
        assert_error(await client.get("/forgotten", headers=admin), 403, "forbidden")
