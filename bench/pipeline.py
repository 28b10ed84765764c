"""Pipeline benchmark: POST → ``case.assigned`` → ``deadline.set``, against bare aiokafka.

    python -m bench.pipeline --n 500 --concurrency 20          # saturated: throughput
    python -m bench.pipeline --n 50 --concurrency 1 --pause 0.5  # one at a time: unloaded latency

Starts a local broker (or uses ``KAFKA_BOOTSTRAP_SERVERS``), the four services as processes with
SQLite, posts N mailbox letters to intake with the given concurrency, and reads ``case-events`` until
every letter is assigned and has a deadline. In the same run, on the same broker, the baseline
sends the same payloads with a bare aiokafka producer (idempotent, acks=all) and reads them with a
bare consumer. It prints throughput and p50/p95/p99 latency of both, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from deploy.kafka.local import LocalKafka, create_topics, free_port
from deploy.processes import start_services, stop_services
from shared.events import decode_event
from shared.topics import CASE_EVENTS, Topics


def letter(i: int) -> dict[str, Any]:
    return {
        "mailbox": "civil-air-defence",
        "category": "咨询",
        "subject": f"人防工程使用咨询 {i}",
        "body": "请问小区地下人防工程平时能否作为停车场使用？收费标准由谁制定？" * 3,
        "contact": {"name": "张三丰", "phone": "13812345678"},
        "publish_consent": i % 2 == 0,
    }


@dataclass
class Result:
    name: str
    n: int
    seconds: float
    latencies_ms: dict[str, list[float]]

    @property
    def throughput(self) -> float:
        return self.n / self.seconds


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


KINDS = frozenset({"case.assigned", "deadline.set"})
"""What the pipeline is timed to: the assignment and the reply deadline."""


async def follow(
    bootstrap: str, topic: str, wanted: dict[str, set[str]], seen: dict[tuple[str, str], float], total: int
) -> None:
    """Record when each (subject, type) first appears on ``topic``, until ``total`` wanted pairs are seen.

    Every pair of a wanted type is recorded, whether or not its subject is wanted yet: a case's events
    can reach the topic before its POST has answered and the case joined ``wanted``."""
    kinds = {kind for kinds_of_case in wanted.values() for kind in kinds_of_case} or KINDS
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"bench-{uuid.uuid4().hex[:6]}",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        while sum(1 for subject, kind in seen if kind in wanted.get(subject, ())) < total:
            batches = await consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    envelope, _ = decode_event(record.value)
                    if envelope.type in kinds:
                        seen.setdefault((envelope.subject, envelope.type), now)
    finally:
        await consumer.stop()


async def run_pipeline(bootstrap: str, n: int, concurrency: int, pause: float, data_dir: Path) -> Result:
    topics = Topics(f"bench{uuid.uuid4().hex[:6]}-")
    await create_topics(bootstrap, topics)
    ports = {name: free_port() for name in ("intake", "routing", "tracking", "publishing")}
    services = start_services(
        bootstrap_servers=bootstrap,
        data_dir=data_dir,
        ports=ports,
        topic_prefix=topics.prefix,
        extra_env={"CIVIC_ENV": "test", "INTAKE_SUBMISSIONS_PER_CLIENT": "1000000"},
    )
    try:
        await asyncio.gather(*(s.wait_healthy(timeout=120) for s in services))
        intake = services[0].url
        sent: dict[str, float] = {}
        wanted: dict[str, set[str]] = {}
        seen: dict[tuple[str, str], float] = {}
        semaphore = asyncio.Semaphore(concurrency)
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            # One letter first so the consumers have joined before timing starts.
            warm = (await client.post(f"{intake}/api/v1/mailbox-messages", json=letter(-1))).json()["case_id"]
            await follow(bootstrap, topics.case_events, {warm: {"deadline.set"}}, {}, 1)
            follower = asyncio.create_task(follow(bootstrap, topics.case_events, wanted, seen, 2 * n))

            async def post(i: int) -> None:
                async with semaphore:
                    started = time.perf_counter()
                    response = await client.post(f"{intake}/api/v1/mailbox-messages", json=letter(i))
                    response.raise_for_status()
                    case_id = response.json()["case_id"]
                    sent[case_id] = started
                    wanted[case_id] = set(KINDS)
                    await asyncio.sleep(pause)

            begin = time.perf_counter()
            await asyncio.gather(*(post(i) for i in range(n)))
            await asyncio.wait_for(follower, timeout=600)
        end = max(seen.values())
        return Result(
            "civic pipeline",
            n,
            end - begin,
            {
                kind: [(seen[(case_id, kind)] - started) * 1000 for case_id, started in sent.items()]
                for kind in ("case.assigned", "deadline.set")
            },
        )
    finally:
        stop_services(services)


async def run_baseline(bootstrap: str, n: int, concurrency: int, pause: float) -> Result:
    """The same payloads through bare aiokafka: produce (idempotent, acks=all) and consume."""
    topic = f"bench-baseline-{uuid.uuid4().hex[:6]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, CASE_EVENTS.partitions, 1)])
    await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    sent: dict[str, float] = {}
    received: dict[str, float] = {}
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"bench-{uuid.uuid4().hex[:6]}",
    )
    await consumer.start()
    await producer.send_and_wait(topic, b"{}", key=b"warm")
    while not await consumer.getmany(timeout_ms=200):
        pass

    async def consume() -> None:
        while len(received) < n:
            batches = await consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    key = record.key.decode()
                    if key in sent or key.startswith("case-"):
                        received.setdefault(key, now)

    semaphore = asyncio.Semaphore(concurrency)

    async def produce(i: int) -> None:
        async with semaphore:
            key = f"case-{i}"
            sent[key] = time.perf_counter()
            await producer.send_and_wait(
                topic, json.dumps(letter(i), ensure_ascii=False).encode(), key=key.encode()
            )
            await asyncio.sleep(pause)

    try:
        reader = asyncio.create_task(consume())
        begin = time.perf_counter()
        await asyncio.gather(*(produce(i) for i in range(n)))
        await asyncio.wait_for(reader, timeout=300)
        end = max(received.values())
    finally:
        await producer.stop()
        await consumer.stop()
    latencies = [(received[key] - started) * 1000 for key, started in sent.items()]
    return Result("bare aiokafka", n, end - begin, {"consumed": latencies})


def report(pipeline: Result, baseline: Result, concurrency: int, pause: float) -> str:
    rows = [
        f"N={pipeline.n} concurrency={concurrency} pause={pause}s",
        "",
        f"{'':<34}{'throughput/s':>13}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}",
    ]
    for name, result, kind in (
        ("civic POST → case.assigned", pipeline, "case.assigned"),
        ("civic POST → deadline.set", pipeline, "deadline.set"),
        ("baseline produce → consume", baseline, "consumed"),
    ):
        values = result.latencies_ms[kind]
        rows.append(
            f"{name:<34}{result.throughput:>13.1f}{percentile(values, 50):>10.1f}"
            f"{percentile(values, 95):>10.1f}{percentile(values, 99):>10.1f}"
        )
    base_p50 = percentile(baseline.latencies_ms["consumed"], 50)
    rows += [
        "",
        f"ratio baseline/civic throughput: {baseline.throughput / pipeline.throughput:.1f}×",
        f"ratio civic/baseline p50 latency: to case.assigned "
        f"{percentile(pipeline.latencies_ms['case.assigned'], 50) / base_p50:.1f}×, to deadline.set "
        f"{percentile(pipeline.latencies_ms['deadline.set'], 50) / base_p50:.1f}×",
    ]
    return "\n".join(rows)


async def main_async(n: int, concurrency: int, pause: float) -> None:
    with tempfile.TemporaryDirectory(prefix="civic-bench-") as tmp:
        broker: LocalKafka | None = None
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            broker = LocalKafka(Path(tmp) / "kafka")
            broker.start()
            await broker.wait_ready()
            bootstrap = broker.bootstrap_servers
        try:
            pipeline = await run_pipeline(bootstrap, n, concurrency, pause, Path(tmp) / "services")
            baseline = await run_baseline(bootstrap, n, concurrency, pause)
        finally:
            if broker is not None:
                broker.stop()
    print(report(pipeline, baseline, concurrency, pause))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.0, help="seconds each worker waits between items")
    args = parser.parse_args()
    asyncio.run(main_async(args.n, args.concurrency, args.pause))


if __name__ == "__main__":
    main()
