"""The operator's ``civic`` command, run as the installed script (``.venv/bin/civic``) with nothing but
the environment the test gives it, against the real broker and real databases: each command does what
its help says, and a failure is one line on stderr with exit status 1, never a traceback."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from sqlmodel import SQLModel

from deploy.cli.calendar_file import CalendarFileError, read_calendar_file
from deploy.kafka.local import free_port
from services.intake.db import SCHEMA as INTAKE_SCHEMA
from services.publishing.db import SCHEMA as PUBLISHING_SCHEMA
from services.publishing.db import AppealRow, CaseRecord
from services.routing.db import SCHEMA as ROUTING_SCHEMA
from services.tracking.app import create_app as tracking_app
from services.tracking.config import TrackingSettings
from services.tracking.db import SCHEMA as TRACKING_SCHEMA
from shared.auth import verify_token
from shared.codes import ApplicantType, Channel, Outcome, Role
from shared.db import Database
from shared.events import CaseAssigned, Envelope, EventPayload
from shared.migrations import ServiceSchema, head_revision
from shared.outbox import OutboxMessage
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.topics import ALL_TOPICS, CASE_EVENTS, Topics
from tests.support.browser import served
from tests.support.databases import Databases
from tests.support.kafka import RawProducer, TopicReader
from tests.support.services import JWT_SECRET, settings_for

CIVIC = Path(sys.executable).parent / "civic"
OURS = ("KAFKA_", "CIVIC_", "INTAKE_", "ROUTING_", "TRACKING_", "PUBLISHING_", "OTEL_")
"""The prefixes of the settings: the command gets none of them but what a test gives it."""
SCHEMAS = {
    "intake": INTAKE_SCHEMA,
    "routing": ROUTING_SCHEMA,
    "tracking": TRACKING_SCHEMA,
    "publishing": PUBLISHING_SCHEMA,
}


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    def failed_with(self, *words: str) -> str:
        """The one line a failure says (asserted: exit 1, one line, no traceback, every word in it)."""
        assert self.code == 1, (self.code, self.out, self.err)
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        assert lines[0].startswith("Error: "), self.err
        for word in words:
            assert word in lines[0], (word, lines[0])
        return lines[0]


async def civic(*args: str, **settings: str) -> Ran:
    environment = {name: value for name, value in os.environ.items() if not name.startswith(OURS)}
    process = await asyncio.create_subprocess_exec(
        str(CIVIC),
        *args,
        env={**environment, "CIVIC_DATA_DIR": "/nonexistent/civic-data", **settings},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    assert "Traceback" not in err.decode(), err.decode()
    return Ran(process.returncode, out.decode(), err.decode())


def kafka(bootstrap: str, topics: Topics, **more: str) -> dict[str, str]:
    return {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "CIVIC_TOPIC_PREFIX": topics.prefix, **more}


# --- token ------------------------------------------------------------------------------------------


async def test_a_token_carries_the_claims_asked_for() -> None:
    ran = await civic(
        "token",
        "--role",
        "reviewer",
        "--role",
        "handler",
        "--department",
        "engineering",
        "--sub",
        "reviewer-2",
        "--hours",
        "1",
        CIVIC_JWT_SECRET=JWT_SECRET,
    )
    assert ran.code == 0, ran.err
    principal = verify_token(JWT_SECRET, ran.out.strip())
    assert (principal.sub, principal.department) == ("reviewer-2", "engineering")
    assert principal.roles == {Role.REVIEWER, Role.HANDLER}

    no_role = await civic("token", CIVIC_JWT_SECRET=JWT_SECRET)
    assert no_role.code == 2
    assert "--role" in no_role.err
    (await civic("token", "--role", "admin", CIVIC_ENV="production")).failed_with("CIVIC_JWT_SECRET")


# --- topics -----------------------------------------------------------------------------------------


async def _on_the_cluster(bootstrap: str, topic: str) -> tuple[int, dict[str, str]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (description,) = await admin.describe_topics([topic])
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    configs = {name: value for resource in response.resources for name, value, *_ in resource[4]}
    return len(description["partitions"]), configs


@pytest.mark.kafka
async def test_topics_are_created_described_and_altered_as_the_settings_want(kafka_bootstrap: str) -> None:
    topics = Topics(f"cli{uuid.uuid4().hex[:8]}-")
    env = kafka(kafka_bootstrap, topics, CIVIC_ENV="production")  # compose's topics job: it holds no secret
    case_events = topics.case_events

    before = await civic("topics", "describe", **env)
    assert before.code == 0, before.err
    assert re.search(rf"^{re.escape(case_events)}\s+missing\s+6 partitions\s+≠$", before.out, re.M)
    assert "8 of 8 topics differ from the settings" in before.out

    created = await civic("topics", "create", **env)
    assert created.code == 0, created.err
    assert sorted(created.out.splitlines()) == sorted(
        f"created {name}" for spec in ALL_TOPICS for name in (topics.name(spec), topics.dlq(spec))
    )
    assert "all 8 topics are as the settings want them" in (await civic("topics", "describe", **env)).out

    wanted = {**env, "CIVIC_TOPICS_RETENTION_MS": "604800000", "CIVIC_TOPICS_CASE_EVENTS_PARTITIONS": "8"}
    again = await civic("topics", "create", **wanted)
    assert again.code == 0, again.err
    assert f"{case_events} exists and differs from the settings (partitions, retention.ms)" in again.out
    partitions, configs = await _on_the_cluster(kafka_bootstrap, case_events)
    assert (partitions, configs["retention.ms"]) == (6, "-1"), "create changes no existing topic"

    described = await civic("topics", "describe", **wanted)
    block = described.out.split(f"{case_events}\n", 1)[1].split(f"{case_events}.dlq", 1)[0]
    assert re.search(r"^  partitions\s+6\s+8\s+≠$", block, re.M), block
    assert re.search(r"^  retention\.ms\s+-1\s+604800000\s+≠$", block, re.M), block
    assert re.search(r"^  cleanup\.policy\s+delete\s+delete$", block, re.M), block

    altered = await civic("topics", "alter", **wanted)
    assert altered.code == 0, altered.err
    assert f"{case_events}: retention.ms -1 → 604800000" in altered.out
    assert f"{case_events}: has 6 partitions, settings want 8" in altered.out
    partitions, configs = await _on_the_cluster(kafka_bootstrap, case_events)
    assert (partitions, configs["retention.ms"]) == (6, "604800000")

    grown = await civic("topics", "alter", "--add-partitions", **wanted)
    assert grown.code == 0, grown.err
    assert grown.out.strip() == f"{case_events}: partitions 6 → 8"
    assert (await _on_the_cluster(kafka_bootstrap, case_events))[0] == 8
    assert "all 8 topics are as the settings want them" in (await civic("topics", "describe", **wanted)).out


async def test_an_unreachable_broker_or_database_is_said_in_one_line() -> None:
    nowhere = f"127.0.0.1:{free_port()}"
    (await civic("topics", "create", "--wait", "1", KAFKA_BOOTSTRAP_SERVERS=nowhere)).failed_with(
        f"Kafka at {nowhere} not ready after 1"
    )
    for command in (("topics", "describe"), ("topics", "alter"), ("dlq", "list")):
        (await civic(*command, KAFKA_BOOTSTRAP_SERVERS=nowhere)).failed_with(
            f"Kafka at {nowhere} is unreachable"
        )
    database = f"postgresql+asyncpg://civic:secret@{nowhere}/intake"
    line = (await civic("outbox", "status", "intake", INTAKE_DATABASE_URL=database)).failed_with(
        "intake: the database", "is unreachable"
    )
    assert "secret" not in line, "the password is never shown"
    (await civic("db", "current", "routing", ROUTING_DATABASE_URL=database)).failed_with(
        "routing:", "unreachable"
    )


# --- dead letters -----------------------------------------------------------------------------------


async def _ignore(_session: object, _envelope: Envelope, _payload: EventPayload) -> list[EventPayload]:
    return []


@asynccontextmanager
async def consumer_of_case_events(bootstrap: str, topics: Topics, tmp_path: Path) -> AsyncIterator[None]:
    """A service's consumer (the one wrapper every service uses): what it cannot read, it dead-letters."""
    settings = ServiceSettings(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        CIVIC_TOPIC_PREFIX=topics.prefix,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'consumer.db'}",
        service_name="clitest",
        consumer_backoff_seconds=0.05,
    )
    runtime = ServiceRuntime(settings, ServiceSchema("clitest", [], None))
    runtime.consume("cli-test", CASE_EVENTS, {CaseAssigned: _ignore})
    async with runtime.running():
        yield


@pytest.mark.kafka
async def test_a_real_dead_letter_is_listed_shown_and_replayed(
    kafka_bootstrap: str, topics: Topics, producer: RawProducer, tmp_path: Path
) -> None:
    env = kafka(kafka_bootstrap, topics)
    key = str(uuid.uuid4())
    dlq = await TopicReader(kafka_bootstrap, topics.dlq(CASE_EVENTS)).start()
    try:
        async with consumer_of_case_events(kafka_bootstrap, topics, tmp_path):
            await producer.send(topics.case_events, b"{not json", key=key, content_type="application/json")
            (letter,) = await dlq.wait_for_records(lambda r: r.key == key.encode())
    finally:
        await dlq.stop()
    where = f"case-events {letter.partition} {letter.offset}"

    listed = await civic("dlq", "list", **env)
    assert listed.code == 0, listed.err
    (line,) = [line for line in listed.out.splitlines() if line.startswith(where)]
    assert "waiting" in line
    assert "not JSON" in line

    shown = await civic("dlq", "show", "case-events", str(letter.partition), str(letter.offset), **env)
    assert shown.code == 0, shown.err
    assert "consumer cli-test, 1 attempts" in shown.out
    assert shown.out.rstrip().endswith("{not json")
    (await civic("dlq", "show", "case-events", "0", "999", **env)).failed_with(
        "no dead letter of case-events"
    )
    assert (await civic("dlq", "show", "no-such-topic", "0", "0", **env)).code == 2

    case_events = await TopicReader(kafka_bootstrap, topics.case_events).start()
    try:
        replayed = await civic("dlq", "replay", "case-events", **env)
        assert replayed.code == 0, replayed.err
        assert replayed.out.strip() == f"replayed 1 dead letter(s) to {topics.case_events}"
        (back,) = await case_events.wait_for_records(lambda r: "x-dlq-replayed-from" in r.headers)
    finally:
        await case_events.stop()
    assert (back.key, back.value) == (key.encode(), b"{not json")
    assert (
        back.headers["x-dlq-replayed-from"] == f"{topics.dlq(CASE_EVENTS)}:{letter.partition}:{letter.offset}"
    )
    relisted = (await civic("dlq", "list", **env)).out.splitlines()
    assert "replayed" in next(line for line in relisted if line.startswith(where))
    assert (await civic("dlq", "replay", "case-events", **env)).out.strip().startswith("replayed 0 ")


# --- outbox, replay ---------------------------------------------------------------------------------


@pytest.mark.kafka
async def test_outbox_status_counts_the_unsent_rows_and_a_replay_refuses_to_lose_them(
    kafka_bootstrap: str, topics: Topics, databases: Databases
) -> None:
    url = await databases.new("routing")
    env = kafka(kafka_bootstrap, topics, ROUTING_DATABASE_URL=url)
    upgraded = await civic("db", "upgrade", "routing", **env)
    assert upgraded.code == 0, upgraded.err
    now = datetime.now(UTC)
    database = Database(url, [OutboxMessage])
    try:
        async with database.transaction() as session:
            for n, (age, sent) in enumerate([(300, True), (95, False), (10, False)]):
                session.add(
                    OutboxMessage(
                        event_id=str(uuid.uuid4()),
                        event_type="case.assigned",
                        topic=topics.case_events,
                        key=f"case-{n}",
                        body=b"{}",
                        created_at=now - timedelta(seconds=age),
                        published_at=now if sent else None,
                    )
                )
    finally:
        await database.dispose()

    status = await civic("outbox", "status", "routing", **env)
    assert status.code == 0, status.err
    found = re.fullmatch(r"routing\s+2 unsent, the oldest 1 min (\d+) s old \(written .+ UTC\)\n", status.out)
    assert found is not None, status.out
    assert 35 <= int(found.group(1)) <= 59, status.out

    (await civic("replay", "routing", **env)).failed_with(
        "replay of routing refused", "2 event(s) wait in the outbox"
    )
    status_again = await civic("outbox", "status", "routing", **env)
    assert "2 unsent" in status_again.out, "neither command changed the outbox"


# --- db ---------------------------------------------------------------------------------------------


async def test_db_upgrade_makes_fresh_sqlite_databases_at_the_newest_revision(tmp_path: Path) -> None:
    env = {"CIVIC_DATA_DIR": str(tmp_path / "data")}
    before = await civic("db", "current", **env)
    assert before.code == 0, before.err
    assert [line.split(" database")[0] for line in before.out.splitlines()] == list(SCHEMAS)
    assert all("none yet at" in line for line in before.out.splitlines())
    (await civic("outbox", "status", "intake", **env)).failed_with("intake: no database at")

    upgraded = await civic("db", "upgrade", **env)
    assert upgraded.code == 0, upgraded.err
    assert upgraded.out.splitlines() == [
        f"{name} database: none → {head_revision(schema)}" for name, schema in SCHEMAS.items()
    ]
    assert sorted(p.name for p in (tmp_path / "data").glob("*.db")) == sorted(f"{n}.db" for n in SCHEMAS)
    current = await civic("db", "current", "tracking", "intake", **env)
    assert current.out.splitlines() == [
        f"{name} database at {head_revision(SCHEMAS[name])}; newest {head_revision(SCHEMAS[name])}"
        for name in ("tracking", "intake")
    ]
    assert (await civic("outbox", "status", **env)).out.split() == [
        word for name in SCHEMAS for word in (name, "0", "unsent")
    ]
    assert (await civic("db", "upgrade", "nobody", **env)).code == 2


# --- calendar ---------------------------------------------------------------------------------------

NOTICE_2031 = """date,kind,note
2031-01-01,holiday,元旦
# 春节
2031-01-22,holiday,春节
2031-01-23,休,春节
2031-01-26,workday,春节调休
2031-02-08,班
"""


@pytest.mark.kafka
async def test_calendar_import_stores_a_year_through_tracking_which_announces_it(
    kafka_bootstrap: str, topics: Topics, tmp_path: Path
) -> None:
    settings = settings_for(
        TrackingSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{tmp_path / 'tracking.db'}"
    )
    notice = tmp_path / "2031.csv"
    notice.write_text(NOTICE_2031, encoding="utf-8")
    announced = await TopicReader(kafka_bootstrap, topics.calendar_events).start()
    try:
        async with served(tracking_app(settings), "tracking") as url, httpx.AsyncClient(base_url=url) as http:
            assert (await http.get("/api/v1/calendar/2031")).json()["status"] == "provisional"
            ran = await civic(
                "calendar", "import", str(notice), "--url", url, "--source", "国办发明电〔2030〕1号",
                CIVIC_JWT_SECRET=JWT_SECRET,
            )  # fmt: skip
            assert ran.code == 0, ran.err
            assert ran.out.startswith("stored 2031 as revision ")
            stored = (await http.get("/api/v1/calendar/2031")).json()
            assert stored == {
                "year": 2031,
                "status": "announced",
                "source": "国办发明电〔2030〕1号",
                "holidays": ["2031-01-01", "2031-01-22", "2031-01-23"],
                "extra_workdays": ["2031-01-26", "2031-02-08"],
                "revision": stored["revision"],
            }
            (event,) = await announced.wait_for_event("2031", "calendar.updated")
            assert event.data["holidays"] == stored["holidays"]
            assert event.data["extra_workdays"] == stored["extra_workdays"]

            # What GET answers reads back as a JSON file: National Day added, without a source.
            again = tmp_path / "2031.json"
            del stored["source"]
            again.write_text(json.dumps({**stored, "holidays": [*stored["holidays"], "2031-10-01"]}))
            ran = await civic("calendar", "import", str(again), "--url", url, CIVIC_JWT_SECRET=JWT_SECRET)
            assert ran.code == 0, ran.err
            second = (await http.get("/api/v1/calendar/2031")).json()
            assert (second["revision"], second["source"]) == (
                stored["revision"] + 1,
                "civic calendar import 2031.json",
            )
            events = await announced.wait_for_event("2031", "calendar.updated", count=2)
            assert events[1].data["holidays"][-1] == "2031-10-01"

            wrong_secret = await civic(
                "calendar", "import", str(notice), "--url", url, CIVIC_JWT_SECRET="x" * 40
            )
            wrong_secret.failed_with("tracking refused the 2031 calendar: HTTP 401", "CIVIC_JWT_SECRET")
    finally:
        await announced.stop()
    gone = await civic("calendar", "import", str(notice), "--url", url, CIVIC_JWT_SECRET=JWT_SECRET)
    gone.failed_with(f"tracking at {url} is unreachable")


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        (
            "a.csv",
            "date,kind\n2031-01-01,holiday\n2031-02-30,holiday\n",
            "line 3: '2031-02-30' is not a date",
        ),
        ("a.csv", "2031-01-01,holiday\n2031-01-02,休假\n", "line 2: kind '休假' is neither holiday"),
        (
            "a.csv",
            "2031-01-01,holiday\n2031-01-01,workday\n",
            "line 2: 2031-01-01 is listed already, on line 1",
        ),
        ("a.csv", "2031-01-01,holiday\n\n2032-01-01,holiday\n", "line 3: 2032-01-01 is not in 2031"),
        ("a.csv", "2031-01-01,holiday\n2031-01-02\n", "line 2: expected a date and its kind"),
        ("a.csv", "2031-01-01,holiday\n2031-01-24,workday\n", "line 2: 2031-01-24 is a weekday"),
        ("a.csv", "date,kind\n2031-01-25,workday\n", "no holiday listed"),
        ("a.json", '{"year": 2031,\n "holidays": ["2031-01-01",]}', "line 2 column 28: Expecting value"),
        ("a.json", '{"year": 2031, "holiday": ["2031-01-01"]}', "unknown field 'holiday'"),
        ("a.json", '{"year": "2031", "holidays": ["2031-01-01"]}', "year: expected a year 2000–2100"),
        ("a.json", '{"year": 2031, "holidays": ["2031-01-01", "soon"]}', "holidays[1]: "),
        ("a.json", '{"year": 2031, "holidays": ["2030-12-31"]}', "holidays: 2030-12-31 is not in 2031"),
        ("a.txt", "2031-01-01,holiday\n", "name it .csv or .json"),
    ],
)
def test_a_calendar_file_that_does_not_fit_is_refused_saying_where(
    name: str, text: str, said: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarFileError) as refused:
        read_calendar_file(path)
    assert str(refused.value).startswith(f"{path}: ")
    assert said in str(refused.value)


async def test_a_refused_calendar_file_stops_the_command_before_it_asks_tracking(tmp_path: Path) -> None:
    path = tmp_path / "2031.csv"
    path.write_text("date,kind\n2031-01-01,holiday\n2031-01-24,workday\n", encoding="utf-8")
    nowhere = f"http://127.0.0.1:{free_port()}"
    ran = await civic("calendar", "import", str(path), "--url", nowhere, CIVIC_JWT_SECRET=JWT_SECRET)
    ran.failed_with(f"{path}: line 3: 2031-01-24 is a weekday, not a weekend day")


# --- the annual report ------------------------------------------------------------------------------


def _disclosure(
    received: str, applicant: ApplicantType, replied: str | None, outcome: Outcome | None
) -> CaseRecord:
    return CaseRecord(
        case_id=str(uuid.uuid4()),
        channel=Channel.DISCLOSURE_REQUEST.value,
        received_on=date.fromisoformat(received),
        applicant_type=applicant.value,
        replied_on=date.fromisoformat(replied) if replied else None,
        outcome=outcome.value if outcome else None,
    )


def seeded() -> list[SQLModel]:
    """2025: two requests received (one disclosed, one still open), one carried over from 2024 and
    withheld as a state secret; a letter, which the report does not count; two appeals."""
    return [
        _disclosure("2025-03-01", ApplicantType.NATURAL_PERSON, "2025-03-20", Outcome.DISCLOSED),
        _disclosure("2025-11-20", ApplicantType.NATURAL_PERSON, None, None),  # carried forward
        _disclosure("2024-12-10", ApplicantType.BUSINESS, "2025-01-15", Outcome.WITHHELD_STATE_SECRET),
        CaseRecord(case_id=str(uuid.uuid4()), channel=Channel.MAILBOX.value, received_on=date(2025, 4, 1)),
        AppealRow(
            id="a1",
            kind="reconsideration",
            filed_on=date(2025, 5, 1),
            result="upheld",
            decided_on=date(2025, 6, 1),
        ),
        # decided after the year's end: pending in 2025's report
        AppealRow(
            id="a2",
            kind="litigation_direct",
            filed_on=date(2025, 7, 1),
            result="corrected",
            decided_on=date(2026, 2, 1),
        ),
    ]


TABLE_THREE_2025 = {
    "一、本年新收政府信息公开申请数量": [2, 0, 0, 0, 0, 0, 2],
    "二、上年结转政府信息公开申请数量": [0, 1, 0, 0, 0, 0, 1],
    "（一）予以公开": [1, 0, 0, 0, 0, 0, 1],
    "1.属于国家秘密": [0, 1, 0, 0, 0, 0, 1],
    "（七）总计": [1, 1, 0, 0, 0, 0, 2],
    "四、结转下年度继续办理": [1, 0, 0, 0, 0, 0, 1],
}
TABLE_FOUR_2025 = [[1, 0, 0, 0, 1], [0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]


async def test_report_prints_a_years_tables_three_and_four_from_publishings_data(
    databases: Databases,
) -> None:
    url = await databases.new("publishing")
    env = {"PUBLISHING_DATABASE_URL": url}
    assert (await civic("db", "upgrade", "publishing", **env)).code == 0
    database = Database(url, [CaseRecord, AppealRow])
    try:
        async with database.transaction() as session:
            session.add_all(seeded())
    finally:
        await database.dispose()

    text = await civic("report", "2025", **env)
    assert text.code == 0, text.err
    lines = text.out.splitlines()
    for label, counts in TABLE_THREE_2025.items():
        (line,) = [line for line in lines if line.endswith(f" {label}")]
        assert [int(cell) for cell in line.split()[:7]] == counts, line
    for kind, counts in zip(
        ("行政复议", "行政诉讼-未经复议直接起诉", "行政诉讼-复议后起诉"), TABLE_FOUR_2025, strict=True
    ):
        (line,) = [line for line in lines if line.startswith(kind)]
        assert [int(cell) for cell in line.split()[1:]] == counts, line
    assert "table three balances" in text.out

    body = json.loads((await civic("report", "2025", "--format", "json", **env)).out)
    assert (body["year"], body["balanced"], body["excluded_records"]) == (2025, True, 0)
    assert body["table_three"][0]["counts"]["natural_person"] == 2
    assert body["table_four"]["litigation_direct"]["pending"] == 1

    three = list(
        csv.reader(io.StringIO((await civic("report", "2025", "--format", "csv", "--table", "3", **env)).out))
    )
    assert three[0][:2] == ["项目", "自然人"]
    rows = {row[0]: [int(cell) for cell in row[1:]] for row in three[1:]}
    assert {label: rows[label] for label in TABLE_THREE_2025} == TABLE_THREE_2025
    four = list(
        csv.reader(io.StringIO((await civic("report", "2025", "--format", "csv", "--table", "4", **env)).out))
    )
    assert [int(cell) for cell in four[1]] == [count for group in TABLE_FOUR_2025 for count in group]

    assert (await civic("report", "2025", "--format", "csv", **env)).code == 2
    (await civic("report", "2025")).failed_with(
        "publishing: no database at /nonexistent/civic-data/publishing.db"
    )
