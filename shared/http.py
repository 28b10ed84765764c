"""HTTP plumbing every service's FastAPI app uses: errors in the contract's shape, a body-size limit,
``/health``, the AsyncAPI document, and the bearer-token dependency.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import Principal, require_roles, verify_token
from shared.codes import Role
from shared.contracts import ServiceContract, asyncapi_document
from shared.errors import CivicError, Forbidden, Unauthorized, error_body
from shared.failures import INFRASTRUCTURE_CANDIDATES, describe_failure, is_infrastructure, safe_traceback
from shared.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from shared.metrics import HttpMetrics
from shared.openapi import RETRY_AFTER_HEADER, Health, Responses, document_plumbing, operation_id
from shared.runtime import ServiceRuntime
from shared.telemetry import instrument_http

__all__ = [
    "BASE_STYLESHEET",
    "FORMS_STYLESHEET",
    "TOKEN_REQUIRED",
    "Access",
    "BodySizeLimit",
    "PrincipalDep",
    "RuntimeDep",
    "build_app",
    "guarded_by",
    "install_common",
    "stylesheet",
    "unavailable",
]

BASE_STYLESHEET = Path(__file__).parent / "static" / "base.css"
"""What every service's pages share; each page links it before the service's own stylesheet."""

FORMS_STYLESHEET = BASE_STYLESHEET.with_name("forms.css")
"""What the portal and the workbench share after base.css: forms, notices, the case summary and timeline."""


def stylesheet(path: Path, cache_control: str = "public, max-age=3600") -> FileResponse:
    return FileResponse(path, media_type="text/css", headers={"Cache-Control": cache_control})


log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE_MESSAGE = (
    "the service cannot reach its database just now: nothing was received or changed. "
    "Please send it again in a few seconds (服务暂时不可用，本次提交未被受理，请稍后重试)"
)

UNAVAILABLE_PAGE = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>服务暂时不可用</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>服务暂时不可用</h1>
<p>系统暂时无法连接数据库，您这次提交的内容<strong>未被受理</strong>，也没有保存任何信息。
请在 {RETRY_AFTER_SECONDS} 秒后返回上一页重新提交。</p>
<p lang="en">The service cannot reach its database just now: nothing was received. Please try again in a few seconds.</p>
</main></body></html>
"""

HealthCheck = Callable[[], Awaitable[None]]

SERVES_WITHOUT = frozenset({"broker"})
"""Parts a service still serves without: while Kafka is away the outbox keeps what is submitted and
sends it later, so taking the service out of its load balancer would refuse letters for nothing."""

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            details.append(
                {
                    "field": "(body)",
                    "message": f"malformed JSON: {error.get('ctx', {}).get('error', '')}",
                    "type": "json_invalid",
                }
            )
            continue
        location = [str(part) for part in error.get("loc", ()) if part != "body"]
        message = error.get("msg", "")
        if error.get("type") == "extra_forbidden":
            message = "unknown field: this form has no such field (attachments are not accepted)"
        details.append(
            {"field": ".".join(location) or "(body)", "message": message, "type": error.get("type", "")}
        )
    return details


def install_common(
    app: FastAPI,
    *,
    health_checks: Callable[[], Sequence[HealthCheck]],
    service: str,
    contract: Callable[[], ServiceContract] | None = None,
) -> None:
    """Error handlers, ``GET /health/live``, ``GET /health/ready`` (and ``/health``), and with a
    ``contract`` ``GET /asyncapi.json``."""

    @app.exception_handler(CivicError)
    async def civic_error(_request: Request, exc: CivicError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        return JSONResponse(error_body(exc.code, exc.message, exc.details), exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = _field_errors(exc)
        fields = ", ".join(sorted({d["field"] for d in details}))
        return JSONResponse(error_body("validation_error", f"invalid input: {fields}", details), 422)

    async def infrastructure_failed(request: Request, exc: Exception) -> Response:
        """Our database or network failed, not the request: 503, and when to send it again."""
        if not is_infrastructure(exc):
            raise exc  # a bug: the 500 below
        log.warning(
            "%s %s: infrastructure unavailable (%s)", request.method, request.url.path, describe_failure(exc)
        )
        return unavailable(request.url.path, request.headers.get("accept", ""))

    # Handled per class (not as a catch-all Exception, which Starlette re-raises after answering).
    for kind in INFRASTRUCTURE_CANDIDATES:
        app.add_exception_handler(kind, infrastructure_failed)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        headers = exc.headers
        if exc.status_code == 405:  # Starlette names the first route's methods only; the path has more
            headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=headers)

    async def readiness(*, serves_without: frozenset[str] = SERVES_WITHOUT) -> JSONResponse:
        """200 once every check passes; else 503 naming the failing parts — their errors go to the log,
        never into the public body (no addresses, no exception text). A broker away leaves the service
        ready but ``degraded`` (`SERVES_WITHOUT`); ``/health`` wants every part."""
        failing = []
        for check in health_checks():
            name = getattr(check, "__name__", "check").removeprefix("check_")
            try:
                await check()
            except Exception as exc:  # each failed check is reported, none stops the others
                log.warning("%s not ready: %s is unavailable (%s)", service, name, describe_failure(exc))
                failing.append(name)
        if set(failing) - serves_without:
            body = {"status": "unavailable", "service": service, "failing": failing}
            return JSONResponse(body, 503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        if failing:
            return JSONResponse({"status": "degraded", "service": service, "failing": failing})
        return JSONResponse({"status": "ok", "service": service})

    @app.get(
        "/health/live",
        tags=["operations"],
        summary="200 while the process serves requests (liveness)",
        response_model=Health,
    )
    async def get_liveness() -> JSONResponse:
        return JSONResponse({"status": "ok", "service": service})

    not_ready: Responses = {
        503: {"model": Health, "description": "What fails", "headers": RETRY_AFTER_HEADER}
    }

    @app.get(
        "/health/ready",
        tags=["operations"],
        summary="200 once the database answers (readiness; `degraded` while the broker is away); 503 naming what fails",
        response_model=Health,
        responses=not_ready,
    )
    async def get_readiness() -> JSONResponse:
        return await readiness()

    @app.get(
        "/health",
        tags=["operations"],
        summary="200 once every part answers, the broker too (monitoring); 503 naming what fails",
        response_model=Health,
        responses=not_ready,
    )
    async def get_health() -> JSONResponse:
        return await readiness(serves_without=frozenset())

    if contract is not None:

        @app.get("/asyncapi.json", tags=["operations"], summary="AsyncAPI 3.0 document of the Kafka side")
        async def get_asyncapi_document() -> JSONResponse:
            """Every event the service sends and receives, with its schema (`shared.contracts`)."""
            return JSONResponse(asyncapi_document(contract()))


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on the request's path."""
    allowed: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.methods and route.matches(request.scope)[0] != Match.NONE:
            allowed |= route.methods
    return sorted(allowed)


async def _json_bodies(request: Request) -> None:
    """415 for a body that is not JSON, on a route that takes one (FastAPI would call it invalid, 422)."""
    route = request.scope.get("route")
    if isinstance(route, APIRoute) and route.body_field is not None and await request.body():
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        kind, _, subtype = media_type.partition("/")
        if kind != "application" or not (subtype == "json" or subtype.endswith("+json")):
            raise StarletteHTTPException(415, "the body must be JSON (Content-Type: application/json)")


def unavailable(path: str, accept: str) -> Response:
    """503 with ``Retry-After``: nothing was received — as a page for a browser's form, else JSON."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if not path.startswith("/api/") and "text/html" in accept:
        return HTMLResponse(UNAVAILABLE_PAGE, 503, headers=headers)
    return JSONResponse(
        error_body("service_unavailable", UNAVAILABLE_MESSAGE, {"retry_after_seconds": RETRY_AFTER_SECONDS}),
        503,
        headers=headers,
    )


class SafeErrors:
    """The outermost layer: a bug answers 500 in the contract's shape and is logged by its stack and
    class — never by its message, which can carry what was being written (`shared.failures`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            log.error("unhandled error on %s %s\n%s", scope["method"], scope["path"], safe_traceback(exc))
            if started:
                raise  # the answer is under way: the server ends the connection
            response = JSONResponse(
                error_body("internal_error", "an unexpected error occurred; nothing was changed"), 500
            )
            await response(scope, receive, send)


class BodySizeLimit:
    """Refuses request bodies over ``max_bytes`` with 413, by header and while streaming.

    The rest of a refused body is read and thrown away (up to ``DRAIN_BYTES``) before the connection is
    left: a client still sending when the server closed would see the connection reset, not the 413.
    """

    DRAIN_BYTES = 16 * 1024 * 1024

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._drain(receive)
            await self._refuse(send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    await self._drain(receive, more=message.get("more_body", False))
                    # FastAPI turns other errors raised while reading the body into 400.
                    raise StarletteHTTPException(413, f"request body over {self.max_bytes} bytes")
            return message

        await self.app(scope, limited_receive, send)

    async def _drain(self, receive: Receive, *, more: bool = True) -> None:
        drained = 0
        while more and drained < self.DRAIN_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                return
            drained += len(message.get("body", b""))
            more = message.get("more_body", False)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(
            error_body("payload_too_large", f"request body over {self.max_bytes} bytes"), status_code=413
        )
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


_bearer = HTTPBearer(auto_error=False)


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _principal(request: Request, credentials: BearerDep) -> Principal:
    if credentials is None:
        raise Unauthorized("a bearer token is required")
    secret: str = request.app.state.jwt_key
    return verify_token(secret, credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(_principal)]

TOKEN_REQUIRED = Depends(_bearer)
"""``dependencies=[TOKEN_REQUIRED]`` states the bearer token in the OpenAPI document of a guarded route
whose handler does not take the principal (the guard checks it either way)."""


Access = Mapping[str, tuple[Role, ...] | None]
"""Who may call each route of a service, keyed ``"METHOD /path"`` as the route table spells it: the
roles that may (any one suffices), or None for everyone (no token needed)."""


def guarded_by(access: Access) -> Any:
    """A router's dependency: the caller may call the route, as ``access`` declares — checked before
    the body is validated (401 without a valid token, 403 without one of the roles). A route
    ``access`` does not name is refused to everyone: a new route must say who may call it. The token
    is read here without declaring it, so a public route's OpenAPI shows no lock; a guarded route's
    handler takes the ``PrincipalDep`` that declares it (or the route names `TOKEN_REQUIRED`)."""

    async def check(request: Request) -> None:
        route = request.scope.get("route")
        key = f"{request.method} {getattr(route, 'path', request.url.path)}"
        if key not in access:
            raise Forbidden(f"{key} declares no access")
        roles = access[key]
        if roles is not None:
            require_roles(_principal(request, await _bearer(request)), *roles)

    return Depends(check)


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(_runtime)]


def build_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    router: APIRouter,
    pages: APIRouter | None = None,
    prepare: Callable[[], Awaitable[None]] | None = None,
) -> FastAPI:
    """A service's FastAPI app: its runtime in the lifespan, its routes, and the common parts."""
    settings = runtime.settings

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with runtime.running(prepare=prepare):
            yield

    app = FastAPI(
        title=f"Civic Channels — {title}",
        version="1",
        description=description,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    document_plumbing(app)
    app.state.runtime = runtime
    app.state.settings = settings
    app.state.jwt_key = settings.jwt_key
    app.include_router(router, dependencies=[Depends(_json_bodies)])
    if pages is not None:
        app.include_router(pages, include_in_schema=False)
    install_common(
        app,
        contract=runtime.contract,
        health_checks=lambda: [runtime.check_database, runtime.check_broker],
        service=settings.service_name,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SafeErrors)
    app.add_middleware(HttpMetrics, metrics=runtime.metrics)  # added last: outermost but for Starlette's own
    instrument_http(app, runtime.telemetry)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        """Prometheus' scrape (`shared.metrics`): reached inside the deployment, not through the front door."""
        return Response(await runtime.metrics.exposition(), media_type=METRICS_CONTENT_TYPE)

    return app
