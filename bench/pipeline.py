"""Pipeline benchmark: POST → ``case.assigned`` → ``deadline.set``, each figure beside a baseline
measured in the same run, on the same machine and broker.

    python -m bench.pipeline                          # every section below, SQLite
    python -m bench.pipeline --postgres URL           # and the sustained run on PostgreSQL too
    python -m bench.pipeline --only sustained --rate 300 --seconds 30

Sections (``--only`` picks some; ``postgres`` runs only with a URL, ``--postgres`` or
``BENCH_POSTGRES_URL``):

- ``sustained``: letters offered open-loop at ``--rate`` a second for ``--seconds``; the rate at which
  they come out as ``deadline.set``, their latencies from each letter's due time, and the seconds
  until every consumer group's lag is back to 0 once the last letter is answered. Baseline: the same
  payloads at the same rate through a bare aiokafka producer (idempotent, ``acks=all``) and consumer.
- ``postgres``: the sustained run with each service on its own PostgreSQL database.
- ``latency``: the same at ``--latency-rate`` (default 100/s): p50/p95/p99 POST → ``deadline.set``.
- ``intake``: intake alone (no other service running), closed loop with ``--concurrency`` requests in
  flight, against a bare FastAPI endpoint that validates the same body and produces it to Kafka
  (``bench/bare_intake.py``).
- ``instances``: a second instance of routing and of tracking in the same groups, on the same
  databases; every letter must come out assigned once and with one deadline — nothing lost or doubled.

Services run as processes, as in production; each gets its own SQLite file (or, with ``--postgres``,
its own PostgreSQL database, dropped afterwards). The load generator (`bench.load`) is open-loop and
cheap, so it takes little of the cores the services need.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy.ext.asyncio import create_async_engine

from bench.chain import chain
from bench.cpu import cpu_seconds, own_cpu_seconds
from bench.load import Follower, OpenLoop, Sent, letter, percentile, wait_for_no_lag
from bench.plumbing import plumbing, run_load
from bench.profile import Sampling
from deploy.kafka.local import LocalKafka, create_topics, free_port
from deploy.processes import ServiceProcess, start_services, stop_services
from shared.topics import CASE_EVENTS, Topics

KINDS = ("case.assigned", "deadline.set")
SERVICES = ("intake", "routing", "tracking", "publishing")
MAILBOX_PATH = "/api/v1/mailbox-messages"


@dataclass
class Row:
    """One line of a table: a throughput and latency percentiles (ms)."""

    name: str
    throughput: float
    latencies_ms: Sequence[float]
    note: str = ""

    def line(self) -> str:
        p = [percentile(self.latencies_ms, q) for q in (50, 95, 99)]
        return f"{self.name:<40}{self.throughput:>10.1f}{p[0]:>10.1f}{p[1]:>10.1f}{p[2]:>10.1f}  {self.note}"


HEADER = f"{'':<40}{'per s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}"


@dataclass
class Installation:
    bootstrap: str
    topics: Topics
    services: list[ServiceProcess]

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far of each service process, and of the benchmark itself (``client``)."""
        spent = {s.label: cpu_seconds(s.process.pid) for s in self.services if s.process is not None}
        return {**spent, "client": own_cpu_seconds()}

    @property
    def intake(self) -> ServiceProcess:
        return next(s for s in self.services if s.name == "intake")

    async def groups(self) -> list[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            listed = await admin.list_consumer_groups()
        finally:
            await admin.close()
        return sorted(group for group, *_ in listed if group.startswith(self.topics.prefix))


@asynccontextmanager
async def postgres_databases(admin_url: str | None, label: str) -> AsyncIterator[dict[str, str]]:
    """A fresh PostgreSQL database per service (``*_DATABASE_URL``), dropped afterwards; none without a URL."""
    if admin_url is None:
        yield {}
        return
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    names = {service: f"bench_{label}_{service}_{uuid.uuid4().hex[:6]}" for service in SERVICES}
    try:
        async with engine.connect() as conn:
            for name in names.values():
                await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        base = admin_url.rsplit("/", 1)[0]
        yield {f"{service.upper()}_DATABASE_URL": f"{base}/{name}" for service, name in names.items()}
    finally:
        async with engine.connect() as conn:
            for name in names.values():
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await engine.dispose()


@asynccontextmanager
async def installed(
    bootstrap: str,
    folder: Path,
    *,
    services: Sequence[str] = SERVICES,
    postgres: str | None = None,
    second_instances: Sequence[str] = (),
) -> AsyncIterator[Installation]:
    topics = Topics(f"bench{uuid.uuid4().hex[:6]}-")
    await create_topics(bootstrap, topics)
    async with postgres_databases(postgres, topics.prefix.strip("-")) as urls:
        env = {"CIVIC_ENV": "test", "INTAKE_SUBMISSIONS_PER_CLIENT": "1000000000", **urls}

        def start(names: Sequence[str], instance: str = "") -> list[ServiceProcess]:
            return start_services(
                bootstrap_servers=bootstrap,
                data_dir=folder,
                topic_prefix=topics.prefix,
                ports={name: free_port() for name in names},
                extra_env=env,
                instance=instance,
            )

        running = start(services)
        if second_instances:
            running += start(second_instances, instance="2")
        try:
            await asyncio.gather(*(s.wait_healthy(timeout=120) for s in running))
            yield Installation(bootstrap, topics, running)
        finally:
            stop_services(running)


async def warm(installation: Installation, follower: Follower) -> None:
    """One letter through the whole pipeline, so every consumer has joined before timing starts."""
    loop = OpenLoop("127.0.0.1", installation.intake.port, MAILBOX_PATH)
    (sent,) = await loop.run(1, 1, lambda _: letter(-1))
    await loop.close()
    if sent.status != 201 or not await follower.wait_for([sent.body["case_id"]], KINDS, timeout=120):
        raise RuntimeError(f"the warm-up letter did not go through: {sent.status} {sent.body}")


@dataclass
class PipelineRun:
    offered: int
    accepted: int
    refused: int
    unanswered: int
    """Given up: still unanswered when the load's grace time ran out."""
    through: int
    """Accepted letters that came out with their deadline within the drain time."""
    seconds_to_last: float
    """From the first letter's due time to the last ``deadline.set`` seen."""
    latencies: dict[str, list[float]]
    missing: int
    """Letters not through when the drain time ran out (lost, if the run drained)."""
    doubled: int
    lag_zero_after: dict[str, float] | None
    """For each consumer group (without the run's prefix), the seconds from the load's end (the last
    letter's due time) until its lag was 0 for good; None if the letters did not all come through."""
    profile: list[str]
    """Where each service's time went during the load (`bench.profile`), when asked for."""
    cpu: dict[str, float]
    """CPU seconds each service process (and ``client``, the benchmark's own load and follower) spent
    from the first letter until every group's lag was 0."""

    @property
    def throughput(self) -> float:
        return self.through / self.seconds_to_last if self.seconds_to_last else 0.0


async def run_pipeline(
    installation: Installation,
    rate: float,
    seconds: float,
    drain_seconds: float,
    profile: Path | None = None,
) -> PipelineRun:
    follower = Follower(installation.bootstrap, installation.topics.case_events, frozenset(KINDS))
    await follower.start()
    try:
        await warm(installation, follower)
        before = installation.cpu()
        sampling = None
        if profile is not None:
            pids = {s.label: s.process.pid for s in installation.services if s.process is not None}
            sampling = Sampling(profile, pids, seconds)
            await sampling.start()
        loop = OpenLoop("127.0.0.1", installation.intake.port, MAILBOX_PATH)
        sent = await loop.run(rate, seconds, letter)
        await loop.close()
        profiled = await sampling.stop() if sampling is not None else []
        accepted = [s for s in sent if s.status == 201]
        cases = [s.body["case_id"] for s in accepted]
        drained = await follower.wait_for(cases, KINDS, timeout=drain_seconds)
        polled = time.perf_counter() - sent[-1].due
        groups = await installation.groups()
        lag_zero = await wait_for_no_lag(installation.bootstrap, groups, timeout=30) if drained else None
        after = installation.cpu()
    finally:
        await follower.stop()
    prefix = installation.topics.prefix
    seen = follower.seen
    ends = [seen[(case, "deadline.set")] for case in cases if (case, "deadline.set") in seen]
    return PipelineRun(
        offered=len(sent),
        accepted=len(accepted),
        refused=sum(1 for s in sent if s.status not in (0, 201)),
        unanswered=sum(1 for s in sent if s.status == 0),
        through=len(ends),
        seconds_to_last=(max(ends) - sent[0].due) if ends else 0.0,
        latencies={
            "answered": [(s.answered - s.due) * 1000 for s in accepted],
            **{
                kind: [
                    (seen[(s.body["case_id"], kind)] - s.due) * 1000
                    for s in accepted
                    if (s.body["case_id"], kind) in seen
                ]
                for kind in KINDS
            },
        },
        missing=sum(1 for case in cases if any((case, kind) not in seen for kind in KINDS)),
        doubled=follower.doubled(cases),
        lag_zero_after=None
        if lag_zero is None
        else {group.removeprefix(prefix): polled + seconds for group, seconds in lag_zero.items()},
        cpu={name: after[name] - before[name] for name in after},
        profile=profiled,
    )


async def produce_and_follow(
    bootstrap: str, first: str, last: str, rate: float, seconds: float
) -> tuple[float, list[float]]:
    """The letters' payloads produced open-loop to ``first`` (idempotent, ``acks=all``) and read from
    ``last``: the throughput and each record's latency from its due time, in ms. One warm-up record
    goes through first, so every consumer on the way has joined before timing starts."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    consumer = AIOKafkaConsumer(
        last,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await producer.start()
    await consumer.start()
    received: dict[bytes, float] = {}
    warmed = asyncio.Event()
    count = int(rate * seconds)

    async def consume() -> None:
        while len(received) < count + 1:
            batches = await consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    if record.key is not None:
                        received.setdefault(record.key, now)
            if b"warm-up" in received:
                warmed.set()

    try:
        reader = asyncio.create_task(consume())
        await producer.send_and_wait(first, json.dumps(letter(-1)).encode(), key=b"warm-up")
        await asyncio.wait_for(warmed.wait(), timeout=120)
        start = time.perf_counter() + 0.05
        due = [start + i / rate for i in range(count)]
        tasks = []
        for i, when in enumerate(due):
            if (delay := when - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            value = json.dumps(letter(i), ensure_ascii=False).encode()
            tasks.append(asyncio.create_task(producer.send_and_wait(first, value, key=str(i).encode())))
        await asyncio.gather(*tasks)
        await asyncio.wait_for(reader, timeout=120)
    finally:
        await producer.stop()
        await consumer.stop()
    latencies = [(received[str(i).encode()] - when) * 1000 for i, when in enumerate(due)]
    return count / (max(received.values()) - due[0]), latencies


async def run_kafka_baseline(bootstrap: str, rate: float, seconds: float) -> Row:
    """The same payloads, at the same open-loop rate, through bare aiokafka: the cost of Kafka alone."""
    topic = f"bench-baseline-{uuid.uuid4().hex[:6]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, CASE_EVENTS.partitions, 1)])
    await admin.close()
    throughput, latencies = await produce_and_follow(bootstrap, topic, topic, rate, seconds)
    return Row("baseline: bare aiokafka produce → consume", throughput, latencies)


async def run_chain_baseline(
    bootstrap: str, rate: float, seconds: float, *, folder: Path | None
) -> tuple[Row, str]:
    """The same load through the three-hop chain of `bench.chain` (with a SQLite inbox and outbox per
    hop when ``folder`` is given): its row, and the CPU each hop spent per 1000 letters."""
    async with chain(bootstrap, CASE_EVENTS.partitions, folder) as running:
        before = running.cpu()
        throughput, latencies = await produce_and_follow(
            bootstrap, running.topics["in"], running.topics["out"], rate, seconds
        )
        await wait_for_no_lag(bootstrap, running.groups, timeout=30)
        spent = {name: cpu - before[name] for name, cpu in running.cpu().items()}
    name = "floor: chain, SQLite inbox+outbox" if folder is not None else "baseline: bare 3-hop chain"
    return Row(name, throughput, latencies), cpu_line(spent, int(rate * seconds))


def cpu_line(spent: dict[str, float], letters: int) -> str:
    per = ", ".join(f"{name} {1000 * seconds / max(letters, 1):.1f}" for name, seconds in spent.items())
    return f"CPU s per 1000 letters: {per}"


async def run_plumbing_baseline(bootstrap: str, rate: float, seconds: float, folder: Path) -> Row:
    """The same load through the chain built of civic's own plumbing with use cases that decide
    nothing (`bench.plumbing`): what the delivery code costs before any use case runs."""
    async with plumbing(bootstrap, folder) as running:
        before = running.cpu()
        through, latencies, elapsed = await run_load(
            bootstrap, running.topic, rate, seconds, drain_seconds=PLUMBING_DRAIN_SECONDS
        )
        await wait_for_no_lag(bootstrap, running.groups, timeout=60)
        spent = {name: cpu - before[name] for name, cpu in running.cpu().items()}
    offered = int(rate * seconds)
    note = f"{cpu_line(spent, offered)}; through {through} of {offered}"
    return Row("plumbing: chain of civic's consumer+outbox", through / max(elapsed, 1e-9), latencies, note)


PLUMBING_DRAIN_SECONDS = 300.0
"""How long the plumbing's chain may take after its load (it may carry less than is offered)."""


async def baselines(bootstrap: str, rate: float, seconds: float, folder: Path) -> list[Row]:
    """Kafka alone, the bare chain, the chain with the architecture's floor, and the chain through
    civic's own plumbing, one after the other."""
    kafka = await run_kafka_baseline(bootstrap, rate, seconds)
    bare, bare_cpu = await run_chain_baseline(bootstrap, rate, seconds, folder=None)
    floor, floor_cpu = await run_chain_baseline(bootstrap, rate, seconds, folder=folder)
    bare.note, floor.note = bare_cpu, floor_cpu
    ours = await run_plumbing_baseline(bootstrap, rate, seconds, folder / "plumbing")
    return [kafka, bare, floor, ours]


async def closed_loop(port: int, seconds: float, concurrency: int) -> Row:
    """``concurrency`` requests always in flight for ``seconds``: the most the endpoint answers."""
    loop = OpenLoop("127.0.0.1", port, MAILBOX_PATH, max_connections=concurrency)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    stop = time.perf_counter() + seconds

    async def worker(w: int) -> None:
        i = 0
        while time.perf_counter() < stop:
            sent = Sent(due=time.perf_counter())
            await loop.post_one(sent, json.dumps(letter(w * 1_000_000 + i), ensure_ascii=False).encode())
            statuses[sent.status] = statuses.get(sent.status, 0) + 1
            latencies.append((sent.answered - sent.due) * 1000)
            i += 1

    begin = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    elapsed = time.perf_counter() - begin
    await loop.close()
    ok = statuses.get(201, 0)
    return Row("", ok / elapsed, latencies, note=f"answers {dict(sorted(statuses.items()))}")


async def section_intake(bootstrap: str, folder: Path, seconds: float, concurrency: int) -> list[str]:
    async with installed(bootstrap, folder / "intake-alone", services=("intake",)) as installation:
        civic = await closed_loop(installation.intake.port, seconds, concurrency)
    port, topic = free_port(), f"bench-bare-{uuid.uuid4().hex[:6]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, CASE_EVENTS.partitions, 1)])
    await admin.close()
    bare = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench.bare_intake", "--port", str(port), "--bootstrap", bootstrap),
        *("--topic", topic),
        start_new_session=True,
    )
    try:
        await ServiceProcess("bare", port, {}, folder / "bare.log").wait_healthy(timeout=60)
        baseline = await closed_loop(port, seconds, concurrency)
    finally:
        if bare.returncode is None:
            bare.terminate()
        await bare.wait()
    civic.name, baseline.name = "intake (outbox, durable commit)", "baseline: bare FastAPI → Kafka"
    return [
        f"intake alone, closed loop, {concurrency} in flight, {seconds:.0f} s",
        HEADER,
        civic.line(),
        baseline.line(),
        f"intake / bare endpoint: {100 * civic.throughput / max(baseline.throughput, 1e-9):.0f} %",
    ]


def pipeline_lines(title: str, run: PipelineRun, compared: Sequence[Row]) -> list[str]:
    rows = [
        Row(
            "civic POST answered (201)",
            run.accepted / max(run.seconds_to_last, 1e-9),
            run.latencies["answered"],
        ),
        Row("civic POST → case.assigned", run.throughput, run.latencies["case.assigned"]),
        Row("civic POST → deadline.set", run.throughput, run.latencies["deadline.set"]),
    ]
    lines = [title, HEADER, *(row.line() for row in rows), *(row.line() for row in compared)]
    for row in compared:
        ratio = row.throughput / max(run.throughput, 1e-9)
        p99 = percentile(run.latencies["deadline.set"], 99) / max(percentile(row.latencies_ms, 99), 1e-9)
        lines.append(
            f"  {row.name.split(':')[1].strip()}: {ratio:.1f}× civic's throughput; civic's p99 {p99:.0f}× its p99"
        )
    missing = "lost" if run.lag_zero_after is not None else "not through yet"
    lines.append(
        f"offered {run.offered}, accepted {run.accepted}, refused {run.refused}, unanswered "
        f"{run.unanswered}, through {run.through}, {missing} {run.missing}, doubled {run.doubled}"
    )
    if run.lag_zero_after is None:
        lines.append("lag: the letters did not all come through within the drain time")
    else:
        drains = ", ".join(f"{group} {seconds:.1f}" for group, seconds in sorted(run.lag_zero_after.items()))
        lines.append(f"s from the load's end until each group's lag stayed 0: {drains}")
    lines.append(cpu_line(run.cpu, run.accepted))
    return [*lines, *run.profile]


async def main_async(args: argparse.Namespace) -> None:
    every = {"sustained", "postgres", "latency", "intake", "instances"}  # plumbing: with --only
    sections = set(args.only.split(",")) if args.only else every
    postgres = args.postgres or os.environ.get("BENCH_POSTGRES_URL")

    def profiled(section: str) -> Path | None:
        return args.profile / section if args.profile is not None else None

    def say(lines: list[str]) -> None:
        print("\n".join(lines), flush=True)

    with tempfile.TemporaryDirectory(prefix="civic-bench-") as tmp:
        folder = Path(tmp)
        broker: LocalKafka | None = None
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            broker = LocalKafka(folder / "kafka")
            broker.start()
            await broker.wait_ready()
            bootstrap = broker.bootstrap_servers
        try:
            compared: list[Row] = []
            if "sustained" in sections:
                async with installed(bootstrap, folder / "sustained") as installation:
                    run = await run_pipeline(
                        installation, args.rate, args.seconds, args.drain_seconds, profiled("sustained")
                    )
                compared = await baselines(bootstrap, args.rate, args.seconds, folder / "chain")
                title = f"sustained: {args.rate:g}/s offered for {args.seconds:g} s, SQLite"
                say([*pipeline_lines(title, run, compared), ""])
            if "postgres" in sections and postgres:
                async with installed(bootstrap, folder / "sustained-pg", postgres=postgres) as installation:
                    run = await run_pipeline(installation, args.rate, args.seconds, args.drain_seconds)
                compared = compared or await baselines(bootstrap, args.rate, args.seconds, folder / "chain")
                title = f"sustained: {args.rate:g}/s offered for {args.seconds:g} s, PostgreSQL"
                say([*pipeline_lines(title, run, compared), ""])
            if "latency" in sections:
                async with installed(bootstrap, folder / "latency") as installation:
                    run = await run_pipeline(
                        installation,
                        args.latency_rate,
                        args.latency_seconds,
                        args.drain_seconds,
                        profiled("latency"),
                    )
                compared = await baselines(
                    bootstrap, args.latency_rate, args.latency_seconds, folder / "chain-latency"
                )
                title = f"latency: {args.latency_rate:g}/s open loop for {args.latency_seconds:g} s, from each due time"
                say([*pipeline_lines(title, run, compared), ""])
            if "plumbing" in sections:  # the plumbing's row alone, at --rate (for work on the plumbing)
                row = await run_plumbing_baseline(bootstrap, args.rate, args.seconds, folder / "plumbing")
                say(
                    [
                        f"plumbing alone: {args.rate:g}/s offered for {args.seconds:g} s",
                        HEADER,
                        row.line(),
                        "",
                    ]
                )
            if "intake" in sections:
                say([*await section_intake(bootstrap, folder, args.intake_seconds, args.concurrency), ""])
            if "instances" in sections:
                async with installed(
                    bootstrap, folder / "instances", second_instances=("routing", "tracking")
                ) as installation:
                    run = await run_pipeline(
                        installation, args.instances_rate, args.instances_seconds, args.drain_seconds
                    )
                title = (
                    f"two instances of routing and of tracking: {args.instances_rate:g}/s for "
                    f"{args.instances_seconds:g} s"
                )
                say([*pipeline_lines(title, run, []), ""])
        finally:
            if broker is not None:
                broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated: sustained,postgres,latency,intake,instances (and plumbing: its row alone)",
    )
    parser.add_argument("--rate", type=float, default=500.0, help="letters offered a second (sustained)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--latency-rate", type=float, default=100.0)
    parser.add_argument("--latency-seconds", type=float, default=30.0)
    parser.add_argument("--intake-seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (intake alone)")
    parser.add_argument("--instances-rate", type=float, default=100.0)
    parser.add_argument("--instances-seconds", type=float, default=30.0)
    parser.add_argument(
        "--drain-seconds", type=float, default=60.0, help="how long the letters may take after the load"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="folder: sample every service with py-spy during the sustained and latency loads",
    )
    parser.add_argument("--postgres", default=None, help="admin URL (postgresql+asyncpg://…/postgres)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
