"""The fault rig: the four services as processes on their own broker and databases, a stream of
submissions of all three channels sent as a careful client sends them, and the count of what became of
each — from the topics and the databases, never from logs.

    submitted      submissions the client set out to send (each once, with its own Idempotency-Key)
    accepted       of them, answered 201 (after retrying 503 answers as Retry-After says)
    assigned       accepted cases with a ``case.assigned`` on ``case-events``
    with deadline  accepted cases with their channel's clock set (``deadline.set``: the reply clock,
                   or a comment's adoption-report clock)
    dead-lettered  records on the ``.dlq`` topics, less those of deliberately poisoned messages
    doubled        accepted submissions with an effect twice: two cases for one submission, two
                   assignments, two "已转办" in the citizen's timeline, two history lines of one
                   assignment, two ledger lines of one event on one clock
    lost           accepted submissions missing anywhere: intake's record and view, routing's task,
                   tracking's clock, publishing's record, or the events above
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from deploy.kafka.local import LocalKafka, create_topics, free_port
from deploy.processes import ServiceProcess, start_services, stop_services
from shared.db import Database
from shared.events import decode_event
from shared.topics import ALL_TOPICS, Topics
from tests.support.kafka import Record, TopicReader
from tests.support.office import SERVICES, Staff
from tests.support.state import at_rest

SECRET = "fault-rig-secret-at-least-32-bytes-long!!"
POISON = b"\x00poison: not an event\x00"
REPORT = "CIVIC_FAULTS_REPORT"
"""Where each fault's row is appended (JSON lines), for ``make faults`` to print as a table."""

GROUPS = {
    "intake-case-view": "case-events",
    "intake-consultations": "consultation-events",
    "intake-notify-cases": "case-events",
    "intake-notify-consultations": "consultation-events",
    "routing": "case-events",
    "routing-similarity": "case-events",
    "routing-calendar": "calendar-events",
    "tracking": "case-events",
    "tracking-consultations": "consultation-events",
    "tracking-calendar": "calendar-events",
    "publishing": "case-events",
    "publishing-calendar": "calendar-events",
}


@dataclass
class Row:
    fault: str
    database: str
    submitted: int = 0
    accepted: int = 0
    assigned: int = 0
    with_deadline: int = 0
    dead_lettered: int = 0
    doubled: int = 0
    lost: int = 0
    unavailable: int = 0
    """503 answers the client met (and retried)."""
    poisoned: int = 0
    """Dead letters of the deliberately poisoned messages, counted apart."""
    failures: list[str] = field(default_factory=list)
    """What exactly was lost or doubled, for the assertion message."""

    def record(self) -> None:
        path = os.environ.get(REPORT)
        if path:
            with Path(path).open("a") as report:
                report.write(json.dumps({k: v for k, v in asdict(self).items() if k != "failures"}) + "\n")


@dataclass
class Rig:
    """One installation under test: its broker, its databases, its service processes."""

    home: Path
    kafka: LocalKafka
    topics: Topics
    urls: dict[str, str]
    backend: str
    env: dict[str, str]
    processes: list[ServiceProcess] = field(default_factory=list)
    submitted: dict[str, str] = field(default_factory=dict)
    """Marker of each submission → its case id once accepted."""
    unavailable: int = 0
    consultation: str = ""

    @property
    def bootstrap(self) -> str:
        return self.kafka.bootstrap_servers

    def url(self, name: str) -> str:
        return next(p.url for p in self.processes if p.name == name)

    def start(self, names: tuple[str, ...] = SERVICES, instance: str = "") -> list[ServiceProcess]:
        started = start_services(
            bootstrap_servers=self.bootstrap,
            data_dir=self.home,
            ports={name: free_port() for name in names},
            topic_prefix=self.topics.prefix,
            extra_env=self.env,
            instance=instance,
        )
        self.processes += started
        return started

    async def healthy(self, processes: list[ServiceProcess] | None = None) -> None:
        await asyncio.gather(*(p.wait_healthy(timeout=120) for p in processes or self.processes))

    def stop(self) -> None:
        stop_services(self.processes)
        self.processes = []

    def logs(self) -> str:
        return "\n".join(f"----- {p.label} -----\n{p.log_tail(60)}" for p in self.processes)

    async def open_consultation(self) -> None:
        staff = Staff(SECRET)
        today = time.strftime("%Y-%m-%d")
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.post(
                f"{self.url('publishing')}/api/v1/consultations",
                headers=staff.admin,
                json={
                    "title": "《人民防空工程维护管理办法（征求意见稿）》",
                    "summary": "公开征求意见。",
                    "draft_text": "第一条 为规范人防工程维护管理，制定本办法。",
                    "opens_on": today,
                    "closes_on": f"{int(today[:4]) + 1}{today[4:]}",
                },
            )
            response.raise_for_status()
            self.consultation = response.json()["id"]

            async def known_to_intake() -> bool:  # intake learns of it from consultation-events
                probe = await http.post(
                    f"{self.url('intake')}/api/v1/consultations/{self.consultation}/comments",
                    json={"body": "探测"},
                    headers={"Idempotency-Key": "probe"},
                )
                return probe.status_code == 201

            deadline = time.monotonic() + 60
            while not await known_to_intake():
                assert time.monotonic() < deadline, "intake never heard of the consultation"
                await asyncio.sleep(0.3)

    async def stream(
        self,
        count: int,
        *,
        faults: dict[int, Callable[[], Coroutine[Any, Any, None]]] | None = None,
        concurrency: int = 4,
    ) -> None:
        """Send ``count`` submissions (letters, disclosure requests, comments in turn); before the n-th
        one starts, run ``faults[n]`` (the stream goes on meanwhile)."""
        faults = dict(faults or {})
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(count):
            queue.put_nowait(n)
        running: list[asyncio.Task[None]] = []

        async with httpx.AsyncClient(timeout=60) as http:

            async def worker() -> None:
                while not queue.empty():
                    n = queue.get_nowait()
                    if n in faults:
                        running.append(asyncio.create_task(faults.pop(n)()))
                    await self._submit(http, n)

            await asyncio.gather(*(worker() for _ in range(concurrency)))
            await asyncio.gather(*running)

    async def _submit(self, http: httpx.AsyncClient, n: int) -> None:
        marker = f"FAULT-{self.topics.prefix}{n:04d}"
        path, body = _submission(n, marker, self.consultation)
        self.submitted[marker] = ""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                response = await http.post(
                    f"{self.url('intake')}{path}", json=body, headers={"Idempotency-Key": marker}
                )
            except httpx.TransportError:
                await asyncio.sleep(1)
                continue
            if response.status_code == 201:
                self.submitted[marker] = response.json()["case_id"]
                return
            assert response.status_code == 503, f"{marker}: {response.status_code} {response.text}"
            assert "Retry-After" in response.headers
            self.unavailable += 1
            await asyncio.sleep(min(float(response.headers["Retry-After"]), 5.0) * random.uniform(0.5, 1.0))
        raise AssertionError(f"{marker} was never accepted")

    async def rest(self, timeout: float = 240) -> None:
        groups = {f"{self.topics.prefix}{g}": f"{self.topics.prefix}{t}" for g, t in GROUPS.items()}
        await at_rest(self.bootstrap, groups, list(self.urls.values()), timeout=timeout)

    async def poison(self, count: int = 2) -> None:
        from aiokafka import AIOKafkaProducer

        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap)
        await producer.start()
        try:
            for n in range(count):
                await producer.send_and_wait(self.topics.case_events, POISON, key=f"poison-{n}".encode())
        finally:
            await producer.stop()

    async def count(self, fault: str) -> Row:
        """What became of every submission, from the topics and the databases."""
        row = Row(fault, self.backend, submitted=len(self.submitted), unavailable=self.unavailable)
        accepted = {marker: case for marker, case in self.submitted.items() if case}
        row.accepted = len(accepted)
        cases = set(accepted.values())
        events = await _read_all(self.bootstrap, self.topics.case_events)
        assignments: dict[str, set[str]] = {}
        clocked: set[str] = set()
        for envelope in events:
            if envelope["subject"] not in cases:
                continue
            if envelope["type"] == "case.assigned":
                assignments.setdefault(envelope["subject"], set()).add(envelope["id"])
            if envelope["type"] == "deadline.set" and envelope["data"]["clock"] in (
                "reply",
                "adoption_report",
            ):
                clocked.add(envelope["subject"])
        row.assigned = len(assignments)
        row.with_deadline = len(clocked)
        dead = [r for spec in ALL_TOPICS for r in await _records(self.bootstrap, self.topics.dlq(spec))]
        row.poisoned = sum(r.value == POISON for r in dead)
        row.dead_lettered = len(dead) - row.poisoned

        present = await self._present(cases)
        doubled: Counter[str] = Counter()
        per_marker = await self._cases_per_marker()
        for marker in accepted:
            if per_marker.get(marker, 0) > 1:
                doubled[accepted[marker]] += 1
        for case, ids in assignments.items():
            if len(ids) > 1:
                doubled[case] += 1
        for case in await self._doubled_effects(cases):
            doubled[case] += 1
        row.doubled = len(doubled)
        missing = {
            case: [where for where, found in present.items() if case not in found]
            + (["case.assigned"] if case not in assignments else [])
            + (["deadline.set"] if case not in clocked else [])
            for case in cases
        }
        lost = {case: where for case, where in missing.items() if where}
        row.lost = len(lost) + (row.submitted - row.accepted)
        row.failures = [f"lost {c}: {w}" for c, w in list(lost.items())[:5]] + [
            f"doubled {c}" for c in list(doubled)[:5]
        ]
        return row

    async def _query(self, service: str, sql: str) -> list[tuple[Any, ...]]:
        database = Database(self.urls[service], [])
        try:
            async with database.engine.connect() as conn:
                return [tuple(r) for r in (await conn.execute(text(sql))).all()]
        finally:
            await database.dispose()

    async def _present(self, cases: set[str]) -> dict[str, set[str]]:
        """Where each case is: intake's submission and view, routing's task, tracking's clock,
        publishing's record."""
        queries = {
            "intake submission": ("intake", "SELECT case_id FROM intake_submission"),
            "citizen view": ("intake", "SELECT case_id FROM intake_case_view WHERE status <> 'received'"),
            "routing task": ("routing", "SELECT case_id FROM routing_task WHERE state = 'assigned'"),
            "tracking clock": ("tracking", "SELECT DISTINCT case_id FROM tracking_clock"),
            "publishing record": ("publishing", "SELECT case_id FROM publishing_case"),
        }
        found = {}
        for where, (service, sql) in queries.items():
            found[where] = {str(r[0]) for r in await self._query(service, sql)} & cases
        return found

    async def _cases_per_marker(self) -> Counter[str]:
        rows = await self._query("intake", "SELECT content FROM intake_submission")
        markers: Counter[str] = Counter()
        for (content,) in rows:
            document = content if isinstance(content, dict) else json.loads(content)
            text_ = json.dumps(document, ensure_ascii=False)
            for marker in (m for m in self.submitted if m in text_):
                markers[marker] += 1
        return markers

    async def _doubled_effects(self, cases: set[str]) -> set[str]:
        doubled: set[str] = set()
        for case_id, timeline in await self._query(
            "intake", "SELECT case_id, timeline FROM intake_case_view"
        ):
            entries = timeline if isinstance(timeline, list) else json.loads(timeline)
            if sum(e["event"] == "case.assigned" for e in entries) > 1:
                doubled.add(str(case_id))
        history = await self._query(
            "routing",
            "SELECT case_id FROM routing_case_history WHERE event = 'case.assigned' "
            "GROUP BY case_id HAVING count(*) > 1",
        )
        doubled |= {str(r[0]) for r in history}
        ledger = await self._query(
            "tracking",
            "SELECT c.case_id FROM tracking_clock_ledger l JOIN tracking_clock c ON c.id = l.clock_id "
            "WHERE l.event_id <> '' GROUP BY c.case_id, l.clock_id, l.event_id HAVING count(*) > 1",
        )
        doubled |= {str(r[0]) for r in ledger}
        return doubled & cases


def _submission(n: int, marker: str, consultation: str) -> tuple[str, dict[str, Any]]:
    kind = n % 3
    if kind == 0:
        return "/api/v1/mailbox-messages", {
            "mailbox": "civil-air-defence",
            "category": "咨询",
            "subject": f"人防工程停车 {marker}",
            "body": f"请问小区地下人防工程平时可以停车吗？（{marker}）",
            "contact": {"name": "王小明", "phone": "13800138000"},
            "publish_consent": n % 2 == 0,
        }
    if kind == 1:
        return "/api/v1/disclosure-requests", {
            "applicant": {
                "type": "natural_person",
                "name": "李四",
                "id_number": "11010519491231002X",
                "phone": "13912345678",
            },
            "description": f"本市防空地下室易地建设费收缴情况（{marker}）",
            "delivery_form": "electronic",
            "delivery_method": "online",
        }
    return f"/api/v1/consultations/{consultation}/comments", {
        "body": f"建议明确人防车位收费标准。（{marker}）"
    }


async def _records(bootstrap: str, topic: str) -> list[Record]:
    reader = await TopicReader(bootstrap, topic).start()
    try:
        await reader.settle(1.0)
        return list(reader.records)
    finally:
        await reader.stop()


async def _read_all(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    events = []
    for record in await _records(bootstrap, topic):
        try:
            envelope, _ = decode_event(record.value)
        except ValueError:
            continue
        events.append(json.loads(envelope.model_dump_json()))
    return events


class PostgresCluster:
    """A PostgreSQL cluster of the fault tier's own (Debian's pg_createcluster), so that restarting it
    disturbs no other test: ``pg_ctlcluster VERSION NAME restart``."""

    def __init__(self, version: str, name: str, port: int) -> None:
        self.version, self.name, self.port = version, name, port

    @property
    def admin_url(self) -> str:
        return f"postgresql+asyncpg://civic:civic@127.0.0.1:{self.port}/postgres"

    @classmethod
    def create(cls) -> PostgresCluster:
        version = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: [int(p) for p in v.split(".")])[-1]
        cluster = cls(version, f"civicfaults{uuid.uuid4().hex[:6]}", free_port())
        _sh(["pg_createcluster", version, cluster.name, "-p", str(cluster.port), "--start"])
        _sh(
            [
                "su",
                "postgres",
                "-c",
                f"psql -q -p {cluster.port} -c \"CREATE ROLE civic LOGIN CREATEDB PASSWORD 'civic'\"",
            ]
        )
        return cluster

    def restart(self) -> None:
        _sh(["pg_ctlcluster", self.version, self.name, "restart"])

    def drop(self) -> None:
        _sh(["pg_dropcluster", "--stop", self.version, self.name])

    async def database(self, name: str) -> str:
        database = Database(self.admin_url, [], isolation_level="AUTOCOMMIT")
        try:
            async with database.engine.connect() as conn:
                await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            await database.dispose()
        return self.admin_url.rsplit("/", 1)[0] + f"/{name}"


def _sh(command: list[str]) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def new_rig(home: Path, cluster: PostgresCluster | None) -> Rig:
    """A broker of its own, fresh databases (on ``cluster`` when given, else SQLite files)."""
    kafka = LocalKafka(home / "kafka")
    kafka.start()
    await kafka.wait_ready()
    topics = Topics(f"f{uuid.uuid4().hex[:6]}-")
    await create_topics(kafka.bootstrap_servers, topics)
    env = {
        "CIVIC_JWT_SECRET": SECRET,
        "CIVIC_ENV": "test",
        "INTAKE_SUBMISSIONS_PER_CLIENT": "100000",
        "TRACKING_ALARM_CHECK_SECONDS": "3600",
    }
    urls = {}
    for service in SERVICES:
        if cluster is None:
            urls[service] = f"sqlite+aiosqlite:///{home / f'{service}.db'}"
        else:
            urls[service] = await cluster.database(f"{topics.prefix.strip('-')}_{service}")
            env[f"{service.upper()}_DATABASE_URL"] = urls[service]
    return Rig(home, kafka, topics, urls, "postgresql" if cluster else "sqlite", env)
