"""The pipeline's own plumbing, with nothing to decide: the three-hop chain of `bench.chain` built from
civic's delivery code instead of bare aiokafka and sqlite3.

Each hop is a `shared.runtime.ServiceRuntime` in its own process, as a service is: FastStream batch
subscribers, the CloudEvents envelope decoded and checked, one SQLAlchemy transaction per batch on
aiosqlite with the inbox rows and the outbox rows, the outbox relay, the offset commit — and a use case
that decides nothing: ``routing`` answers each ``submission.received`` with a ``case.assigned``,
``tracking`` each ``case.assigned`` with a ``deadline.set``, ``publishing`` reads ``case.assigned`` and
announces nothing. The load is produced straight to ``case-events`` (no HTTP). What separates this row
from the floor (`bench.chain --database`) is the cost of the plumbing; what separates the services from
this row is the cost of the use cases and their state.

    python -m bench.plumbing hop --bootstrap HOST:PORT --prefix P --hop routing --data-dir DIR
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaProducer

from bench.cpu import cpu_seconds
from bench.load import Follower
from deploy.kafka.local import create_topics
from shared.codes import Channel, ClockKind
from shared.consumer import TYPE_HEADER
from shared.dates import today
from shared.events import (
    CaseAssigned,
    DeadlineSet,
    Envelope,
    EventPayload,
    MailboxContent,
    SubmissionReceived,
    encode_event,
    new_event,
)
from shared.kafka import CLOUDEVENTS_CONTENT_TYPE
from shared.migrations import ServiceSchema
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.topics import CASE_EVENTS, Topics

__all__ = ["HOPS", "Plumbing", "plumbing", "run_load"]

HOPS = ("routing", "tracking", "publishing")


async def _assign(_session: object, envelope: Envelope, payload: SubmissionReceived) -> list[EventPayload]:
    return [
        CaseAssigned(
            case_id=payload.case_id,
            channel=payload.channel,
            department_id="engineering",
            department_name="人防工程管理处",
            reason="bench",
            assigned_on=payload.receipt_date,
        )
    ]


async def _set_deadline(_session: object, _envelope: Envelope, payload: CaseAssigned) -> list[EventPayload]:
    return [
        DeadlineSet(
            case_id=payload.case_id,
            clock=ClockKind.REPLY,
            due_date=payload.assigned_on,
            provisional=False,
            cause=CaseAssigned.event_type,
            note="bench",
        )
    ]


async def _follow(_session: object, _envelope: Envelope, _payload: CaseAssigned) -> list[EventPayload]:
    return []


USE_CASES = {
    "routing": {SubmissionReceived: _assign},
    "tracking": {CaseAssigned: _set_deadline},
    "publishing": {CaseAssigned: _follow},
}


async def run_hop(bootstrap: str, prefix: str, hop: str, data_dir: Path) -> None:
    settings = ServiceSettings.model_validate(
        {
            "service_name": f"plumbing-{hop}",
            "CIVIC_ENV": "test",
            "CIVIC_DATA_DIR": str(data_dir),
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "CIVIC_TOPIC_PREFIX": prefix,
        }
    )
    runtime = ServiceRuntime(settings, ServiceSchema(settings.service_name, [], None))
    runtime.consume(hop, CASE_EVENTS, USE_CASES[hop])  # type: ignore[arg-type]
    async with runtime.running():
        await asyncio.Event().wait()


@dataclass
class Plumbing:
    topic: str
    groups: list[str]
    processes: list[asyncio.subprocess.Process]

    def cpu(self) -> dict[str, float]:
        return {hop: cpu_seconds(process.pid) for hop, process in zip(HOPS, self.processes, strict=True)}


@asynccontextmanager
async def plumbing(bootstrap: str, folder: Path) -> AsyncIterator[Plumbing]:
    """The hop processes on topics of their own prefix (created here), stopped afterwards."""
    topics = Topics(f"bench-plumbing-{uuid.uuid4().hex[:6]}-")
    await create_topics(bootstrap, topics)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    processes = [
        await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bench.plumbing", "hop", "--bootstrap", bootstrap),
            *("--prefix", topics.prefix, "--hop", hop, "--data-dir", str(folder)),
            start_new_session=True,
        )
        for hop in HOPS
    ]
    try:
        yield Plumbing(topics.case_events, [f"{topics.prefix}{hop}" for hop in HOPS], processes)
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            await process.wait()


def _submission(case_id: uuid.UUID, i: int) -> bytes:
    payload = SubmissionReceived(
        case_id=case_id,
        channel=Channel.MAILBOX,
        received_at=datetime.now(UTC),
        receipt_date=today(),
        mailbox=MailboxContent(
            mailbox="civil-air-defence", category="咨询", subject=f"压测{i}", body="人防工程车位能否出租？"
        ),
    )
    return encode_event(new_event(payload, source="/bench"))


async def run_load(
    bootstrap: str, topic: str, rate: float, seconds: float, drain_seconds: float
) -> tuple[int, list[float], float]:
    """``submission.received`` produced open-loop at ``rate`` to ``topic`` after one warm-up: how many
    came out as ``deadline.set``, each one's latency from its due time (ms), and the seconds from the
    first due time to the last out."""
    follower = Follower(bootstrap, topic, frozenset({DeadlineSet.event_type}))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await follower.start()
    await producer.start()
    headers = [("content-type", CLOUDEVENTS_CONTENT_TYPE.encode()), (TYPE_HEADER, b"submission.received")]

    async def send(case: uuid.UUID, i: int) -> None:
        await producer.send_and_wait(topic, _submission(case, i), key=str(case).encode(), headers=headers)

    try:
        warm = uuid.uuid4()
        await send(warm, -1)
        if not await follower.wait_for([str(warm)], [DeadlineSet.event_type], timeout=120):
            raise RuntimeError("the plumbing's warm-up record did not come through")
        count = int(rate * seconds)
        start = time.perf_counter() + 0.05
        due = [start + i / rate for i in range(count)]
        cases = [uuid.uuid4() for _ in range(count)]
        tasks = []
        for i, when in enumerate(due):
            if (delay := when - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(cases[i], i)))
        await asyncio.gather(*tasks)
        names = [str(case) for case in cases]
        await follower.wait_for(names, [DeadlineSet.event_type], timeout=drain_seconds)
    finally:
        await producer.stop()
        await follower.stop()
    seen = follower.seen
    out = [
        (seen[(name, DeadlineSet.event_type)], when)
        for name, when in zip(names, due, strict=True)
        if (name, DeadlineSet.event_type) in seen
    ]
    latencies = [(at - when) * 1000 for at, when in out]
    last = max((at for at, _ in out), default=due[0])
    return len(out), latencies, last - due[0]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    hop = commands.add_parser("hop", help="run one hop until stopped")
    hop.add_argument("--bootstrap", required=True)
    hop.add_argument("--prefix", required=True)
    hop.add_argument("--hop", choices=HOPS, required=True)
    hop.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    with suppress(KeyboardInterrupt):
        asyncio.run(run_hop(args.bootstrap, args.prefix, args.hop, args.data_dir))


if __name__ == "__main__":
    main()
