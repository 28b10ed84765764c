"""An OAuth 2.0 token endpoint for the tests, served on loopback like an identity provider's: it grants
client credentials (HTTP Basic) and answers with an *unsigned* JWT (``"alg": "none"``) — what Kafka's
unsecured OAUTHBEARER validator, on the test broker's secured listener, accepts. It counts what it is
asked, so a test sees how often a client fetched a token."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from deploy.kafka.local import free_port
from tests.support.polling import eventually

TOKEN_PATH = "/oauth2/token"


def unsigned_jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}."


@dataclass
class TokenEndpoint:
    """Clients (id → secret) it grants tokens to, for ``lifetime`` seconds; ``expired`` clients get
    tokens that expired a minute ago (the broker must refuse them)."""

    clients: dict[str, str]
    lifetime: int = 3600
    expired: set[str] = field(default_factory=set)
    grants: list[str] = field(default_factory=list)
    """The client id of every token issued, in order."""

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            form = await request.form()
            client_id, secret = _basic(request.headers.get("authorization", ""))
            if form.get("grant_type") != "client_credentials":
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            if client_id is None or self.clients.get(client_id) != secret:
                return JSONResponse(
                    {"error": "invalid_client", "error_description": "unknown client or wrong secret"},
                    status_code=401,
                )
            now = int(time.time())
            expires = now - 60 if client_id in self.expired else now + self.lifetime
            self.grants.append(client_id)
            claims = {"sub": client_id, "iat": now, "exp": expires, "scope": str(form.get("scope", ""))}
            return JSONResponse(
                {"access_token": unsigned_jwt(claims), "token_type": "Bearer", "expires_in": self.lifetime}
            )

        async def health(_: Request) -> Response:
            return JSONResponse({"status": "ok"})

        return Starlette(routes=[Route(TOKEN_PATH, token, methods=["POST"]), Route("/health", health)])

    @asynccontextmanager
    async def served(self) -> AsyncIterator[str]:
        """Under uvicorn on a free loopback port, in a thread; the token URL."""
        server = uvicorn.Server(
            uvicorn.Config(self.app(), host="127.0.0.1", port=free_port(), log_level="warning")
        )
        thread = threading.Thread(target=server.run, name="token endpoint", daemon=True)
        thread.start()

        async def healthy() -> str | None:
            if not thread.is_alive():
                raise AssertionError("the token endpoint stopped while starting")
            if not server.started:
                return None
            url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
            async with httpx.AsyncClient(timeout=5) as client:
                return url if (await client.get(f"{url}/health")).status_code == 200 else None

        try:
            yield f"{await eventually(healthy, 'the token endpoint to serve', timeout=30)}{TOKEN_PATH}"
        finally:
            server.should_exit = True
            await asyncio.to_thread(thread.join, 30)


def _basic(header: str) -> tuple[str | None, str | None]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        return None, None
    return client_id, secret
