"""Nothing lost, nothing leaked: a broker outage, and the logs of a real intake process."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from deploy.kafka.local import LocalKafka, create_topics, free_port
from deploy.processes import start_services, stop_services
from services.intake.app import create_app
from services.intake.config import IntakeSettings
from services.intake.db import Submission
from shared.codes import Role
from shared.topics import Topics
from tests.support.browser import served
from tests.support.databases import Databases
from tests.support.kafka import TopicReader
from tests.support.polling import eventually
from tests.support.services import JWT_SECRET, bearer, count_rows, in_process, settings_for

pytestmark = pytest.mark.kafka

LETTER = {
    "mailbox": "director",
    "category": "咨询",
    "subject": "断网期间的来信",
    "body": "请问防空警报试鸣的时间？",
    "contact": {"name": "欧阳娜娜", "phone": "13700001234", "email": "nana.ouyang@example.com"},
    "publish_consent": False,
}


async def test_a_submission_during_a_broker_outage_is_accepted_and_delivered_exactly_once(
    tmp_path: Path,
) -> None:
    broker = LocalKafka(tmp_path / "kafka")  # its own broker: this test stops it
    broker.start()
    try:
        await broker.wait_ready()
        topics = Topics("outage-")
        await create_topics(broker.bootstrap_servers, topics)
        settings = settings_for(
            IntakeSettings, broker.bootstrap_servers, topics, f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
        )
        async with in_process(create_app, settings) as (client, runtime):
            broker.stop()
            response = await client.post("/api/v1/mailbox-messages", json=LETTER)
            assert response.status_code == 201, response.text
            case_id = response.json()["case_id"]
            assert (await client.get(f"/api/v1/cases/{response.json()['tracking_code']}")).status_code == 200
            assert await runtime.relay.unsent_count() == 2, "the case's key and submission.received"
            assert (await client.get("/health")).status_code == 503

            broker.start()
            await broker.wait_ready()
            reader = await TopicReader(broker.bootstrap_servers, topics.case_events).start()
            try:
                await reader.wait_for_event(case_id, "submission.received", timeout=90)

                async def drained() -> bool:
                    return await runtime.relay.unsent_count() == 0

                await eventually(drained, "the outbox to drain")
                await reader.settle(2.0)
                assert [e.type for e in reader.events(case_id)] == ["submission.received"]
            finally:
                await reader.stop()
    finally:
        broker.stop()


def _assert_unavailable(response: httpx.Response) -> None:
    """503 with Retry-After and a message that says nothing was received: never a 500."""
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == "service_unavailable"
    assert "nothing was received" in error["message"]


async def test_a_locked_sqlite_database_answers_503_and_loses_nothing(
    kafka_bootstrap: str, topics: Topics, tmp_path: Path
) -> None:
    path = tmp_path / "intake.db"
    settings = settings_for(
        IntakeSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{path}", sqlite_busy_seconds=0.3
    )
    async with in_process(create_app, settings) as (client, runtime):
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN EXCLUSIVE")  # another process holds the database
        try:
            _assert_unavailable(await client.post("/api/v1/mailbox-messages", json=LETTER))
            page = await client.post(
                "/mailbox",
                data={
                    "mailbox_category": "director|咨询",
                    "subject": "表单来信",
                    "body": "请问防空警报试鸣的时间？",
                    "contact_name": "欧阳娜娜",
                    "contact_phone": "13700001234",
                },
                headers={"Accept": "text/html"},
            )
            assert page.status_code == 503
            assert "未被受理" in page.text
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        assert await count_rows(runtime, Submission) == 0
        accepted = await client.post("/api/v1/mailbox-messages", json=LETTER)
        assert accepted.status_code == 201, accepted.text
        assert await count_rows(runtime, Submission) == 1


async def test_a_postgresql_outage_answers_503_then_submissions_are_accepted_again(
    kafka_bootstrap: str, topics: Topics, postgres_databases: Databases
) -> None:
    url = await postgres_databases.new("intake")
    name = make_url(url).database
    admin = create_async_engine(os.environ["CIVIC_TEST_POSTGRES_URL"], isolation_level="AUTOCOMMIT")
    settings = settings_for(IntakeSettings, kafka_bootstrap, topics, url)
    try:
        async with in_process(create_app, settings) as (client, runtime):
            async with admin.connect() as conn:
                await conn.exec_driver_sql(f'ALTER DATABASE "{name}" CONNECTION LIMIT 0')
                await conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": name},
                )
            for _ in range(3):  # whichever way the pool meets the outage: terminated, refused
                _assert_unavailable(await client.post("/api/v1/mailbox-messages", json=LETTER))
            async with admin.connect() as conn:
                await conn.exec_driver_sql(f'ALTER DATABASE "{name}" CONNECTION LIMIT -1')
            accepted = await client.post("/api/v1/mailbox-messages", json=LETTER)
            assert accepted.status_code == 201, accepted.text
            assert await count_rows(runtime, Submission) == 1
    finally:
        await admin.dispose()


async def test_personal_data_and_tracking_codes_never_reach_the_logs(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics = Topics(f"logs{uuid4().hex[:6]}-")
    await create_topics(kafka_bootstrap, topics)
    (intake,) = start_services(
        bootstrap_servers=kafka_bootstrap,
        data_dir=tmp_path,
        ports={"intake": free_port()},
        topic_prefix=topics.prefix,
        extra_env={"CIVIC_JWT_SECRET": JWT_SECRET, "CIVIC_ENV": "test"},
    )
    secrets = ["欧阳娜娜", "13700001234", "nana.ouyang@example.com", "11010519491231002X", "泉城路188号"]
    try:
        await intake.wait_healthy(timeout=90)
        async with httpx.AsyncClient(base_url=intake.url, timeout=15) as http:
            letter = (await http.post("/api/v1/mailbox-messages", json=LETTER)).json()
            request = await http.post(
                "/api/v1/disclosure-requests",
                headers=bearer(Role.STAFF),
                json={
                    "applicant": {
                        "type": "natural_person",
                        "name": "欧阳娜娜",
                        "id_number": "11010519491231002X",
                        "phone": "13700001234",
                        "address": "济南市历下区泉城路188号",
                    },
                    "description": "人防工程竣工验收备案信息",
                    "delivery_form": "paper",
                    "delivery_method": "post",
                    "received_via": "in_person",
                    "received_at": "2026-11-24",
                },
            )
            assert request.status_code == 201, request.text
            refused = await http.post(
                "/api/v1/mailbox-messages", json=LETTER | {"contact": {"phone": "1370000123x"}}
            )
            assert refused.status_code == 422
            codes = [letter["tracking_code"], request.json()["tracking_code"]]
            for code in codes:
                assert (await http.get(f"/api/v1/cases/{code}")).status_code == 200
                assert (await http.get(f"/api/v1/cases/{code.lower().replace('-', '')}")).status_code == 200
            assert (
                await http.post(f"/api/v1/cases/{codes[0]}/rating", json={"rating": "satisfied"})
            ).status_code == 409
    finally:
        stop_services([intake])
    log = intake.log_path.read_text()
    assert "GET /api/v1/cases/[tracking-code]" in log, "the access log is not being written"
    for secret in [*secrets, "1370000123x", *codes, *(c.lower().replace("-", "") for c in codes)]:
        assert secret not in log, f"{secret!r} appears in the intake log"


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_body_of_2_mb_gets_its_413_not_a_reset(
    kafka_bootstrap: str, topics: Topics, tmp_path: Path, declared: bool
) -> None:
    """A raw socket sends 2 MB to a real server: the client reads the 413, whether the length was
    declared (refused before reading) or the body came in chunks (refused while reading)."""
    settings = settings_for(
        IntakeSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{tmp_path / 'i.db'}"
    )
    async with served(create_app(settings), "intake") as url:
        port = int(url.rsplit(":", 1)[1])
        body = b'{"body": "' + b"x" * 2_000_000 + b'"}'
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head = (
            "POST /api/v1/mailbox-messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        )
        if declared:
            writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode())
            for start in range(0, len(body), 65536):
                writer.write(body[start : start + 65536])
                await writer.drain()
        else:
            writer.write(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode())
            for start in range(0, len(body), 65536):
                chunk = body[start : start + 65536]
                writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                await writer.drain()
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        status = await asyncio.wait_for(reader.readline(), timeout=30)
        writer.close()
    assert status.startswith(b"HTTP/1.1 413"), status
