"""Signing in through the office's identity provider (OpenID Connect, code flow with PKCE), on the real
broker and each database, against a provider served on loopback: RS256 and ES256 ID tokens sign in the
directory's account (linked the first time by its sign-in name, by the subject after); a token with the
wrong audience, issuer, expiry, nonce or key, a callback with another sign-in's state, an unknown or a
deactivated person — each is refused with no session; a rotated key is fetched when first seen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio

from services.routing.app import create_app
from services.routing.config import RoutingSettings
from shared.auth import SESSION_COOKIE
from shared.codes import Role
from shared.topics import Topics
from tests.support.browser import served
from tests.support.identity_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.support.services import bearer, in_process, settings_for

pytestmark = pytest.mark.kafka

CALLBACK = "http://testserver/workbench/login/oidc/callback"
ADMIN = bearer(Role.ADMIN)


@dataclass
class Office:
    client: httpx.AsyncClient
    provider: Provider


@pytest_asyncio.fixture(params=["RS256", "ES256"])
async def office(
    request: pytest.FixtureRequest, kafka_bootstrap: str, topics: Topics, database_url: str
) -> AsyncIterator[Office]:
    provider = Provider(redirect_url=CALLBACK, algorithm=request.param)
    async with served(provider.app(), "identity provider") as issuer:
        provider.issuer = issuer
        settings = settings_for(
            RoutingSettings,
            kafka_bootstrap,
            topics,
            database_url,
            oidc_issuer=issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_redirect_url=CALLBACK,
        )
        async with in_process(create_app, settings) as (client, _):
            await client.put(
                "/api/v1/handlers",
                headers=ADMIN,
                json={"id": "wu-ban", "name": "吴宣传", "department_id": "engineering", "roles": ["handler"]},
            )
            yield Office(client, provider)


async def through_the_provider(office: Office, *, state: str | None = None) -> httpx.Response:
    """Start at the workbench, sign in at the provider, come back: routing's last answer."""
    client = office.client
    start = await client.get("/workbench/login/oidc", params={"next": "/workbench"})
    assert start.status_code == 303, start.text
    async with httpx.AsyncClient() as browser_at_the_provider:
        authorized = await browser_at_the_provider.get(start.headers["location"])
    assert authorized.status_code == 302, authorized.text
    back = httpx.URL(authorized.headers["location"])
    params = dict(back.params)
    if state is not None:
        params["state"] = state
    return await client.get(back.path, params=params)


async def test_the_provider_signs_in_the_directory_account(office: Office) -> None:
    login = await office.client.get("/workbench/login")
    assert "使用统一身份认证登录" in login.text, "the sign-in page offers the provider once it is set"
    signed_in = await through_the_provider(office)
    assert signed_in.status_code == 303, signed_in.text
    assert signed_in.headers["location"] == "/workbench"
    assert SESSION_COOKIE in signed_in.cookies
    inbox = await office.client.get("/workbench")
    assert inbox.status_code == 200
    assert "吴宣传" in inbox.text

    # Linked by its subject now: a new sign-in name at the provider still reaches the same account.
    office.client.cookies.clear()
    office.provider.person = {"sub": "idp-0001", "preferred_username": "wu.xuanchuan"}
    assert (await through_the_provider(office)).status_code == 303
    audit = (await office.client.get("/api/v1/audit", headers=ADMIN)).json()
    assert [e["action"] for e in audit].count("staff.identity_linked") == 1

    # The provider rotates its keys: the new one is fetched when a token first names it.
    office.client.cookies.clear()
    office.provider.rotate()
    assert (await through_the_provider(office)).status_code == 303


@pytest.mark.parametrize("wrong", ["audience", "issuer", "expired", "nonce", "key"])
async def test_a_token_that_does_not_verify_signs_nobody_in(office: Office, wrong: str) -> None:
    office.provider.wrong = wrong
    refused = await through_the_provider(office)
    assert refused.status_code == 401, wrong
    assert "统一身份认证未通过" in refused.text
    assert SESSION_COOKIE not in refused.cookies
    assert (await office.client.get("/workbench")).status_code == 303, "still signed out"


async def test_another_sign_ins_state_an_unknown_or_deactivated_person_are_refused(office: Office) -> None:
    assert (await through_the_provider(office, state="a-state-of-another-sign-in")).status_code == 401
    office.client.cookies.clear()

    office.provider.person = {"sub": "idp-9999", "preferred_username": "nobody-here"}
    assert (await through_the_provider(office)).status_code == 401
    office.client.cookies.clear()

    await office.client.put(
        "/api/v1/handlers",
        headers=ADMIN,
        json={"id": "wu-ban", "name": "吴宣传", "department_id": "engineering", "active": False},
    )
    office.provider.person = {"sub": "idp-0001", "preferred_username": "wu-ban"}
    assert (await through_the_provider(office)).status_code == 401
