"""Prometheus metrics of one service, served at ``GET /metrics``.

Each service has its own registry (several services can share a test process):

- HTTP handling: ``civic_http_requests_total`` and ``civic_http_request_duration_seconds`` by method,
  route template (never the path as sent: it can hold a tracking code) and status (`HttpMetrics`);
- Kafka handling: FastStream's Prometheus middleware (``faststream_*``: messages received, processed,
  published, their durations and exceptions), on the service's broker;
- ``civic_dead_letters_total`` by the topic the event came from and the consumer group;
- ``civic_outbox_unsent`` and ``civic_outbox_oldest_unsent_age_seconds``;
- ``civic_consumer_lag`` by group, topic and partition (the partitions this instance holds: newest
  offset less the committed one);
- what each service adds: open and breached clocks by kind (tracking), the review queue (publishing).

The gauges read from the database and the consumers are refreshed when Prometheus scrapes, not on a
timer: a scrape costs a few indexed queries, and an idle service does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.failures import describe_failure

__all__ = ["CONTENT_TYPE", "HttpMetrics", "ServiceMetrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

log = logging.getLogger(__name__)

Refresh = Callable[[], Awaitable[None]]

REFRESH_SECONDS = 3.0
"""A gauge whose source does not answer in this long keeps its last value; the gauges are refreshed
side by side, so a scrape takes at most this long — within Prometheus' default 10 s scrape timeout."""


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "civic_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_seconds = Histogram(
            "civic_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.dead_letters = Counter(
            "civic_dead_letters",
            "Events set apart to the dead-letter topic, by the topic they came from and the consumer group",
            ["topic", "group"],
            registry=self.registry,
        )
        self.outbox_unsent = self.gauge(
            "civic_outbox_unsent", "Outbox rows committed and not yet sent to Kafka"
        )
        self.outbox_oldest_age = self.gauge(
            "civic_outbox_oldest_unsent_age_seconds",
            "Age of the oldest outbox row not yet sent (0: none waits)",
        )
        self.consumer_lag = self.gauge(
            "civic_consumer_lag",
            "Records of a partition this instance holds that its group has not yet committed",
            ["group", "topic", "partition"],
        )
        self.scrape_failures = Counter(
            "civic_metrics_refresh_failures",
            "Scrapes whose refresh of a gauge failed (the gauge keeps its last value)",
            ["gauge"],
            registry=self.registry,
        )
        self._refreshers: list[Refresh] = []

    def gauge(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
        return Gauge(name, documentation, list(labels), registry=self.registry)

    def on_scrape(self, refresh: Refresh) -> None:
        """Run ``refresh`` before each scrape (it sets gauges from the database or the consumers)."""
        self._refreshers.append(refresh)

    async def _refreshed(self, refresh: Refresh) -> None:
        try:
            async with asyncio.timeout(REFRESH_SECONDS):
                await refresh()
        except Exception as exc:  # a scrape never fails for one gauge
            name = getattr(refresh, "__name__", "gauge")
            log.warning("metrics: %s not refreshed (%s)", name, describe_failure(exc))
            self.scrape_failures.labels(gauge=name).inc()

    async def exposition(self) -> bytes:
        """The text format Prometheus reads, after every gauge is refreshed — a refresh that fails (the
        database is away) leaves its gauges as they were and counts the failure, the scrape goes on."""
        await asyncio.gather(*(self._refreshed(refresh) for refresh in self._refreshers))
        return generate_latest(self.registry)


class HttpMetrics:
    """ASGI middleware counting and timing each request by its route template."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or "(unmatched)"
            method = scope["method"]
            self.metrics.http_requests.labels(method=method, route=template, status=str(status)).inc()
            self.metrics.http_seconds.labels(method=method, route=template).observe(
                time.perf_counter() - started
            )
