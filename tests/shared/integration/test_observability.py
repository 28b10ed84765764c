"""Traces, metrics and logs of services in-process on the real broker and each database.

One letter's trace goes from intake's HTTP request through its outbox (the relay's publish span) to
routing's and tracking's consumers; each service's ``/metrics`` shows what it did; a log line written
while an event is applied carries its ids and the trace id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.intake.app import create_app as intake_app
from services.intake.config import IntakeSettings
from services.routing.app import create_app as routing_app
from services.routing.config import RoutingSettings
from services.tracking.app import create_app as tracking_app
from services.tracking.config import TrackingSettings
from shared.events import new_event
from shared.logs import JsonFormatter
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support import events as support
from tests.support.databases import Databases
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.prometheus import parse
from tests.support.services import in_process, settings_for

pytestmark = pytest.mark.kafka

LETTER = {
    "mailbox": "civil-air-defence",
    "category": "咨询",
    "subject": "小区地下人防工程能否停车",
    "body": "请问平时可以作为停车场使用吗？",
    "contact": {"name": "张三丰", "phone": "13812345678"},
    "publish_consent": False,
}


@dataclass
class Service:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    spans: InMemorySpanExporter


@pytest_asyncio.fixture
async def pipeline(
    kafka_bootstrap: str, topics: Topics, databases: Databases
) -> AsyncIterator[dict[str, Service]]:
    started: dict[str, Service] = {}
    async with AsyncExitStack() as stack:
        for name, create, settings_type in (
            ("intake", intake_app, IntakeSettings),
            ("routing", routing_app, RoutingSettings),
            ("tracking", tracking_app, TrackingSettings),
        ):
            settings = settings_for(settings_type, kafka_bootstrap, topics, await databases.new(name))
            client, runtime = await stack.enter_async_context(in_process(create, settings))  # type: ignore[arg-type]
            spans = InMemorySpanExporter()
            runtime.telemetry.provider.add_span_processor(SimpleSpanProcessor(spans))
            started[name] = Service(client, runtime, spans)
        yield started


def _of(spans: InMemorySpanExporter, trace_id: int, kind: SpanKind) -> list[ReadableSpan]:
    return [
        span
        for span in spans.get_finished_spans()
        if span.context is not None and span.context.trace_id == trace_id and span.kind == kind
    ]


async def test_one_letters_trace_spans_intake_its_outbox_routing_and_tracking(
    pipeline: dict[str, Service], case_events: TopicReader
) -> None:
    intake, routing, tracking = pipeline["intake"], pipeline["routing"], pipeline["tracking"]
    response = await intake.client.post("/api/v1/mailbox-messages", json=LETTER)
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    await case_events.wait_for_event(case_id, "deadline.set")

    (request,) = [
        span
        for span in intake.spans.get_finished_spans()
        if span.kind == SpanKind.SERVER
        and span.attributes
        and span.attributes.get("http.route") == "/api/v1/mailbox-messages"
    ]
    assert request.context is not None
    trace_id = request.context.trace_id

    async def whole() -> bool:
        return bool(_of(tracking.spans, trace_id, SpanKind.CONSUMER))

    await eventually(whole, "tracking's span of the letter's assignment")
    published = _of(intake.spans, trace_id, SpanKind.PRODUCER)
    assert {span.attributes.get("cloudevents.event_type") for span in published if span.attributes} >= {
        "submission.received"
    }, "the relay publishes the letter in the request's trace"
    assert all(
        span.parent is not None and span.parent.span_id == request.context.span_id for span in published
    )
    routed = _of(routing.spans, trace_id, SpanKind.CONSUMER)
    assert [span.attributes.get("cloudevents.event_type") for span in routed if span.attributes].count(
        "submission.received"
    ) >= 1, "routing applies the letter in the same trace"
    assert any(
        span.parent is not None and span.parent.span_id in {p.context.span_id for p in published if p.context}
        for span in routed
    )
    routing_sent = _of(routing.spans, trace_id, SpanKind.PRODUCER)
    assert "case.assigned" in {
        span.attributes.get("cloudevents.event_type") for span in routing_sent if span.attributes
    }
    counted = _of(tracking.spans, trace_id, SpanKind.CONSUMER)
    assert "case.assigned" in {
        span.attributes.get("cloudevents.event_type") for span in counted if span.attributes
    }
    everything = [span for s in pipeline.values() for span in s.spans.get_finished_spans()]
    text = json.dumps([dict(span.attributes or {}) for span in everything], ensure_ascii=False)
    for secret in ("张三丰", "13812345678", response.json()["tracking_code"], "停车场"):
        assert secret not in text, f"a span attribute holds {secret!r}"


async def _scrape(client: httpx.AsyncClient) -> dict[str, float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


async def test_metrics_show_requests_events_dead_letters_backlog_and_clocks(
    pipeline: dict[str, Service], producer: RawProducer, topics: Topics, case_events: TopicReader
) -> None:
    tracking = pipeline["tracking"]
    before = await _scrape(tracking.client)
    letter = support.letter()
    await producer.send_payloads(topics.case_events, [letter, support.assigned(letter)])
    await producer.send(topics.case_events, b"not an event", key="poison")

    async def counted() -> dict[str, float] | None:
        figures = await _scrape(tracking.client)
        dead = figures.get(
            f'civic_dead_letters_total{{group="{topics.prefix}tracking",topic="{topics.case_events}"}}', 0
        )
        return figures if figures.get('civic_clocks_open{kind="reply"}') == 1 and dead == 1 else None

    after = await eventually(counted, "tracking's figures to show the clock and the dead letter")
    assert before.get('civic_clocks_open{kind="reply"}') == 0
    assert after['civic_clocks_breached{kind="reply"}'] == 0
    assert after["civic_outbox_unsent"] >= 0
    assert "civic_outbox_oldest_unsent_age_seconds" in after
    received = [
        value for name, value in after.items() if name.startswith("faststream_received_messages_total")
    ]
    assert sum(received) >= 2, "FastStream's middleware counts what the consumers took in"
    assert any(name.startswith("civic_consumer_lag{") for name in after), "each held partition's lag"
    intake = await _scrape(pipeline["intake"].client)
    assert not any(name.startswith("civic_http_requests_total") and "/metrics" in name for name in intake)


async def test_a_log_line_written_while_an_event_is_applied_names_it_and_its_trace(
    pipeline: dict[str, Service], producer: RawProducer, topics: Topics, case_events: TopicReader
) -> None:
    lines: list[dict[str, str]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(JsonFormatter("tracking").format(record)))

    keep = Keep(level=logging.INFO)
    consumer_log = logging.getLogger("shared.consumer")
    consumer_log.addHandler(keep)
    level = consumer_log.level
    consumer_log.setLevel(logging.INFO)
    try:
        letter = support.letter()
        envelope = new_event(letter, source="/civic/intake")
        await producer.send_event(topics.case_events, envelope)
        await case_events.wait_for_event(str(letter.case_id), "case.assigned")
        await producer.send_event(topics.case_events, envelope)  # delivered again: "already processed"

        async def noted() -> list[dict[str, str]]:
            return [line for line in lines if "already processed" in line["message"]]

        again = (await eventually(noted, "a consumer to note the redelivered letter"))[0]
    finally:
        consumer_log.removeHandler(keep)
        consumer_log.setLevel(level)
    assert again["service"] == "tracking"
    assert again["level"] == "info"
    assert again["event_id"] == str(envelope.id)
    assert again["event_type"] == "submission.received"
    assert again["correlation_id"] == str(letter.case_id)
    assert len(again["trace_id"]) == 32
    assert int(again["trace_id"], 16) != 0
