"""The spans `shared.telemetry` makes: children of the trace they are given, and nothing of what a
failed use case's exception says (it can hold what was being written: a name, a number)."""

from __future__ import annotations

import json

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shared.logs import EventContext, event_context
from shared.telemetry import Telemetry

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _telemetry() -> tuple[Telemetry, InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    telemetry = Telemetry("tracking")
    telemetry.provider.add_span_processor(SimpleSpanProcessor(spans))
    return telemetry, spans


def test_a_failed_events_span_says_the_failures_class_never_its_text() -> None:
    telemetry, spans = _telemetry()
    event = EventContext("e1", "case.assigned", "case-1")
    seen: list[EventContext] = []

    def use_case() -> None:
        with telemetry.processing(
            group="g", topic="t", partition=0, offset=7, event=event, traceparent=PARENT
        ):
            seen.append(event_context.get())
            raise ValueError("张三丰 13812345678 failing row contains …")

    with pytest.raises(ValueError, match="张三丰"):
        use_case()
    assert seen == [event], "the event's ids are on every log line inside"
    assert event_context.get() == EventContext(), "and only inside"
    (span,) = spans.get_finished_spans()
    assert span.kind == SpanKind.CONSUMER
    assert span.status.status_code == StatusCode.ERROR
    assert span.parent is not None
    assert format(span.parent.trace_id, "032x") == PARENT.split("-")[1]
    exported = json.dumps(
        [
            span.status.description,
            [dict(e.attributes or {}) for e in span.events],
            dict(span.attributes or {}),
        ],
        ensure_ascii=False,
    )
    assert "ValueError" in exported
    for secret in ("张三丰", "13812345678", "failing row"):
        assert secret not in exported


def test_each_published_message_gets_its_own_child_span_and_header() -> None:
    telemetry, spans = _telemetry()
    with telemetry.publishing([("t", "case.assigned", PARENT), ("t", "deadline.set", None)]) as headers:
        pass
    first, second = spans.get_finished_spans()
    assert first.parent is not None
    assert format(first.parent.trace_id, "032x") == PARENT.split("-")[1]
    assert second.parent is None, "a row written outside any trace starts its own"
    assert headers[0] is not None
    assert headers[0].split("-")[2] == format(first.context.span_id, "016x")
    assert headers[1] is not None
    assert headers[1].split("-")[1] == format(second.context.trace_id, "032x")
