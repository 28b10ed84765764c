"""Logs: one JSON object per line, with the service, the event and correlation ids and the trace id.

Every record carries what is known where it was logged: the event being applied (its id, type and
correlation id — set by the consumer, `shared.telemetry.Telemetry.processing`) and the current span's
trace and span ids, so an operator goes from a log line to the trace and to the case's events.

No personal data: the messages themselves never hold any (`shared.failures.describe_failure` keeps
exception text out, the access log's paths are redacted in `shared.serve`); an exception is logged by
its class and stack, never its message.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from opentelemetry import trace

from shared.failures import safe_traceback

__all__ = ["EventContext", "JsonFormatter", "configure_logging", "event_context", "logged"]


@dataclass(frozen=True, slots=True)
class EventContext:
    event_id: str | None = None
    event_type: str | None = None
    correlation_id: str | None = None


NO_EVENT = EventContext()

event_context: ContextVar[EventContext] = ContextVar("civic_event_context", default=NO_EVENT)
"""The event the current task is applying (empty outside a consumer's use case)."""


@contextlib.contextmanager
def logged(event: EventContext) -> Iterator[None]:
    """``event``'s ids on every log line written inside."""
    token = event_context.set(event)
    try:
        yield
    finally:
        event_context.reset(token)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        event = event_context.get()
        if event.event_id is not None:
            line["event_id"] = event.event_id
            line["event_type"] = event.event_type
        if event.correlation_id is not None:
            line["correlation_id"] = event.correlation_id
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            line["trace_id"] = format(span.trace_id, "032x")
            line["span_id"] = format(span.span_id, "016x")
        if record.exc_info and record.exc_info[1] is not None:
            line["error"] = safe_traceback(record.exc_info[1])  # the stack and the class, not the message
        return json.dumps(line, ensure_ascii=False)


def configure_logging(service: str, log_format: Literal["json", "text"] = "json") -> None:
    """The root logger at INFO on stderr, as JSON lines (or plain text for a developer's terminal)."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
