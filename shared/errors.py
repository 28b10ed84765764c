"""The exception tree every service raises from its handlers; HTTP and Kafka edges translate it.

CivicError
├── NotFound            404  an unknown case, consultation, tracking code ...
├── Unauthorized        401  no token, or a token that does not verify
├── Forbidden           403  a token that may not act on this case
├── Conflict            409  not allowed in the current state
├── InvalidInput        422  a value the schema accepts but the rules do not (names the field)
├── PayloadTooLarge     413
└── RateLimited         429
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CivicError",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
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
    """The contract's error shape: ``{"error": {"code", "message", "details"}}``."""
    return {"error": {"code": code, "message": message, "details": details}}
