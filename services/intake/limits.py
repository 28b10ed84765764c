"""Per-client limits (防刷): how many submissions a client may make, and how many tracking codes it
may guess wrong, within a window. Over the limit: 429 with ``Retry-After``.

``SlidingWindow`` is pure (the clock is passed in); ``ClientLimits`` is the ASGI middleware that
applies it. Counts live in the process: several intake instances each count their own share.
Registry staff (a valid ``staff`` token) register many letters from one counter and are not limited.
"""

from __future__ import annotations

import math
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import verify_token
from shared.codes import Role
from shared.errors import Unauthorized, error_body

__all__ = ["ClientLimits", "SlidingWindow"]


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


_SUBMISSION = re.compile(
    r"^(/api/v1/(mailbox-messages|disclosure-requests|consultations/[^/]+/comments)|/mailbox|/disclosure|/consultations/[^/]+/comment)/?$"
)
_LOOKUP = re.compile(r"^(/api/v1/cases/[^/]+(/supplement|/rating)?|/track)/?$")


class ClientLimits:
    def __init__(
        self,
        app: ASGIApp,
        *,
        submissions: SlidingWindow,
        lookup_misses: SlidingWindow,
        jwt_key: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.submissions = submissions
        self.lookup_misses = lookup_misses
        self.jwt_key = jwt_key
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
        client = scope.get("client")
        key = client[0] if client else "unknown"
        wait = window.retry_after(key, self.clock())
        if wait is not None:
            await self._refuse(scope, send, math.ceil(wait))
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in counts:
                window.record(key, self.clock())
            await send(message)

        await self.app(scope, receive, counting_send)

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
