"""The benchmark's instruments: an open-loop HTTP load, a follower of the case topic, consumer lag.

Open loop: request ``i`` is due at ``start + i / rate`` whatever happened to the others, and its
latency is counted from that due time — a slow answer delays no later send, so a system that falls
behind shows it in its latencies instead of hiding it (no coordinated omission). The client speaks
HTTP/1.1 over plain asyncio streams, with keep-alive connections opened as needed: a few
microseconds a request, so the load generator does not take the cores the services need.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

__all__ = ["Follower", "OpenLoop", "Sent", "lag", "letter", "percentile", "wait_for_no_lag"]

TYPE_HEADER = "ce-type"


def letter(i: int) -> dict[str, Any]:
    return {
        "mailbox": "civil-air-defence",
        "category": "咨询",
        "subject": f"人防工程使用咨询 {i}",
        "body": "请问小区地下人防工程平时能否作为停车场使用？收费标准由谁制定？" * 3,
        "contact": {"name": "张三丰", "phone": "13812345678"},
        "publish_consent": i % 2 == 0,
    }


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


@dataclass
class Sent:
    due: float
    """When the request was to be sent (``time.perf_counter``): latencies count from here."""
    answered: float = 0.0
    status: int = 0
    body: dict[str, Any] = field(default_factory=dict)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def post(self, host: str, path: str, body: bytes) -> tuple[int, bytes]:
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, chunked = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await self.reader.readexactly(length)
        body = b""
        while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
            body += (await self.reader.readexactly(size + 2))[:-2]
        await self.reader.readuntil(b"\r\n")
        return status, body


class OpenLoop:
    """POSTs ``body(i)`` to ``url`` at ``rate`` a second for ``seconds``; every request's outcome."""

    def __init__(self, host: str, port: int, path: str, max_connections: int = 512) -> None:
        self.host, self.port, self.path = host, port, path
        self._idle: list[_Connection] = []
        self._open = 0
        self._max = max_connections
        self._freed = asyncio.Condition()

    async def _take(self, *, fresh: bool = False) -> _Connection:
        async with self._freed:
            while not self._idle and self._open >= self._max:
                await self._freed.wait()
            if self._idle and not fresh:
                return self._idle.pop()
            self._open += 1
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return _Connection(reader, writer)

    async def _give_back(self, connection: _Connection | None) -> None:
        async with self._freed:
            if connection is None:
                self._open -= 1
            else:
                self._idle.append(connection)
            self._freed.notify()

    async def post_one(self, sent: Sent, payload: bytes) -> None:
        """Send one request on a free connection; its answer and status go into ``sent``. A kept-alive
        connection the server closed while idle (uvicorn does after 5 s) is replaced once."""
        for attempt in (1, 2):
            connection = await self._take(fresh=attempt == 2)
            try:
                status, raw = await connection.post(f"{self.host}:{self.port}", self.path, payload)
                break
            except (OSError, asyncio.IncompleteReadError):
                connection.writer.close()
                await self._give_back(None)
                if attempt == 2:
                    sent.answered = time.perf_counter()
                    return
        sent.answered = time.perf_counter()
        sent.status = status
        try:
            sent.body = json.loads(raw) if raw else {}
        except ValueError:
            sent.body = {"unreadable": raw[:200].decode(errors="replace")}
        await self._give_back(connection)

    async def run(
        self, rate: float, seconds: float, body: Callable[[int], dict[str, Any]], grace: float = 15.0
    ) -> list[Sent]:
        """Requests still unanswered ``grace`` seconds after the last was due are given up (status 0):
        a system that cannot keep up shows it as a rate, not as a benchmark that never ends."""
        count = int(rate * seconds)
        start = time.perf_counter() + 0.05
        sent = [Sent(due=start + i / rate) for i in range(count)]
        tasks = []
        for i, item in enumerate(sent):
            delay = item.due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            payload = json.dumps(body(i), ensure_ascii=False).encode()
            tasks.append(asyncio.create_task(self.post_one(item, payload)))
        _, pending = await asyncio.wait(tasks, timeout=max(sent[-1].due - time.perf_counter(), 0) + grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return sent

    async def close(self) -> None:
        for connection in self._idle:
            connection.writer.close()
        self._idle.clear()


class Follower:
    """Reads ``topic`` from its end and notes when each (case, type) first appears, by the record's
    key and ``ce-type`` header; the wanted types' ids and clocks are read from the JSON (no model),
    so following costs the benchmark little."""

    def __init__(self, bootstrap: str, topic: str, kinds: frozenset[str]) -> None:
        self.seen: dict[tuple[str, str], float] = {}
        self.ids: dict[tuple[str, str, str], set[str]] = {}
        """The distinct event ids of each (case, type, clock): more than one is a decision taken twice
        (a redelivered record keeps its id and is not counted)."""
        self._kinds = kinds
        self._consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=f"bench-follower-{uuid.uuid4().hex[:6]}",
            auto_offset_reset="latest",
            enable_auto_commit=False,
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        while not self._consumer.assignment():  # joined: what is sent from now on is read
            await self._consumer.getmany(timeout_ms=100)
        for partition in self._consumer.assignment():
            await self._consumer.position(partition)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    kind = next((v.decode() for k, v in record.headers or () if k == TYPE_HEADER), "")
                    if kind in self._kinds and record.key is not None and record.value is not None:
                        case = record.key.decode()
                        self.seen.setdefault((case, kind), now)
                        event = json.loads(record.value)
                        clock = str((event.get("data") or {}).get("clock", ""))
                        self.ids.setdefault((case, kind, clock), set()).add(str(event.get("id")))

    def doubled(self, cases: Sequence[str]) -> int:
        """How many of ``cases`` had a decision taken twice (two events for one case, type and clock)."""
        wanted = set(cases)
        return len({case for (case, _, _), ids in self.ids.items() if case in wanted and len(ids) > 1})

    async def wait_for(self, cases: Sequence[str], kinds: Sequence[str], timeout: float) -> bool:
        """Until every case has every kind; False at the timeout."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if all((case, kind) in self.seen for case in cases for kind in kinds):
                return True
            await asyncio.sleep(0.05)
        return False

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()


async def lag(bootstrap: str, groups: Sequence[str]) -> dict[str, int]:
    """Each consumer group's lag: records on its topics' partitions it has not committed yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        committed: dict[str, dict[TopicPartition, int]] = {}
        for group in groups:
            offsets = await admin.list_consumer_group_offsets(group)
            committed[group] = {tp: meta.offset for tp, meta in offsets.items()}
        partitions = {tp for offsets in committed.values() for tp in offsets}
        ends = await consumer.end_offsets(list(partitions)) if partitions else {}
        return {
            group: sum(max(ends[tp] - offset, 0) for tp, offset in offsets.items())
            for group, offsets in committed.items()
        }
    finally:
        await consumer.stop()
        await admin.close()


async def wait_for_no_lag(bootstrap: str, groups: Sequence[str], timeout: float) -> dict[str, float] | None:
    """For each group, the seconds until its lag was 0 and stayed 0 (polled every 0.1 s) until every
    group's was: a group that follows another drains after it. None past ``timeout``."""
    start = time.perf_counter()
    drained: dict[str, float] = {}
    while time.perf_counter() - start < timeout:
        now = time.perf_counter() - start
        for group, behind in (await lag(bootstrap, groups)).items():
            if behind:
                drained.pop(group, None)
            else:
                drained.setdefault(group, now)
        if len(drained) == len(groups):
            return drained
        await asyncio.sleep(0.1)
    return None
