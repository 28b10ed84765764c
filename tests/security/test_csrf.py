"""Every form of the workbench that changes something carries its CSRF token (double submit: a hidden
field equal to an HttpOnly, SameSite=Strict cookie). Posted by a signed-in handler without it, with
another value, or with the field but not the cookie, each form is refused (403) and nothing changes;
with the token the page gave, the same form goes through."""

from __future__ import annotations

import re

import pytest

from services.routing.pages import ACTIONS
from shared.auth import SESSION_COOKIE, mint_token
from shared.codes import Role
from shared.staff_pages import CSRF_COOKIE, CSRF_FIELD
from tests.security.conftest import RoutingCase
from tests.support.services import JWT_SECRET, bearer
from tests.support.staff import hidden_csrf, sign_in_with_token

pytestmark = pytest.mark.kafka

FORMS = {
    "accept": {},
    "return": {"reason": "不属于本部门职责，请改派。"},
    "request-supplement": {"items": "身份证明", "working_days": "15"},
    "consult-third-party": {"party": "某建设公司"},
    "third-party-replied": {"note": "第三方同意公开。"},
    "extend": {"working_days": "10", "reason": "情况复杂，需要会商。"},
    "reply": {"text": "您好，车位可以出租。", "outcome": "", "adoption": "", "reason": ""},
    "close": {},
}
"""A valid body for every form: only the token is wrong in what is refused."""

A_TOKEN = "x" * 43


def test_the_forms_tested_are_every_form_the_workbench_has() -> None:
    assert set(FORMS) == set(ACTIONS)


hidden_token = hidden_csrf


async def test_every_workbench_form_needs_its_csrf_token(routing_case: RoutingCase) -> None:
    client, case_id = routing_case.client, routing_case.case_id
    handler = bearer(Role.HANDLER, department="engineering", sub="li-si")
    before = (await client.get(f"/api/v1/cases/{case_id}", headers=handler)).json()
    token = mint_token(JWT_SECRET, sub="li-si", name="李四", roles=[Role.HANDLER], department="engineering")
    session = await sign_in_with_token(client, token)

    def sign_in(csrf_cookie: str | None) -> None:
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, session, path="/workbench")
        if csrf_cookie is not None:
            client.cookies.set(CSRF_COOKIE, csrf_cookie, path="/workbench")

    attempts = {
        "no token": (None, {}),
        "cookie, no field": (A_TOKEN, {}),
        "field, no cookie": (None, {CSRF_FIELD: A_TOKEN}),
        "field differs from cookie": (A_TOKEN, {CSRF_FIELD: "y" * 43}),
        "empty field and cookie": ("", {CSRF_FIELD: ""}),
    }
    urls = {f"/workbench/cases/{case_id}/{action}": body for action, body in FORMS.items()}
    urls |= {
        "/workbench/login": {"login": "li-si", "password": "a-password-of-li-si"},
        "/workbench/login/token": {"token": token},
        "/workbench/logout": {},
        "/workbench/password": {
            "current_password": "a-password-of-li-si",
            "new_password": "another-password-1",
            "confirm_password": "another-password-1",
        },
    }
    for url, body in urls.items():
        for name, (cookie, field) in attempts.items():
            sign_in(cookie)
            response = await client.post(url, data={**body, **field})
            assert response.status_code == 403, f"{url} with {name}: {response.status_code}"
            assert "表单已过期" in response.text, f"{url} with {name}"
            assert SESSION_COOKIE not in response.headers.get("set-cookie", ""), "the session stays as it was"

    after = (await client.get(f"/api/v1/cases/{case_id}", headers=handler)).json()
    assert after == before, "no refused form changed the case"

    sign_in(None)
    page = await client.get(f"/workbench/cases/{case_id}")
    cookie = page.cookies[CSRF_COOKIE]
    assert hidden_token(page.text) == cookie
    assert re.search(
        rf"{CSRF_COOKIE}=[^;]+; HttpOnly; Path=/workbench; SameSite=strict", page.headers["set-cookie"]
    )
    accepted = await client.post(
        f"/workbench/cases/{case_id}/accept", data={CSRF_FIELD: hidden_token(page.text)}
    )
    assert accepted.status_code == 303, "the form with the page's token goes through"
    done = (await client.get(f"/api/v1/cases/{case_id}", headers=handler)).json()
    assert done["task"]["state"] == "accepted"
