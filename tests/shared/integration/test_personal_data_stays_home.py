"""Personal data never reaches a log or a dead letter's headers, even when the database fails on the
very row that holds it: every write path whose row carries a citizen's name, number, address or letter
is made to fail (a trigger raising an error — on PostgreSQL one whose message quotes the whole row), and
every log line of the services and every ``.dlq`` header is searched for it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from datetime import date

import httpx
import pytest
from sqlalchemy import text

from services.intake.app import create_app as intake_app
from services.intake.config import IntakeSettings
from services.publishing.app import create_app as publishing_app
from services.publishing.config import PublishingSettings
from services.routing.app import create_app as routing_app
from services.routing.config import RoutingSettings
from shared.codes import Channel
from shared.db import Database
from shared.events import CaseReplied
from shared.topics import ALL_TOPICS, Topics
from tests.support.databases import Databases
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import in_process, settings_for

pytestmark = pytest.mark.kafka

SECRETS = ["欧阳娜娜", "13700001234", "nana.ouyang@example.com", "11010519491231002X", "泉城路188号"]
LETTER = {
    "mailbox": "civil-air-defence",
    "category": "咨询",
    "subject": "人防工程车位",
    "body": "我是欧阳娜娜，住在历下区泉城路188号，身份证11010519491231002X，电话13700001234。",
    "contact": {"name": "欧阳娜娜", "phone": "13700001234", "email": "nana.ouyang@example.com"},
    "publish_consent": True,
}
FAILING = {
    "intake": [("intake_submission", "INSERT"), ("intake_case_view", "UPDATE")],
    "routing": [("routing_task", "INSERT")],
    "publishing": [("publishing_consented_letter", "INSERT"), ("publishing_case", "INSERT")],
}
"""Each service's tables whose rows carry personal data, and the write made to fail."""


@contextmanager
def every_log_line() -> Iterator[list[str]]:
    """Every record any logger writes while the block runs, formatted with its traceback."""
    lines: list[str] = []
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(formatter.format(record))

    handler, root = Keep(level=logging.DEBUG), logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


async def _fail_writes(url: str, tables: list[tuple[str, str]]) -> None:
    """Make every write of ``tables`` fail — on PostgreSQL with the row itself in the error's message."""
    database = Database(url, [])
    try:
        async with database.engine.begin() as conn:
            if not database.is_sqlite:
                await conn.execute(
                    text(
                        "CREATE OR REPLACE FUNCTION civic_fail() RETURNS trigger AS $$ BEGIN "
                        "RAISE EXCEPTION 'forced failure on %', row_to_json(NEW); END $$ LANGUAGE plpgsql"
                    )
                )
            for table, event in tables:
                if database.is_sqlite:
                    await conn.execute(
                        text(
                            f"CREATE TRIGGER fail_{table} BEFORE {event} ON {table} "
                            "BEGIN SELECT RAISE(ABORT, 'forced failure'); END"
                        )
                    )
                else:
                    await conn.execute(
                        text(
                            f"CREATE TRIGGER fail_{table} BEFORE {event} ON {table} "
                            "FOR EACH ROW EXECUTE FUNCTION civic_fail()"
                        )
                    )
    finally:
        await database.dispose()


async def _let_writes_through(url: str, table: str) -> None:
    database = Database(url, [])
    try:
        async with database.engine.begin() as conn:
            if database.is_sqlite:
                await conn.execute(text(f"DROP TRIGGER IF EXISTS fail_{table}"))
            else:
                await conn.execute(text(f"DROP TRIGGER IF EXISTS fail_{table} ON {table}"))
    finally:
        await database.dispose()


async def test_no_log_line_and_no_dead_letter_header_carries_personal_data(
    kafka_bootstrap: str, topics: Topics, databases: Databases, producer: RawProducer
) -> None:
    urls = {name: await databases.new(name) for name in FAILING}
    dead = [await TopicReader(kafka_bootstrap, topics.dlq(spec)).start() for spec in ALL_TOPICS]
    with every_log_line() as lines:
        async with AsyncExitStack() as stack:
            clients: dict[str, httpx.AsyncClient] = {}
            clients["intake"], _ = await stack.enter_async_context(
                in_process(
                    intake_app,
                    settings_for(
                        IntakeSettings, kafka_bootstrap, topics, urls["intake"], consumer_attempts=2
                    ),
                )
            )
            clients["routing"], _ = await stack.enter_async_context(
                in_process(
                    routing_app,
                    settings_for(
                        RoutingSettings, kafka_bootstrap, topics, urls["routing"], consumer_attempts=2
                    ),
                )
            )
            clients["publishing"], _ = await stack.enter_async_context(
                in_process(
                    publishing_app,
                    settings_for(
                        PublishingSettings, kafka_bootstrap, topics, urls["publishing"], consumer_attempts=2
                    ),
                )
            )
            for name, tables in FAILING.items():
                await _fail_writes(urls[name], tables)

            # The citizen's submission fails on its own row: a 500, and nothing of it in the logs.
            failed = await clients["intake"].post("/api/v1/mailbox-messages", json=LETTER)
            assert failed.status_code == 500, failed.text
            assert "欧阳娜娜" not in failed.text

            # Accepted once intake writes again; routing's task and publishing's rows then fail, each
            # event is dead-lettered after its attempts — and the reply fails on intake's view.
            await _let_writes_through(urls["intake"], "intake_submission")
            accepted = await clients["intake"].post("/api/v1/mailbox-messages", json=LETTER)
            assert accepted.status_code == 201, accepted.text
            case_id = accepted.json()["case_id"]
            await producer.send_payloads(
                topics.case_events,
                [
                    CaseReplied(
                        case_id=case_id,
                        channel=Channel.MAILBOX,
                        department_id="engineering",
                        department_name="人防工程管理处",
                        text="欧阳娜娜您好：泉城路188号的车位可以使用，电话13700001234已登记。",
                        replied_on=date(2026, 11, 27),
                    )
                ],
            )
            (case_dlq, *_) = dead

            async def every_failure_dead_lettered() -> bool:
                await case_dlq.settle(0.3)
                consumers = {r.headers.get("x-dlq-consumer") for r in case_dlq.records}
                return {"routing", "publishing", "intake-case-view"} <= consumers

            await eventually(every_failure_dead_lettered, "each failing consumer's dead letter", timeout=90)
    for reader in dead:
        await reader.stop()
    headers = [f"{k}={v}" for reader in dead for record in reader.records for k, v in record.headers.items()]
    errors = [h for h in headers if h.startswith("x-dlq-error=")]
    assert errors, "no dead letter: nothing was forced to fail"
    assert all("forced failure" not in h for h in errors), "the database's message is not a header"
    assert [line for line in lines if "dead-lettering" in line], "the capture missed the consumers' logs"
    for secret in SECRETS:
        assert not [line for line in lines if secret in line], f"{secret!r} in a log line"
        assert not [h for h in headers if secret in h], f"{secret!r} in a dead letter's headers"
