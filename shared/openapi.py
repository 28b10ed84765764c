"""What each service's OpenAPI document says beyond its routes' types: the error answers and the
operation ids.

- A route states the statuses its guard and its use case can answer in one line,
  ``responses=errors(401, 403, 404, conflict="already decided")``: each with the one error body
  (`shared.errors.ErrorBody`), a description, and the headers that go with it (``WWW-Authenticate`` on
  401, ``Retry-After`` on 429 and 503). A keyword named as the body's ``code`` adds that status with a
  description of its own.
- What the plumbing answers on every API route (`/api/…`) is added when the document is made
  (`document_plumbing`), so that no route repeats it: 422 for a route with parameters or a body; 400,
  413 and 415 for a body; 503 for every one (the database or the broker unreachable).
- The operation id of a route is its function's name (`operation_id`), verb first
  (``submit_mailbox_message``): readable, unique within a service (a duplicate fails
  ``tests/security/test_openapi.py``), and kept in that test's list, so renaming one is a decision.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, Field

from shared.errors import ErrorBody

__all__ = ["RETRY_AFTER_HEADER", "Health", "Responses", "document_plumbing", "errors", "operation_id"]

Responses = dict[int | str, dict[str, Any]]

RETRY_AFTER_HEADER = {
    "Retry-After": {"description": "Seconds to wait before sending it again.", "schema": {"type": "integer"}}
}

_STATUSES: dict[int, tuple[str, str, dict[str, Any]]] = {
    400: ("bad_request", "The body could not be read (not UTF-8 text).", {}),
    401: (
        "unauthorized",
        "No bearer token, or one that does not verify (expired, wrong signature).",
        {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    ),
    403: (
        "forbidden",
        "The token has none of the roles this route needs, or may not act on this record.",
        {},
    ),
    404: ("not_found", "No such record.", {}),
    409: ("conflict", "Not allowed in the record's current state.", {}),
    413: ("payload_too_large", "The body is over the service's limit.", {}),
    415: ("unsupported_media_type", "The body is not JSON (`Content-Type: application/json`).", {}),
    422: (
        "validation_error",
        "A value the schema or the office's rules refuse; `details` names each field.",
        {},
    ),
    429: (
        "rate_limited",
        "Too many requests from this client: send it again after `Retry-After` seconds.",
        RETRY_AFTER_HEADER,
    ),
    503: (
        "service_unavailable",
        "The database or the broker cannot be reached: nothing was received or changed; send it again "
        "after `Retry-After` seconds.",
        RETRY_AFTER_HEADER,
    ),
}
_BY_CODE = {code: status for status, (code, _, _) in _STATUSES.items()}


def errors(*statuses: int, **described: str) -> Responses:
    """``responses=`` for a route that can answer these statuses; a keyword named as an error ``code``
    (``conflict="already decided"``) adds its status with that description."""
    unknown = sorted(set(described) - set(_BY_CODE))
    if unknown:
        raise ValueError(f"no error code {', '.join(unknown)}: one of {', '.join(_BY_CODE)}")
    wanted = {status: _STATUSES[status][1] for status in statuses} | {
        _BY_CODE[code]: why for code, why in described.items()
    }
    return {status: _response(status, why) for status, why in sorted(wanted.items())}


def _response(status: int, description: str) -> dict[str, Any]:
    response: dict[str, Any] = {"model": ErrorBody, "description": description}
    if _STATUSES[status][2]:
        response["headers"] = _STATUSES[status][2]
    return response


def document_plumbing(app: FastAPI) -> None:
    """Make the app's OpenAPI document with what the plumbing answers on each API route (`/api/…`) that
    does not state it itself: reading and validating the request, and an unreachable database or
    broker (`shared.http`). The routes are complete when the document is first asked for."""
    make_document: Callable[[], dict[str, Any]] = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_plumbing(app, make_document())
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]  # FastAPI's documented way to change it


def _with_plumbing(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    for route in iter_route_contexts(app.routes):
        if _is_api_operation(route):
            for method in route.methods or ():
                responses = document["paths"][route.path_format][method.lower()]["responses"]
                for status in _plumbing_statuses(route):
                    if str(status) not in responses or responses[str(status)] == _FASTAPI_422:
                        responses[str(status)] = _documented(status)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    error_body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, schema in {**error_body.pop("$defs", {}), "ErrorBody": error_body}.items():
        schemas.setdefault(name, schema)
    if _FASTAPI_422_REF not in json.dumps(document["paths"]):  # FastAPI's shape, answered by none
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return document


_FASTAPI_422_REF = "#/components/schemas/HTTPValidationError"
_FASTAPI_422 = {
    "description": "Validation Error",
    "content": {"application/json": {"schema": {"$ref": _FASTAPI_422_REF}}},
}
"""What FastAPI documents for a route with parameters that does not state its 422: our handler
answers `ErrorBody` instead (`shared.http`)."""


def _is_api_operation(route: RouteContext) -> bool:
    return (
        isinstance(route.original_route, APIRoute)
        and bool(route.include_in_schema)
        and str(route.path).startswith("/api/")
    )


def _plumbing_statuses(route: RouteContext) -> tuple[int, ...]:
    if route.body_field is not None:
        return 400, 413, 415, 422, 503
    if get_flat_params(route.dependant):
        return 422, 503
    return (503,)


def _documented(status: int) -> dict[str, Any]:
    _, description, headers = _STATUSES[status]
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    if headers:
        response["headers"] = headers
    return response


def operation_id(route: APIRoute) -> str:
    """A route's operation id: its function's name (FastAPI's ``generate_unique_id_function``)."""
    return route.name


class Health(BaseModel):
    """What a probe reads: never an address or an exception's text."""

    status: str = Field(
        description="`ok`; or, with what fails, `degraded` (still serving) or `unavailable`.", examples=["ok"]
    )
    service: str
    failing: list[str] | None = Field(
        default=None, description="The parts that fail (`database`, `broker`), when not `ok`."
    )
