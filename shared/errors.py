"""The exception tree every service raises from its handlers; HTTP and Kafka edges translate it.

CivicError
├── NotFound            404  an unknown case, consultation, tracking code ...
├── Unauthorized        401  no token, or a token that does not verify
├── Forbidden           403  a token that may not act on this case
├── Conflict            409  not allowed in the current state
├── InvalidInput        422  a value the schema accepts but the rules do not (names the field)
├── PayloadTooLarge     413
└── RateLimited         429

Every error answer has one body, ``{"error": {"code", "message", "details"}}``: `error_body` builds it,
`ErrorBody` is its contract (the OpenAPI documents show it for every error status).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "CivicError",
    "Conflict",
    "ErrorBody",
    "FieldProblem",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "Problem",
    "RateLimited",
    "RetryLater",
    "Unauthorized",
    "error_body",
]


class CivicError(Exception):
    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(CivicError):
    status_code = 404
    code = "not_found"


class Unauthorized(CivicError):
    status_code = 401
    code = "unauthorized"


class Forbidden(CivicError):
    status_code = 403
    code = "forbidden"


class Conflict(CivicError):
    status_code = 409
    code = "conflict"


class InvalidInput(CivicError):
    status_code = 422
    code = "validation_error"

    def __init__(self, field: str, message: str, *more: tuple[str, str]) -> None:
        problems = [(field, message), *more]
        super().__init__(
            "; ".join(f"{f}: {m}" for f, m in problems),
            details=[{"field": f, "message": m} for f, m in problems],
        )


class PayloadTooLarge(CivicError):
    status_code = 413
    code = "payload_too_large"


class RateLimited(CivicError):
    status_code = 429
    code = "rate_limited"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The contract's error shape (`ErrorBody`): ``{"error": {"code", "message", "details"}}``."""
    return {"error": {"code": code, "message": message, "details": details}}


class FieldProblem(BaseModel):
    """What is wrong with one field of the request."""

    field: str = Field(
        description="Where: `contact.phone`, `query.from`, or `(body)` for the body as a whole."
    )
    message: str
    type: str | None = Field(
        default=None,
        description="The kind of schema error (`missing`, `string_too_long`, …); absent "
        "when a rule of the office, not the schema, refused the value.",
    )


class RetryLater(BaseModel):
    retry_after_seconds: int = Field(description="The same as the `Retry-After` header.")


class Problem(BaseModel):
    code: str = Field(
        description="Stable, for programs: `validation_error`, `unauthorized`, `forbidden`, `not_found`, "
        "`conflict`, `payload_too_large`, `unsupported_media_type`, `rate_limited`, "
        "`service_unavailable`, …",
        examples=["validation_error"],
    )
    message: str = Field(description="For people; may change between releases.")
    details: list[FieldProblem] | RetryLater | None = Field(
        description="Each field's problem (422), when to try again (503), or null."
    )


class ErrorBody(BaseModel):
    """The body of every error answer (4xx and 5xx) of every service's API."""

    error: Problem
