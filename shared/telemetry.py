"""Traces (OpenTelemetry) from the HTTP request through the outbox and Kafka to every consumer.

How one letter's trace travels:

- the HTTP request's server span (FastAPI's instrumentation, `instrument_http`) is current while the
  use case runs — also inside intake's group commit, which runs each request's unit in its caller's
  trace (`Carried`);
- `shared.outbox.add_events` keeps the current span's W3C ``traceparent`` on each outbox row;
- the relay publishes each row in a ``publish`` span (kind PRODUCER), child of the row's context, and
  puts that span's ``traceparent`` in the Kafka record's headers (`Telemetry.publishing`);
- each consumer applies each event in a ``process`` span (kind CONSUMER), child of the record's
  ``traceparent`` (`Telemetry.processing`); what the use case emits is kept with that span, and so on.

Spans are always made (the logs carry their trace id, `shared.logs`); they leave the process only when
an OTLP endpoint is set (``OTEL_EXPORTER_OTLP_ENDPOINT``). Attributes hold no personal data: ids, types,
topics, offsets, and paths with tracking codes redacted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, set_span_in_context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from shared.failures import describe_failure
from shared.logs import EventContext, event_context, logged

__all__ = ["TRACEPARENT", "Carried", "Telemetry", "current_traceparent", "instrument_http"]

TRACEPARENT = "traceparent"
"""The W3C Trace Context header: on the outbox row, on the Kafka record, and in HTTP requests."""

_PROPAGATOR = TraceContextTextMapPropagator()


def current_traceparent() -> str | None:
    """The current span's ``traceparent`` (None outside any span)."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get(TRACEPARENT)


def _context_of(traceparent: str | None) -> Context | None:
    return _PROPAGATOR.extract({TRACEPARENT: traceparent}) if traceparent else None


@dataclass(frozen=True, slots=True)
class Carried:
    """The caller's trace and log context, taken where work is handed to another task (a group commit's
    drain) and put back while that work runs."""

    trace: Context
    log: EventContext

    @classmethod
    def here(cls) -> Carried:
        return cls(otel_context.get_current(), event_context.get())

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        token, log_token = otel_context.attach(self.trace), event_context.set(self.log)
        try:
            yield
        finally:
            event_context.reset(log_token)
            otel_context.detach(token)


class Telemetry:
    """One service's tracer: its own provider (several services can share a test process)."""

    def __init__(
        self, service: str, *, otlp_endpoint: str | None = None, exporter: SpanExporter | None = None
    ):
        """``exporter`` (tests) or an OTLP/HTTP exporter to ``otlp_endpoint``; neither: spans stay in the process."""
        self.service = service
        self.provider = TracerProvider(resource=Resource.create({"service.name": f"civic-{service}"}))
        if exporter is None and otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces")
        self.exporting = exporter is not None
        if exporter is not None:
            self.provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=1000))
        self.tracer: Tracer = self.provider.get_tracer("civic-channels")

    @contextlib.contextmanager
    def publishing(self, topic_of: Sequence[tuple[str, str, str | None]]) -> Iterator[list[str | None]]:
        """A PRODUCER span per message ``(topic, event type, the row's traceparent)``, each a child of its
        row's context; yields the ``traceparent`` to send with each. The spans end when the batch is
        acknowledged (or failed)."""
        spans: list[Span] = []
        headers: list[str | None] = []
        for topic, event_type, traceparent in topic_of:
            span = self.tracer.start_span(
                f"{topic} publish",
                context=_context_of(traceparent),
                kind=SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.operation.type": "send",
                    "messaging.destination.name": topic,
                    "cloudevents.event_type": event_type,
                },
            )
            carrier: dict[str, str] = {}
            _PROPAGATOR.inject(carrier, context=set_span_in_context(span))
            spans.append(span)
            headers.append(carrier.get(TRACEPARENT))
        try:
            yield headers
        except BaseException as exc:
            for span in spans:
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            for span in spans:
                span.end()

    @contextlib.contextmanager
    def processing(
        self,
        *,
        group: str,
        topic: str,
        partition: int,
        offset: int,
        event: EventContext,
        traceparent: str | None,
    ) -> Iterator[Span]:
        """A CONSUMER span for one event, child of the record's ``traceparent``, current while its use
        case runs (what it emits is kept with it), with the event's ids in the log context."""
        attributes: dict[str, Any] = {
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.destination.name": topic,
            "messaging.consumer.group.name": group,
            "messaging.destination.partition.id": str(partition),
            "messaging.kafka.offset": offset,
            "cloudevents.event_id": event.event_id or "",
            "cloudevents.event_type": event.event_type or "",
        }
        with (
            logged(event),
            self.tracer.start_as_current_span(
                f"{topic} process",
                context=_context_of(traceparent),
                kind=SpanKind.CONSUMER,
                attributes=attributes,
                record_exception=False,  # an exception's text can hold what was being written
                set_status_on_exception=False,
            ) as span,
        ):
            try:
                yield span
            except BaseException as exc:
                span.set_status(Status(StatusCode.ERROR, describe_failure(exc)))
                raise

    def shutdown(self) -> None:
        """Send what is buffered (at most a few seconds) and stop exporting."""
        self.provider.shutdown()


def instrument_http(app: Any, telemetry: Telemetry) -> None:
    """A server span for every request but the probes and the scrape; a tracking code in the path or
    query never becomes an attribute (`shared.serve.redact_path`)."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    from shared.serve import redact_path

    def redact(span: Span, scope: dict[str, Any]) -> None:
        if not span.is_recording():
            return
        path = redact_path(scope.get("path", ""))
        query = scope.get("query_string", b"").decode("latin-1")
        target = redact_path(f"{path}?{query}") if query else path
        for name in ("http.target", "url.path"):
            span.set_attribute(name, path if name == "url.path" else target)
        span.set_attribute("url.query", redact_path(f"?{query}")[1:] if query else "")
        span.set_attribute("http.url", target)
        span.set_attribute("url.full", target)

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=telemetry.provider,
        excluded_urls="/health,/metrics",
        exclude_spans=["receive", "send"],
        server_request_hook=redact,
    )
