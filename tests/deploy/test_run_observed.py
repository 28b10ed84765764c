"""What an operator sees of a running ``make run`` under load: every figure of ``/metrics`` moves, one
letter's trace reaches the collector across intake, its outbox, routing and tracking, and the logs are
JSON lines with the ids to follow — and no citizen's personal data.

``python -m deploy.run`` runs against the test session's broker (no second broker) with an OTLP/HTTP
collector served by this test, while letters arrive through the front door and a few events are put on
the log as another producer would: a letter assigned weeks ago (its clock breaches), a reply to review,
a message that is no event (dead-lettered), the same event twice (noted as already processed).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from deploy.kafka.local import free_port
from deploy.processes import DEFAULT_PORTS
from shared.events import new_event
from shared.topics import Topics
from tests.support import events as support
from tests.support.browser import served
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.prometheus import parse, total

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

LETTERS = 60
SERVICES = tuple(DEFAULT_PORTS)
PERSONAL = ("欧阳明", "13912345678", "ouyang@example.cn", "我家楼下的人防工程")


@dataclass
class Collector:
    """An OTLP/HTTP trace collector: what each service exported, span by span."""

    spans: list[dict[str, str]] = field(default_factory=list)

    async def traces(self, request: Request) -> Response:
        export = ExportTraceServiceRequest.FromString(await request.body())
        for resource in export.resource_spans:
            service = next(
                (a.value.string_value for a in resource.resource.attributes if a.key == "service.name"), ""
            )
            for scope in resource.scope_spans:
                for span in scope.spans:
                    attributes = {
                        a.key: str(a.value.string_value or a.value.int_value) for a in span.attributes
                    }
                    self.spans.append(
                        {
                            "service": service,
                            "trace": span.trace_id.hex(),
                            "kind": ProtoSpan.SpanKind.Name(span.kind),
                            "name": span.name,
                            **attributes,
                        }
                    )
        return Response(ExportTraceServiceRequest().SerializeToString(), media_type="application/x-protobuf")

    def app(self) -> Starlette:
        async def health(_request: Request) -> Response:
            return JSONResponse({"status": "ok"})

        return Starlette(
            routes=[Route("/v1/traces", self.traces, methods=["POST"]), Route("/health", health)]
        )


@dataclass
class Run:
    front_door: str
    services: dict[str, str]
    topics: Topics
    folder: Path

    async def scrape(self) -> dict[str, dict[str, float]]:
        async with httpx.AsyncClient(timeout=10) as client:
            answers = await asyncio.gather(*(client.get(f"{url}/metrics") for url in self.services.values()))
        for answer in answers:
            assert answer.status_code == 200, answer.text
        return {name: parse(answer.text) for name, answer in zip(self.services, answers, strict=True)}


@contextmanager
def make_run(kafka_bootstrap: str, folder: Path, collector: str) -> Iterator[Run]:
    ports = {name: free_port() for name in SERVICES}
    door = free_port()
    prefix = f"obs{uuid.uuid4().hex[:8]}-"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "CIVIC_TOPIC_PREFIX": prefix,
        "CIVIC_DATA_DIR": str(folder),
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector,
        "TRACKING_ALARM_CHECK_SECONDS": "1",
        "INTAKE_SUBMISSIONS_PER_CLIENT": "100000",
        **{f"{name.upper()}_PORT": str(port) for name, port in ports.items()},
        "FRONT_DOOR_PORT": str(door),
    }
    log_path = folder / "run.log"
    with log_path.open("wb") as log:
        run = subprocess.Popen(
            [sys.executable, "-m", "deploy.run"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            while b"Civic Channels is running" not in log_path.read_bytes():
                assert run.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "deploy.run did not come up in 120 s"
                time.sleep(0.5)
            yield Run(
                f"http://127.0.0.1:{door}",
                {name: f"http://127.0.0.1:{port}" for name, port in ports.items()},
                Topics(prefix),
                folder,
            )
        finally:
            os.killpg(run.pid, signal.SIGINT)
            try:
                run.wait(timeout=60)
            except subprocess.TimeoutExpired:
                run.kill()


@asynccontextmanager
async def watching(run: Run) -> AsyncIterator[dict[str, dict[str, float]]]:
    """Scrape every service over and over while the load runs; the highest value of each gauge seen."""
    highest: dict[str, dict[str, float]] = defaultdict(dict)
    stop = asyncio.Event()

    async def scrape_on() -> None:
        while not stop.is_set():
            for name, figures in (await run.scrape()).items():
                for key, value in figures.items():
                    highest[name][key] = max(value, highest[name].get(key, value))
            await asyncio.sleep(0.05)

    task = asyncio.create_task(scrape_on())
    try:
        yield highest
    finally:
        stop.set()
        await task


async def letters(front_door: str, count: int) -> list[str]:
    limit = asyncio.Semaphore(16)

    async def one(client: httpx.AsyncClient, n: int) -> str:
        async with limit:
            answer = await client.post(
                "/api/intake/v1/mailbox-messages",
                json={
                    "mailbox": "civil-air-defence",
                    "category": "咨询",
                    "subject": f"人防工程车位第{n}问",
                    "body": f"{PERSONAL[3]}能否出租车位？第{n}封。",
                    "contact": {"name": PERSONAL[0], "phone": PERSONAL[1], "email": PERSONAL[2]},
                    "publish_consent": False,
                },
            )
            assert answer.status_code == 201, answer.text
            return str(answer.json()["case_id"])

    async with httpx.AsyncClient(base_url=front_door, timeout=60) as client:
        return await asyncio.gather(*(one(client, n) for n in range(count)))


async def test_an_operator_sees_figures_move_one_trace_and_clean_logs(
    kafka_bootstrap: str, producer: RawProducer, tmp_path: Path
) -> None:
    collector = Collector()
    async with served(collector.app(), "otlp collector") as collector_url:
        with make_run(kafka_bootstrap, tmp_path, collector_url) as run:
            before = await run.scrape()
            topics = run.topics
            weeks_ago = support.letter("人防工程车位", "能否出租？")
            late = new_event(weeks_ago, source="/civic/intake").model_copy(
                update={"time": datetime.now(UTC) - timedelta(days=30)}
            )
            to_review = support.letter("人防工程车位", "能否出租？")
            async with watching(run) as highest:
                await letters(run.front_door, LETTERS)
                await producer.send_event(topics.case_events, late)
                await producer.send_payloads(topics.case_events, [to_review, *support.handled(to_review)])
                await producer.send(topics.case_events, b"not an event", key="poison")
                await producer.send_event(topics.case_events, late)  # again: each consumer notes it once

                async def settled() -> dict[str, dict[str, float]] | None:
                    now = await run.scrape()
                    tracking, publishing = now["tracking"], now["publishing"]
                    done = (
                        tracking['civic_clocks_open{kind="reply"}']
                        >= before["tracking"]['civic_clocks_open{kind="reply"}'] + LETTERS
                        and tracking['civic_clocks_breached{kind="reply"}']
                        > before["tracking"]['civic_clocks_breached{kind="reply"}']
                        and publishing['civic_review_queue_length{kind="reply"}']
                        > before["publishing"]['civic_review_queue_length{kind="reply"}']
                        and all(total(now[name], "civic_dead_letters_total") >= 1 for name in SERVICES)
                    )
                    return now if done else None

                after = await eventually(settled, "every service's figures to show the load", timeout=120)

            for name in SERVICES:
                # HTTP handling and Kafka handling (FastStream's middleware) count what was done.
                assert total(after[name], "faststream_received_messages_total") > total(
                    before[name], "faststream_received_messages_total"
                ), name
                dead = [
                    v
                    for k, v in after[name].items()
                    if k.startswith("civic_dead_letters_total") and topics.case_events in k
                ]
                assert dead, name
                assert set(dead) == {1}, f"{name}: each consumer group sets the poison apart once"
            assert (
                total(after["intake"], "civic_http_requests_total", 'route="/api/v1/mailbox-messages"')
                >= LETTERS
            )
            assert total(after["intake"], "faststream_published_messages_total") > total(
                before["intake"], "faststream_published_messages_total"
            )
            # The gauges rose while the load ran, then came back.
            assert max(total(highest[name], "civic_consumer_lag") for name in SERVICES) > 0, "consumer lag"
            assert max(highest[name]["civic_outbox_unsent"] for name in SERVICES) > 0, "outbox backlog"
            assert max(highest[name]["civic_outbox_oldest_unsent_age_seconds"] for name in SERVICES) > 0

            async def drained() -> bool:
                now = await run.scrape()
                return all(
                    now[n]["civic_outbox_unsent"] == 0 and total(now[n], "civic_consumer_lag") == 0
                    for n in SERVICES
                )

            await eventually(drained, "the backlog and the lag to come back to 0", timeout=120)

            async def traced() -> str | None:
                by_trace: dict[str, set[str]] = defaultdict(set)
                for span in collector.spans:
                    by_trace[span["trace"]].add(f"{span['service']} {span['kind']}")
                whole = {
                    "civic-intake SPAN_KIND_SERVER",
                    "civic-intake SPAN_KIND_PRODUCER",
                    "civic-routing SPAN_KIND_CONSUMER",
                    "civic-routing SPAN_KIND_PRODUCER",
                    "civic-tracking SPAN_KIND_CONSUMER",
                }
                return next((trace for trace, seen in by_trace.items() if whole <= seen), None)

            trace_id = await eventually(traced, "one letter's trace across the services", timeout=60)
            in_trace = [span for span in collector.spans if span["trace"] == trace_id]
            sent_by_routing = {
                s["cloudevents.event_type"]
                for s in in_trace
                if s["name"].endswith(" publish") and s["service"] == "civic-routing"
            }
            assert "case.assigned" in sent_by_routing, in_trace
            exported = json.dumps(collector.spans, ensure_ascii=False)
            for secret in PERSONAL:
                assert secret not in exported, f"a span holds {secret!r}"

        lines = {name: (tmp_path / "logs" / f"{name}.log").read_text().splitlines() for name in SERVICES}
    for name, written in lines.items():
        objects = [json.loads(line) for line in written if line.strip()]
        assert objects, f"{name} logged nothing"
        assert all(o["service"] == name and o["level"] and "message" in o for o in objects), name
        assert any("trace_id" in o for o in objects), f"{name}: no line carries a trace id"
        noted = [o for o in objects if o.get("event_id") == str(late.id)]
        if name != "intake":
            assert noted, f"{name}: the redelivered event is noted with its id"
            assert all(o["correlation_id"] == str(weeks_ago.case_id) and "trace_id" in o for o in noted)
        text = "\n".join(written)
        for secret in PERSONAL:
            assert secret not in text, f"{name}'s log holds {secret!r}"
