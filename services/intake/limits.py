"""Per-client limits (防刷): how many submissions a client may make, and how many tracking codes it
may guess wrong, within a window. Over the limit: 429 with ``Retry-After``.

- The client is the address the request came from — or, when it came through a proxy the settings
  trust (``INTAKE_TRUSTED_PROXIES``), the address that proxy says it came from (`client_address`).
- The counts live where every intake instance sees them: intake's database (`DatabaseWindow`, a row
  per counted request, keyed by a keyed hash of the address — an address is personal data).
  ``SlidingWindow`` is the same rule in memory, pure (the clock is passed in).
- Registry staff (a valid ``staff`` token) register many letters from one counter and are not limited.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Protocol

from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.intake.db import RateEvent
from shared.auth import verify_token
from shared.codes import Role
from shared.db import Database
from shared.errors import Unauthorized, error_body
from shared.failures import describe_failure, is_infrastructure
from shared.group_commit import GroupCommit
from shared.http import unavailable

log = logging.getLogger(__name__)

__all__ = ["ClientLimits", "DatabaseWindow", "SlidingWindow", "Window", "client_address"]


class Window(Protocol):
    """At most ``limit`` events per client within ``window`` seconds."""

    async def wait(self, key: str, now: float) -> float | None:
        """Seconds until ``key`` may act again, or None when it may act now."""
        ...

    async def count(self, key: str, now: float) -> None: ...


class SlidingWindow:
    """At most ``limit`` events per key within ``window`` seconds; remembers at most ``max_keys`` keys."""

    def __init__(self, limit: int, window: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str, now: float) -> float | None:
        """Seconds until ``key`` may act again, or None when it may act now."""
        events = self._events.get(key)
        if events is None:
            return None
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) < self.limit:
            return None
        return events[0] + self.window - now

    def record(self, key: str, now: float) -> None:
        events = self._events.setdefault(key, deque())
        self._events.move_to_end(key)
        events.append(now)
        while len(self._events) > self.max_keys:
            self._events.popitem(last=False)

    async def wait(self, key: str, now: float) -> float | None:
        return self.retry_after(key, now)

    async def count(self, key: str, now: float) -> None:
        self.record(key, now)


class DatabaseWindow:
    """`SlidingWindow`'s rule over intake's database, so that every instance counts the same requests.
    Times are wall-clock seconds (instances share no monotonic clock); rows older than the window are
    deleted every few seconds as new ones are counted, in the transaction of the submissions beside
    them (``wait`` counts only the rows within the window, so a row not yet deleted changes nothing)."""

    SWEEP_EVERY = 10.0
    """Seconds between two deletions of the rows the window has left (not one per request)."""

    def __init__(
        self, database: Database, commits: GroupCommit, bucket: str, limit: int, window: float
    ) -> None:
        self.database, self.commits = database, commits
        self.bucket, self.limit, self.window = bucket, limit, window
        self._swept = 0.0

    async def wait(self, key: str, now: float) -> float | None:
        since = datetime.fromtimestamp(now - self.window, UTC)
        async with self.database.session() as session:
            counted, oldest = (
                await session.exec(
                    select(func.count(), func.min(RateEvent.at)).where(
                        RateEvent.bucket == self.bucket, RateEvent.client == key, col(RateEvent.at) > since
                    )
                )
            ).one()
        if counted < self.limit or oldest is None:
            return None
        return max(oldest.timestamp() + self.window - now, 0.001)

    async def count(self, key: str, now: float) -> None:
        at = datetime.fromtimestamp(now, UTC)
        sweep = now - self._swept >= self.SWEEP_EVERY
        if sweep:
            self._swept = now

        async def counted(session: AsyncSession) -> None:
            session.add(RateEvent(bucket=self.bucket, client=key, at=at))
            if sweep:  # every client's rows the window has left, now and then
                await session.exec(
                    delete(RateEvent).where(
                        col(RateEvent.bucket) == self.bucket,
                        col(RateEvent.at) <= at - timedelta(seconds=self.window),
                    )
                )

        await self.commits.run(counted)


def client_address(scope: Scope, trusted: Sequence[IPv4Network | IPv6Network]) -> str:
    """The client's address: the socket's peer, unless that peer is a proxy the settings trust — then
    the nearest address in ``X-Forwarded-For`` that is not itself a trusted proxy."""
    peer = scope.get("client")
    address = str(peer[0]) if peer else "unknown"
    if not trusted or not _within(address, trusted):
        return address
    headers: dict[bytes, bytes] = dict(scope.get("headers", []))
    forwarded = headers.get(b"x-forwarded-for", b"").decode(errors="replace")
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not _within(hop, trusted):
            return hop
    return address


def _within(address: str, networks: Sequence[IPv4Network | IPv6Network]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


_SUBMISSION = re.compile(
    r"^(/api/v1/(mailbox-messages|disclosure-requests|consultations/[^/]+/comments|interviews/[^/]+/questions)"
    r"|/mailbox|/disclosure|/consultations/[^/]+/comment|/interviews/[^/]+/question)/?$"
)
_LOOKUP = re.compile(
    r"^(/api/v1/cases/[^/]+(/supplement|/rating|/notices(/[^/]+)?)?|/track(/notices/[^/]+|/supplement|/rating)?)/?$"
)


class ClientLimits:
    def __init__(
        self,
        app: ASGIApp,
        *,
        submissions: Window,
        lookup_misses: Window,
        jwt_key: str,
        trusted_proxies: Sequence[IPv4Network | IPv6Network] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.submissions = submissions
        self.lookup_misses = lookup_misses
        self.jwt_key = jwt_key
        self.trusted_proxies = trusted_proxies
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        if method == "POST" and _SUBMISSION.match(path):
            window, counts = (
                self.submissions,
                range(200, 300),
            )  # what was accepted counts, not what was refused
        elif _LOOKUP.match(path):
            window, counts = self.lookup_misses, range(404, 405)  # guessing shows as codes that do not exist
        else:
            await self.app(scope, receive, send)
            return
        if self._is_staff(scope):
            await self.app(scope, receive, send)
            return
        key = self._client_key(scope)
        try:
            wait = await window.wait(key, self.clock())
        except Exception as exc:
            if not is_infrastructure(exc):
                raise
            accept = dict(scope.get("headers", [])).get(b"accept", b"").decode(errors="replace")
            await unavailable(scope["path"], accept)(scope, _no_receive, send)  # the counts are away
            return
        if wait is not None:
            await self._refuse(scope, send, math.ceil(wait))
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in counts:
                try:
                    await window.count(key, self.clock())
                except Exception as exc:  # the answer stands; this one request goes uncounted
                    if not is_infrastructure(exc):
                        raise
                    log.warning(
                        "a request could not be counted for its client's limit: %s", describe_failure(exc)
                    )
            await send(message)

        await self.app(scope, receive, counting_send)

    def _client_key(self, scope: Scope) -> str:
        """A keyed hash of the client's address: the counts hold no address."""
        address = client_address(scope, self.trusted_proxies)
        return hmac.new(self.jwt_key.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]

    def _is_staff(self, scope: Scope) -> bool:
        header = dict(scope.get("headers", [])).get(b"authorization", b"").decode(errors="replace")
        if not header.lower().startswith("bearer "):
            return False
        try:
            return Role.STAFF in verify_token(self.jwt_key, header[7:].strip()).roles
        except Unauthorized:
            return False

    async def _refuse(self, scope: Scope, send: Send, retry_after: int) -> None:
        headers = {"Retry-After": str(retry_after)}
        if scope["path"].startswith("/api/"):
            response: JSONResponse | HTMLResponse = JSONResponse(
                error_body(
                    "rate_limited", f"too many requests from this client; try again in {retry_after} s"
                ),
                status_code=429,
                headers=headers,
            )
        else:
            response = HTMLResponse(
                f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>请稍后再试</title></head>'
                f"<body><main><h1>请求过于频繁</h1><p>请于 {retry_after} 秒后再试。</p></main></body></html>",
                status_code=429,
                headers=headers,
            )
        await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
