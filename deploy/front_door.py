"""The front door (统一入口): one address for the citizen's portal, the public pages and the staff's
workbench, so nobody juggles four ports — ``make run`` serves it on http://127.0.0.1:8000/, compose on
port 8000 too. ``python -m deploy.front_door``.

A small reverse proxy: each request goes, unchanged, to the service whose pages or API it names
(`ROUTES`, most specific first); the answer comes back as the service gave it. Each service's API is
reachable as ``/api/<service>/…`` (→ the service's ``/api/…``). A service that does not answer is a
503 with ``Retry-After`` — never a 500 — and nothing is retried for the client: a POST reaches a
service once or not at all. In production put TLS in front of it (or use a real proxy with the same
table); the services' own ports need not be reachable from outside.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from shared.http import RETRY_AFTER_SECONDS
from shared.logs import configure_logging

__all__ = ["ROUTES", "FrontDoorSettings", "create_app", "upstream_for"]

log = logging.getLogger("civic.front_door")

ROUTES: tuple[tuple[str, str], ...] = (
    ("/workbench/registry", "intake"),
    ("/workbench/erasures", "intake"),
    ("/workbench/reviews", "publishing"),
    ("/workbench/consultations", "publishing"),
    ("/workbench/interviews", "publishing"),
    ("/workbench/appeals", "publishing"),
    ("/workbench/reports", "publishing"),
    ("/workbench/calendar", "tracking"),
    ("/workbench/supervision", "tracking"),
    ("/workbench/deadlines", "tracking"),
    ("/workbench", "routing"),
    ("/open", "publishing"),
    ("/", "intake"),
)
"""Path prefix → the service that serves it, the most specific first: the staff's pages under
``/workbench`` (routing's unless another service's part), the public pages under ``/open``
(publishing), and everything else the citizen's portal (intake)."""

API_PREFIX = "/api/"
INTERNAL = frozenset({"/metrics"})
"""Each service's own, for the deployment's Prometheus on the service's port: never through the door."""
SERVICES = ("intake", "routing", "tracking", "publishing")

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


def upstream_for(path: str) -> tuple[str, str] | None:
    """The service a path goes to, and the path it asks it for; None for an API of no service."""
    if path in INTERNAL:
        return None
    if path.startswith(API_PREFIX):
        service, _, rest = path[len(API_PREFIX) :].partition("/")
        if service not in SERVICES:
            return None
        return service, f"/api/{rest}"
    for prefix, service in ROUTES:
        if path == prefix or path.startswith(prefix.rstrip("/") + "/") or prefix == "/":
            return service, path
    return None  # pragma: no cover - "/" matches every path


class FrontDoorSettings(BaseSettings):
    """Where the front door listens and where each service is (prefix ``FRONT_DOOR_``)."""

    model_config = SettingsConfigDict(env_prefix="FRONT_DOOR_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    intake_url: str = "http://127.0.0.1:8001"
    routing_url: str = "http://127.0.0.1:8002"
    tracking_url: str = "http://127.0.0.1:8003"
    publishing_url: str = "http://127.0.0.1:8004"
    timeout_seconds: float = Field(default=30, gt=0)

    def upstreams(self) -> dict[str, str]:
        return {
            "intake": self.intake_url,
            "routing": self.routing_url,
            "tracking": self.tracking_url,
            "publishing": self.publishing_url,
        }


def create_app(settings: FrontDoorSettings) -> Starlette:
    clients: dict[str, httpx.AsyncClient] = {}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        for name, url in settings.upstreams().items():
            clients[name] = httpx.AsyncClient(
                base_url=url, timeout=settings.timeout_seconds, limits=limits, follow_redirects=False
            )
        try:
            yield
        finally:
            for client in clients.values():
                await client.aclose()

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def forward(request: Request) -> Response:
        target = upstream_for(request.url.path)
        if target is None:
            return JSONResponse(
                {"error": {"code": "not_found", "message": f"no service {request.url.path.split('/')[2]!r}"}},
                status_code=404,
            )
        service, path = target
        return await _proxied(clients[service], service, path, request)

    routes = [
        Route("/front-door/health", health, methods=["GET"]),
        Route("/{path:path}", forward, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def _proxied(client: httpx.AsyncClient, service: str, path: str, request: Request) -> Response:
    headers = _forwarded_headers(request)
    body = await request.body()
    upstream = client.build_request(
        request.method, path, params=request.url.query or None, headers=headers, content=body
    )
    try:
        answer = await client.send(upstream, stream=True)
    except httpx.TransportError as exc:
        log.warning("%s did not answer %s %s: %s", service, request.method, path, type(exc).__name__)
        return _unavailable(path, request.headers.get("accept", ""))
    response = StreamingResponse(
        answer.aiter_raw(), status_code=answer.status_code, background=BackgroundTask(answer.aclose)
    )
    # Several Set-Cookie headers stay several: the upstream's raw list, less what is the hop's own.
    response.raw_headers = [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in answer.headers.multi_items()
        if name.lower() not in HOP_BY_HOP - {"content-length"}
    ]
    return response


UNAVAILABLE = (
    "the service did not answer: nothing was received or changed; please send it again in a few seconds"
)
UNAVAILABLE_PAGE = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>服务暂时不可用</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>服务暂时不可用</h1>
<p>系统暂时没有响应，您这次提交的内容<strong>未被受理</strong>。请在 {RETRY_AFTER_SECONDS} 秒后返回上一页重新提交。</p>
</main></body></html>
"""


def _unavailable(path: str, accept: str) -> Response:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if not path.startswith("/api/") and "text/html" in accept:
        return HTMLResponse(UNAVAILABLE_PAGE, 503, headers=headers)
    body = {"error": {"code": "service_unavailable", "message": UNAVAILABLE}}
    return JSONResponse(body, 503, headers=headers)


def _forwarded_headers(request: Request) -> dict[str, str]:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    client = request.client.host if request.client else ""
    before = request.headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{before}, {client}" if before else client
    headers["x-forwarded-proto"] = request.url.scheme
    headers["x-forwarded-host"] = request.headers.get("host", "")
    return headers


def main() -> None:
    import uvicorn

    configure_logging("front-door")
    logging.getLogger("httpx").setLevel(
        logging.WARNING
    )  # its INFO line names the upstream path: a tracking code
    settings = FrontDoorSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()
