"""Every route × every role (and no token) against the matrix below, built from each service's route
table: a route the matrix does not name fails the test, so a new route must say who may call it.

A caller the matrix refuses gets 401 or 403 (a workbench page sends the signed-out back to its sign-in
page); a caller it admits is never refused for who they are — the request goes on to be checked for
what it asks (404 for an unknown case, 422 for an empty body). API calls carry a bearer token; the
workbench's pages read its sign-in cookie, and its forms carry their CSRF token, so what is tested
here is the role and nothing else.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from shared.auth import SESSION_COOKIE, mint_token
from shared.codes import Role
from tests.security.conftest import Running
from tests.support.services import JWT_SECRET
from tests.support.staff import session_cookie, sign_in_with_token

pytestmark = pytest.mark.kafka

EVERYONE = frozenset({None, *Role})
"""No token, or a token with any one role."""

SIGNED_IN = frozenset(Role)
"""Anyone signed in, whatever their role (their own password)."""
HANDLING = frozenset({Role.HANDLER, Role.DEPARTMENT_HEAD})
ADMIN = frozenset({Role.ADMIN})
REVIEWER = frozenset({Role.REVIEWER})
REGISTRY = frozenset({Role.STAFF})
OFFICE = frozenset({Role.ADMIN, Role.DISCLOSURE_HEAD})
SUPERVISING = frozenset({Role.ADMIN, Role.DISCLOSURE_HEAD, Role.DEPARTMENT_HEAD})
HEAD = frozenset({Role.DEPARTMENT_HEAD})
MODERATING = frozenset({Role.MODERATOR, Role.ADMIN})

DOCS = {
    "GET /openapi.json": EVERYONE,
    "GET /docs": EVERYONE,
    "GET /docs/oauth2-redirect": EVERYONE,
    "GET /redoc": EVERYONE,
    "GET /health": EVERYONE,
    "GET /health/live": EVERYONE,
    "GET /health/ready": EVERYONE,
    "GET /asyncapi.json": EVERYONE,
    "GET /metrics": EVERYONE,  # on the service's own port for Prometheus; the front door never forwards it
}

MATRIX: dict[str, dict[str, frozenset[Role | None]]] = {
    "intake": {
        **DOCS,
        "GET /api/v1/mailboxes": EVERYONE,
        "POST /api/v1/mailbox-messages": EVERYONE,
        "POST /api/v1/consultations/{consultation_id}/comments": EVERYONE,
        "POST /api/v1/disclosure-requests": EVERYONE,
        "POST /api/v1/interviews/{interview_id}/questions": EVERYONE,
        "GET /api/v1/cases/{tracking_code}": EVERYONE,
        "POST /api/v1/cases/{tracking_code}/supplement": EVERYONE,
        "POST /api/v1/cases/{tracking_code}/rating": EVERYONE,
        "POST /api/v1/erasures": ADMIN,
        "GET /api/v1/erasures": ADMIN,
        "GET /static/base.css": EVERYONE,
        "GET /static/forms.css": EVERYONE,
        "GET /static/portal.css": EVERYONE,
        "GET /workbench/static/base.css": EVERYONE,
        "GET /workbench/static/forms.css": EVERYONE,
        "GET /workbench/static/workbench.css": EVERYONE,
        "GET /workbench/registry": REGISTRY,
        "GET /workbench/registry/disclosure": REGISTRY,
        "POST /workbench/registry/disclosure": REGISTRY,
        "GET /workbench/registry/mailbox": REGISTRY,
        "POST /workbench/registry/mailbox": REGISTRY,
        "GET /workbench/erasures": ADMIN,
        "POST /workbench/erasures": ADMIN,
        "GET /": EVERYONE,
        "GET /mailbox": EVERYONE,
        "POST /mailbox": EVERYONE,
        "GET /consultations/{consultation_id}/comment": EVERYONE,
        "POST /consultations/{consultation_id}/comment": EVERYONE,
        "GET /interviews/{interview_id}/question": EVERYONE,
        "POST /interviews/{interview_id}/question": EVERYONE,
        "GET /disclosure": EVERYONE,
        "POST /disclosure": EVERYONE,
        "GET /track": EVERYONE,
        # the applicant's notices (告知书), follow-ups and the recovery of a lost code: the code is the key
        "GET /api/v1/cases/{tracking_code}/notices": EVERYONE,
        "GET /api/v1/cases/{tracking_code}/notices/{notice_id}.html": EVERYONE,
        "GET /api/v1/cases/{tracking_code}/notices/{notice_id}.pdf": EVERYONE,
        "GET /track/notices/{notice_id}.pdf": EVERYONE,
        "POST /track/supplement": EVERYONE,
        "POST /track/rating": EVERYONE,
        "GET /track/recover": EVERYONE,
        "POST /track/recover": EVERYONE,
        "POST /track/recover/code": EVERYONE,
    },
    "routing": {
        **DOCS,
        "GET /api/v1/departments": EVERYONE,
        "GET /api/v1/tasks": HANDLING,
        "GET /api/v1/cases/{case_id}": HANDLING,
        "POST /api/v1/cases/{case_id}/reply": HANDLING,
        "POST /api/v1/cases/{case_id}/accept": HANDLING,
        "POST /api/v1/cases/{case_id}/return": HANDLING,
        "POST /api/v1/cases/{case_id}/request-supplement": HANDLING,
        "POST /api/v1/cases/{case_id}/consult-third-party": HANDLING,
        "POST /api/v1/cases/{case_id}/third-party-replied": HANDLING,
        "POST /api/v1/cases/{case_id}/extend": HANDLING | {Role.DISCLOSURE_HEAD},
        "POST /api/v1/cases/{case_id}/close": HANDLING,
        "POST /api/v1/clusters/{cluster_id}/reply": HANDLING,
        "POST /api/v1/departments": ADMIN,
        "PUT /api/v1/departments/{department_id}": ADMIN,
        "GET /api/v1/handlers": ADMIN,
        "PUT /api/v1/handlers": ADMIN,
        "POST /api/v1/handlers/{handler_id}/password": ADMIN,
        "GET /api/v1/rules": ADMIN,
        "POST /api/v1/rules": ADMIN,
        "PUT /api/v1/rules/{rule_id}": ADMIN,
        "GET /api/v1/audit": ADMIN,
        "GET /api/v1/access-log": ADMIN,
        "POST /api/v1/cases/{case_id}/dispatch": ADMIN,
        "GET /api/v1/reopened": ADMIN,
        "POST /api/v1/cases/{case_id}/reroute": ADMIN,
        "GET /api/v1/supervised": HEAD,
        "POST /api/v1/cases/{case_id}/acknowledge-supervision": HEAD,
        "GET /api/v1/bounces": ADMIN,
        "GET /workbench/static/base.css": EVERYONE,
        "GET /workbench/static/forms.css": EVERYONE,
        "GET /workbench/static/workbench.css": EVERYONE,
        "GET /workbench/login": EVERYONE,
        "POST /workbench/login": EVERYONE,
        "POST /workbench/login/token": EVERYONE,
        "GET /workbench/login/oidc": EVERYONE,
        "GET /workbench/login/oidc/callback": EVERYONE,
        "POST /workbench/logout": EVERYONE,
        "GET /workbench/password": SIGNED_IN,
        "POST /workbench/password": SIGNED_IN,
        "GET /workbench/admin": ADMIN,
        "GET /workbench/admin/departments": ADMIN,
        "POST /workbench/admin/departments": ADMIN,
        "GET /workbench/admin/staff": ADMIN,
        "POST /workbench/admin/staff": ADMIN,
        "POST /workbench/admin/staff/{staff_id}/active": ADMIN,
        "POST /workbench/admin/staff/{staff_id}/password": ADMIN,
        "GET /workbench/admin/rules": ADMIN,
        "POST /workbench/admin/rules": ADMIN,
        "GET /workbench/admin/triage": ADMIN,
        "POST /workbench/admin/triage/{case_id}": ADMIN,
        "GET /workbench/admin/reopened": ADMIN,
        "POST /workbench/admin/reopened/{case_id}": ADMIN,
        "GET /workbench/supervised": HEAD,
        "POST /workbench/supervised/{case_id}": HEAD,
        "GET /workbench/admin/audit": ADMIN,
        "GET /workbench/admin/access-log": ADMIN,
        "GET /workbench/dead-letters": ADMIN,
        "GET /workbench/dead-letters/{topic}/{partition}/{offset}": ADMIN,
        "POST /workbench/dead-letters/{topic}/replay": ADMIN,
        "GET /workbench": HANDLING,
        "GET /workbench/cases/{case_id}": HANDLING,
        "GET /api/v1/cases/{case_id}/notices": HANDLING,
        "GET /api/v1/cases/{case_id}/notices/{notice_id}.html": HANDLING,
        "GET /api/v1/cases/{case_id}/notices/{notice_id}.pdf": HANDLING,
        "POST /api/v1/cases/{case_id}/notices/{notice_id}/deliveries": HANDLING,
        "GET /workbench/cases/{case_id}/notices/{notice_id}.html": HANDLING,
        "GET /workbench/cases/{case_id}/notices/{notice_id}.pdf": HANDLING,
        "POST /workbench/cases/{case_id}/notices/{notice_id}/deliveries": HANDLING,
        "GET /workbench/clusters/{cluster_id}": HANDLING,
        "POST /workbench/clusters/{cluster_id}": HANDLING,
        "POST /workbench/cases/{case_id}/{action}": HANDLING,
    },
    "tracking": {
        **DOCS,
        "GET /api/v1/cases/{case_id}/deadlines": HANDLING | OFFICE,
        "GET /api/v1/calendar": EVERYONE,
        "GET /api/v1/calendar/{year}": EVERYONE,
        "PUT /api/v1/calendar/{year}": ADMIN,
        "GET /api/v1/stats": SUPERVISING,
        "GET /api/v1/supervised": SUPERVISING,
        "GET /workbench/static/base.css": EVERYONE,
        "GET /workbench/static/forms.css": EVERYONE,
        "GET /workbench/static/workbench.css": EVERYONE,
        "GET /workbench/supervision": SUPERVISING,
        "GET /workbench/supervision/cases": SUPERVISING,
        "GET /workbench/deadlines/{case_id}": HANDLING | OFFICE,
        "GET /workbench/calendar": ADMIN,
        "GET /workbench/calendar/{year}": ADMIN,
        "POST /workbench/calendar/{year}": ADMIN,
    },
    "publishing": {
        **DOCS,
        "GET /api/v1/replies": EVERYONE,
        "GET /api/v1/replies/{reply_id}": EVERYONE,
        "GET /api/v1/consultations": EVERYONE,
        "GET /api/v1/interviews": EVERYONE,
        "POST /api/v1/interviews": ADMIN,
        "POST /api/v1/interviews/{interview_id}/close": MODERATING,
        "GET /api/v1/interviews/{interview_id}/questions": MODERATING,
        "POST /api/v1/interviews/{interview_id}/questions/{case_id}/moderation": MODERATING,
        "POST /api/v1/interviews/{interview_id}/questions/{case_id}/answer": MODERATING,
        "POST /api/v1/interviews/{interview_id}/transcript": MODERATING,
        "GET /api/v1/interviews/{interview_id}/transcript": EVERYONE,
        "POST /api/v1/consultations": ADMIN,
        "POST /api/v1/consultations/{consultation_id}/close": ADMIN,
        "POST /api/v1/consultations/{consultation_id}/adoption-report": ADMIN,
        "GET /api/v1/consultations/{consultation_id}/adoption-report": EVERYONE,
        "GET /api/v1/consultations/{consultation_id}/adoption-report.csv": EVERYONE,
        "GET /api/v1/reviews": REVIEWER | ADMIN,
        "POST /api/v1/reviews/{review_id}/approve": REVIEWER,
        "POST /api/v1/reviews/{review_id}/reject": REVIEWER,
        "POST /api/v1/reviews/{review_id}/withdraw": REVIEWER | ADMIN,
        "GET /api/v1/stats": EVERYONE,
        "GET /api/v1/reports/disclosure/{year}": EVERYONE,
        "GET /api/v1/reports/disclosure/{year}/excluded": OFFICE,
        "GET /api/v1/reports/disclosure/{year}/table-{table}.csv": EVERYONE,
        "POST /api/v1/reports/appeals": OFFICE,
        "POST /api/v1/reports/appeals/{appeal_id}/decision": OFFICE,
        "GET /api/v1/feeds/replies.atom": EVERYONE,
        "GET /api/v1/feeds/adoption-reports.atom": EVERYONE,
        "GET /api/v1/proactive-candidates": OFFICE,
        "GET /": EVERYONE,
        "GET /open/static/base.css": EVERYONE,
        "GET /open/static/public.css": EVERYONE,
        "GET /open/": EVERYONE,
        "GET /open/replies": EVERYONE,
        "GET /open/replies/{reply_id}": EVERYONE,
        "GET /open/consultations": EVERYONE,
        "GET /open/interviews": EVERYONE,
        "GET /open/interviews/{interview_id}": EVERYONE,
        "GET /open/consultations/{consultation_id}/adoption-report": EVERYONE,
        "GET /open/consultations/{consultation_id}/adoption-report.csv": EVERYONE,
        "GET /open/stats": EVERYONE,
        "GET /open/reports/disclosure/{year}": EVERYONE,
        "GET /open/reports/disclosure/{year}/table-{table}.csv": EVERYONE,
        "GET /open/feeds/replies.atom": EVERYONE,
        "GET /open/feeds/adoption-reports.atom": EVERYONE,
        "GET /workbench/static/base.css": EVERYONE,
        "GET /workbench/static/forms.css": EVERYONE,
        "GET /workbench/static/workbench.css": EVERYONE,
        "GET /workbench/reviews": REVIEWER | ADMIN,
        "GET /workbench/reviews/{review_id}": REVIEWER | ADMIN,
        "POST /workbench/reviews/{review_id}/{decision}": REVIEWER | ADMIN,
        "GET /workbench/consultations": ADMIN,
        "POST /workbench/consultations": ADMIN,
        "POST /workbench/consultations/{consultation_id}/{step}": ADMIN,
        "GET /workbench/interviews": MODERATING,
        "POST /workbench/interviews": ADMIN,
        "GET /workbench/interviews/{interview_id}": MODERATING,
        "POST /workbench/interviews/{interview_id}/{step}": MODERATING,
        "POST /workbench/interviews/{interview_id}/questions/{case_id}/{step}": MODERATING,
        "GET /workbench/appeals": OFFICE,
        "POST /workbench/appeals": OFFICE,
        "GET /workbench/appeals/{appeal_id}/decision": OFFICE,
        "POST /workbench/appeals/{appeal_id}/decision": OFFICE,
        "GET /workbench/reports": OFFICE,
    },
}

PATH_VALUES = {
    "case_id": str(uuid.uuid4()),
    "review_id": str(uuid.uuid4()),
    "appeal_id": str(uuid.uuid4()),
    "reply_id": str(uuid.uuid4()),
    "consultation_id": str(uuid.uuid4()),
    "interview_id": str(uuid.uuid4()),
    "notice_id": str(uuid.uuid4()),
    "rule_id": str(uuid.uuid4()),
    "cluster_id": str(uuid.uuid4()),
    "department_id": "engineering",
    "handler_id": "matrix",
    "decision": "approve",
    "staff_id": "matrix",
    "step": "close",
    "topic": "case-events",
    "partition": "0",
    "offset": "999999",
    "tracking_code": "ZZZZ-ZZZZ-ZZZZ",
    "year": "2026",
    "table": "3",
    "action": "accept",
}
"""Real-looking values for the path parameters: nothing exists behind the ids."""

CSRF = "matrix-csrf-token-0123456789abcdef"
SIGN_IN = "/workbench/login"


def route_table(running: Running) -> set[str]:
    """``"METHOD /path"`` for every route the app serves (HEAD, served with GET, left out)."""
    return {
        f"{method} {context.path}"
        for context in iter_route_contexts(running.app.routes)
        for method in context.methods or ()
        if method != "HEAD"
    }


def caller_name(role: Role | None) -> str:
    return role.value if role else "no token"


async def call(service: Running, route: str, role: Role | None) -> httpx.Response:
    client = service.client
    method, template = route.split(" ", 1)
    url = re.sub(r"\{(\w+)\}", lambda match: PATH_VALUES[match.group(1)], template)
    token = (
        mint_token(JWT_SECRET, sub="matrix", name="矩阵", roles=[role], department="engineering")
        if role
        else None
    )
    if url.startswith("/workbench"):
        session = await _session(service, role, token) if token else None
        client.cookies.clear()
        client.cookies.set("civic_csrf", CSRF, path="/workbench")
        if session is not None:
            client.cookies.set(SESSION_COOKIE, session, path="/workbench")
        form = {"csrf_token": CSRF} if method == "POST" else None
        response = await client.request(method, url, data=form)
        client.cookies.clear()
        return response
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body: dict[str, object] | None = {} if method in ("POST", "PUT") else None
    return await client.request(method, url, json=body, headers=headers)


_sessions: dict[tuple[int, Role], str] = {}


async def _session(service: Running, role: Role | None, token: str) -> str:
    """A signed-in session of that role: issued by routing's sign-in (which checks what it issued), as
    routing would issue it for the other services' staff pages."""
    assert role is not None
    if service.name == "routing":  # a new one each time: signing out ends the one before
        service.client.cookies.clear()
        return await sign_in_with_token(service.client, token)
    key = (id(service.app), role)
    if key not in _sessions:
        _sessions[key] = session_cookie(role, department="engineering", sub="matrix", name="矩阵")
    return _sessions[key]


def refused(response: httpx.Response) -> bool:
    """401 or 403; for a page, also a redirect to the sign-in, or (asked for a page) to another page —
    a reviewer sent from the inbox to the review queue."""
    if response.status_code in (401, 403):
        return True
    if response.status_code != 303:
        return False
    to = urlsplit(response.headers["location"]).path
    return to == SIGN_IN or (response.request.method == "GET" and to != response.request.url.path)


async def test_every_route_answers_every_caller_as_the_matrix_says(service: Running) -> None:
    expected = MATRIX[service.name]
    served = route_table(service)
    assert served - expected.keys() == set(), f"{service.name} routes the matrix does not name"
    assert expected.keys() - served == set(), f"{service.name} routes the matrix names but no longer served"

    wrong: list[str] = []
    for route in sorted(served):
        for role in [None, *Role]:
            response = await call(service, route, role)
            allowed = role in expected[route]
            public = expected[route] == EVERYONE
            # A public route answering with a redirect (sign-out goes to the sign-in page) is its answer.
            was_refused = response.status_code in (401, 403) if public else refused(response)
            if allowed == was_refused or response.status_code >= 500:
                verdict = "admitted" if allowed else "refused"
                wrong.append(f"{route} as {caller_name(role)}: {response.status_code}, should be {verdict}")
    assert wrong == [], "\n".join(wrong)


async def test_no_token_gets_401_not_403_on_the_api(service: Running) -> None:
    """A caller without a token is told to sign in (401 with WWW-Authenticate), not that it may not."""
    for route, callers in sorted(MATRIX[service.name].items()):
        if None in callers or " /api/" not in route:
            continue
        response = await call(service, route, None)
        assert response.status_code == 401, f"{route}: {response.status_code}"
        assert response.json()["error"]["code"] == "unauthorized"


async def test_every_staff_form_needs_its_csrf_token(service: Running) -> None:
    """Every form a staff page posts, by someone the matrix admits, without the CSRF token its page gave
    (double submit): refused, 403, with the page that says the form expired — nothing is done."""
    wrong: list[str] = []
    for route, callers in sorted(MATRIX[service.name].items()):
        method, template = route.split(" ", 1)
        if method != "POST" or not template.startswith("/workbench"):
            continue
        role = next((caller for caller in sorted(callers, key=str) if caller is not None), None)
        url = re.sub(r"\{(\w+)\}", lambda match: PATH_VALUES[match.group(1)], template)
        client = service.client
        session = (
            await _session(
                service,
                role,
                mint_token(JWT_SECRET, sub="matrix", name="矩阵", roles=[role], department="engineering"),
            )
            if role
            else None
        )
        client.cookies.clear()
        client.cookies.set("civic_csrf", CSRF, path="/workbench")
        if session is not None:
            client.cookies.set(SESSION_COOKIE, session, path="/workbench")
        response = await client.post(url, data={"csrf_token": "not-" + CSRF})
        client.cookies.clear()
        if response.status_code != 403 or "表单已过期" not in response.text:
            wrong.append(f"{route} as {caller_name(role)}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
