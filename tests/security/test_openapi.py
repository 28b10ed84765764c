"""Each service's OpenAPI document as a contract: the operation ids are the ones below (a renamed route
function changes its id, and this list says it did); every error answer shows the one error body; a
route that needs a token says so, and one that takes a token without needing it says that; and the
plumbing answers what the document promises — 405 naming every method of the path, 415 for a body that
is not JSON. No broker or database: the document is made, and these answers given, before either is
reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import TypeAdapter

from services.intake.api import ACCESS as INTAKE
from services.publishing.api import ACCESS as PUBLISHING
from services.routing.api import ACCESS as ROUTING
from services.tracking.api import ACCESS as TRACKING
from shared.errors import ErrorBody, InvalidInput, error_body
from shared.http import Access
from tests.security.conftest import SERVICES
from tests.support.services import JWT_SECRET, bearer

COMMON = {
    "GET /health/live": "get_liveness",
    "GET /health/ready": "get_readiness",
    "GET /health": "get_health",
    "GET /asyncapi.json": "get_asyncapi_document",
}

OPERATION_IDS: dict[str, dict[str, str]] = {
    "intake": {
        "GET /api/v1/mailboxes": "list_mailboxes",
        "POST /api/v1/mailbox-messages": "submit_mailbox_message",
        "POST /api/v1/consultations/{consultation_id}/comments": "submit_comment",
        "POST /api/v1/interviews/{interview_id}/questions": "submit_question",
        "POST /api/v1/disclosure-requests": "submit_disclosure_request",
        "GET /api/v1/cases/{tracking_code}": "get_case_status",
        "POST /api/v1/cases/{tracking_code}/supplement": "send_supplement",
        "POST /api/v1/cases/{tracking_code}/rating": "rate_reply",
        "GET /api/v1/cases/{tracking_code}/notices": "list_notices",
        "GET /api/v1/cases/{tracking_code}/notices/{notice_id}.html": "read_notice",
        "GET /api/v1/cases/{tracking_code}/notices/{notice_id}.pdf": "download_notice",
        "GET /api/v1/erasures": "list_erasures",
        "POST /api/v1/erasures": "erase_case",
        **COMMON,
    },
    "routing": {
        "GET /api/v1/departments": "list_departments",
        "POST /api/v1/departments": "add_department",
        "PUT /api/v1/departments/{department_id}": "change_department",
        "GET /api/v1/tasks": "list_tasks",
        "GET /api/v1/cases/{case_id}": "get_case",
        "POST /api/v1/cases/{case_id}/reply": "reply_to_case",
        "POST /api/v1/cases/{case_id}/accept": "accept_case",
        "POST /api/v1/cases/{case_id}/return": "return_case",
        "POST /api/v1/cases/{case_id}/request-supplement": "request_supplement",
        "POST /api/v1/cases/{case_id}/consult-third-party": "consult_third_party",
        "POST /api/v1/cases/{case_id}/third-party-replied": "record_third_party_reply",
        "GET /api/v1/cases/{case_id}/notices": "list_notices",
        "GET /api/v1/cases/{case_id}/notices/{notice_id}.html": "get_notice_html",
        "GET /api/v1/cases/{case_id}/notices/{notice_id}.pdf": "get_notice_pdf",
        "POST /api/v1/cases/{case_id}/notices/{notice_id}/deliveries": "record_notice_delivery",
        "GET /api/v1/reopened": "list_reopened",
        "POST /api/v1/cases/{case_id}/reroute": "reroute_case",
        "GET /api/v1/supervised": "list_supervised",
        "POST /api/v1/cases/{case_id}/acknowledge-supervision": "acknowledge_supervision",
        "POST /api/v1/cases/{case_id}/extend": "extend_deadline",
        "POST /api/v1/cases/{case_id}/close": "close_case",
        "POST /api/v1/cases/{case_id}/dispatch": "dispatch_case",
        "POST /api/v1/clusters/{cluster_id}/reply": "reply_to_cluster",
        "GET /api/v1/handlers": "list_handlers",
        "PUT /api/v1/handlers": "put_handler",
        "POST /api/v1/handlers/{handler_id}/password": "set_password",
        "GET /api/v1/rules": "list_rules",
        "POST /api/v1/rules": "add_rule",
        "PUT /api/v1/rules/{rule_id}": "change_rule",
        "GET /api/v1/audit": "list_audit_trail",
        "GET /api/v1/access-log": "list_access_log",
        "GET /api/v1/bounces": "list_bounces",
        **COMMON,
    },
    "tracking": {
        "GET /api/v1/cases/{case_id}/deadlines": "get_case_deadlines",
        "GET /api/v1/calendar": "list_calendar_years",
        "GET /api/v1/calendar/{year}": "get_calendar_year",
        "PUT /api/v1/calendar/{year}": "store_calendar_year",
        "GET /api/v1/stats": "get_supervision_stats",
        "GET /api/v1/supervised": "list_supervised_cases",
        **COMMON,
    },
    "publishing": {
        "GET /api/v1/replies": "list_replies",
        "GET /api/v1/replies/{reply_id}": "get_reply",
        "GET /api/v1/consultations": "list_consultations",
        "POST /api/v1/consultations": "open_consultation",
        "POST /api/v1/consultations/{consultation_id}/close": "close_consultation",
        "POST /api/v1/consultations/{consultation_id}/adoption-report": "compile_adoption_report",
        "GET /api/v1/consultations/{consultation_id}/adoption-report": "get_adoption_report",
        "GET /api/v1/consultations/{consultation_id}/adoption-report.csv": "get_adoption_report_csv",
        "GET /api/v1/reviews": "list_reviews",
        "POST /api/v1/reviews/{review_id}/approve": "approve_review",
        "POST /api/v1/reviews/{review_id}/reject": "reject_review",
        "POST /api/v1/reviews/{review_id}/withdraw": "withdraw_review",
        "GET /api/v1/stats": "get_public_stats",
        "GET /api/v1/reports/disclosure/{year}": "get_disclosure_report",
        "GET /api/v1/reports/disclosure/{year}/excluded": "list_excluded_records",
        "GET /api/v1/reports/disclosure/{year}/table-{table}.csv": "get_disclosure_report_table_csv",
        "POST /api/v1/reports/appeals": "record_appeal",
        "POST /api/v1/reports/appeals/{appeal_id}/decision": "decide_appeal",
        "GET /api/v1/feeds/replies.atom": "get_replies_feed",
        "GET /api/v1/feeds/adoption-reports.atom": "get_adoption_reports_feed",
        "GET /api/v1/proactive-candidates": "list_proactive_candidates",
        "GET /api/v1/interviews": "list_interviews",
        "POST /api/v1/interviews": "schedule_interview",
        "POST /api/v1/interviews/{interview_id}/close": "close_interview",
        "GET /api/v1/interviews/{interview_id}/questions": "list_questions",
        "POST /api/v1/interviews/{interview_id}/questions/{case_id}/moderation": "moderate_question",
        "POST /api/v1/interviews/{interview_id}/questions/{case_id}/answer": "answer_question",
        "POST /api/v1/interviews/{interview_id}/transcript": "submit_transcript",
        "GET /api/v1/interviews/{interview_id}/transcript": "get_transcript",
        **COMMON,
    },
}
"""Every operation of each service's document and its id: changing one breaks its clients' generated
code, so it is changed here too, on purpose."""

ACCESS: dict[str, Access] = {
    "intake": INTAKE,
    "routing": ROUTING,
    "tracking": TRACKING,
    "publishing": PUBLISHING,
}
TOKEN_OPTIONAL = {
    "intake": {
        "POST /api/v1/mailbox-messages",
        "POST /api/v1/consultations/{consultation_id}/comments",
        "POST /api/v1/disclosure-requests",
        "POST /api/v1/interviews/{interview_id}/questions",
    }
}
"""Routes open to everyone that read a token when one comes (registry staff registering a letter)."""

ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}


def app_of(name: str) -> FastAPI:
    create, settings_class = SERVICES[name]
    return create(settings_class(CIVIC_JWT_SECRET=JWT_SECRET))


@pytest.fixture(scope="module", params=list(SERVICES))
def service(request: pytest.FixtureRequest) -> tuple[str, FastAPI]:
    return request.param, app_of(request.param)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_the_operation_ids_are_the_listed_ones(service: tuple[str, FastAPI]) -> None:
    name, app = service
    found = {route: operation["operationId"] for route, operation in operations(app.openapi())}
    assert found == OPERATION_IDS[name]
    assert len(set(found.values())) == len(found), "an operation id is used twice"


def test_every_error_answer_shows_the_error_body(service: tuple[str, FastAPI]) -> None:
    _, app = service
    document = app.openapi()
    assert "HTTPValidationError" not in document["components"]["schemas"], "a 422 not in our shape"
    for route, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400 or not route.startswith(("GET /api/", "POST /api/", "PUT /api/")):
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == ERROR_BODY, f"{route} answers {status} with {schema}"
        if route.split()[1].startswith("/api/"):
            assert "503" in operation["responses"], f"{route}: its database can be unreachable"
            assert "Retry-After" in operation["responses"]["503"]["headers"], route


def test_a_route_that_needs_a_token_says_so_and_the_others_do_not(service: tuple[str, FastAPI]) -> None:
    name, app = service
    for route, operation in operations(app.openapi()):
        if route not in ACCESS[name]:
            continue
        security = operation.get("security")
        if ACCESS[name][route] is not None:
            assert security == [{"HTTPBearer": []}], route
            assert {"401", "403"} <= set(operation["responses"]), route
        elif route in TOKEN_OPTIONAL.get(name, set()):
            assert security == [{"HTTPBearer": []}, {}], route
            assert "401" in operation["responses"], route
        else:
            assert security is None, route


def test_the_error_body_is_what_every_error_sends() -> None:
    problem = InvalidInput("closes_on", "a consultation closes after it opens")
    bodies = [
        error_body(problem.code, problem.message, problem.details),
        error_body(
            "validation_error", "invalid input: body", [{"field": "body", "message": "m", "type": "missing"}]
        ),
        error_body("service_unavailable", "try again", {"retry_after_seconds": 5}),
        error_body("not_found", "no case"),
    ]
    for body in bodies:
        assert TypeAdapter(ErrorBody).validate_python(body).model_dump(exclude_unset=True) == body


async def test_a_method_the_path_does_not_take_is_405_naming_every_method_it_does() -> None:
    app = app_of("routing")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://testserver") as client:
        response = await client.delete("/api/v1/rules")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_that_is_not_json_is_415(content_type: str | None) -> None:
    app = app_of("routing")
    headers = bearer(*ACCESS["routing"]["POST /api/v1/rules"] or ())
    if content_type:
        headers["Content-Type"] = content_type
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://testserver") as client:
        response = await client.post("/api/v1/rules", content=b'{"id": "x"}', headers=headers)
    assert response.status_code == 415, response.text
    assert response.json()["error"]["code"] == "unsupported_media_type"
