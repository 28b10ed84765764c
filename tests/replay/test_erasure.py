"""Erasure (个人信息删除, PIPL Art. 47), end to end on the four services as processes, on SQLite and
PostgreSQL: an admin erases a concluded case's personal data; every service forgets it; a replay of
every service brings none of it back; no table of any database and no record of any topic holds it —
and Kafka compacts the case's key out of ``case-keys``. A second case, not erased, is found by the
same search (the search can fail), and opens with its key.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import MetaData, select, text

from deploy.processes import stop_services
from shared.db import Database
from shared.events import PersonalDataErased, decode_event
from shared.keyring import Keyring
from shared.replay import replay
from shared.sealing import ERASED, archive_key_from_secret, open_document
from shared.settings import DEVELOPMENT_KEY_SECRET, TopicSettings
from shared.topics import ALL_TOPICS, CASE_KEYS
from tests.support.databases import Databases
from tests.support.installation import Installation, install, running
from tests.support.kafka import RawProducer, Record, TopicReader
from tests.support.office import SERVICES, Office, Staff, until

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

SECRET = "erasure-test-secret-at-least-32-bytes-long!"
KEY_SECRET = "erasure-test-key-secret-for-case-data-keys"
ERASED_WRITER = {
    "name": "欧阳翠花",
    "phone": "13987654321",
    "email": "cuihua.ouyang@example.com",
    "address": "幸福路88号3单元",
}
ERASED_LETTER = {"subject": "防空洞口堆满杂物无人清理", "body": "幸福路小区防空洞口堆满杂物，消防通道被堵。"}
ERASED_REPLY = "欧阳翠花女士：您反映的防空洞口杂物已清理完毕。"
ERASED_RATING = "清理得很及时，谢谢欧阳翠花的邻居帮忙"
KEPT_WRITER = {"name": "司马光明", "phone": "13811112222"}
KEPT_LETTER = {"subject": "人防警报试鸣时间询问", "body": "请问今年人防警报试鸣安排在哪一天？"}


@pytest_asyncio.fixture
async def installation(
    kafka_bootstrap: str, databases: Databases, tmp_path: Path
) -> AsyncIterator[Installation]:
    env = {
        "CIVIC_JWT_SECRET": SECRET,
        "CIVIC_KEY_SECRET": KEY_SECRET,
        "CIVIC_ENV": "test",
        "INTAKE_SUBMISSIONS_PER_CLIENT": "1000",
    }
    # One partition of case-keys, rolled every half second: the erased key's record and a later one
    # share a partition, so the cleaner can drop it within seconds (production: an hour and a day).
    compacting = TopicSettings(case_keys_partitions=1, compacted_segment_ms=500, compaction_lag_ms=1000)
    yield await install(kafka_bootstrap, databases, tmp_path, env, prefix="er", topic_settings=compacting)


def _forms(value: str) -> list[bytes]:
    """How a text can be stored: as UTF-8, or escaped by a JSON encoder."""
    return [value.encode(), json.dumps(value).strip('"').encode()]


def _holds(blob: bytes, values: list[str]) -> list[str]:
    return [value for value in values if any(form in blob for form in _forms(value))]


async def _dump(url: str) -> dict[str, bytes]:
    """Every row of every table of a database, as bytes to search."""
    database = Database(url, [])
    dumped: dict[str, bytes] = {}
    try:
        async with database.engine.connect() as conn:
            metadata = MetaData()
            await conn.run_sync(lambda sync: metadata.reflect(sync))
            for table in metadata.sorted_tables:
                rows = (await conn.execute(select(table))).all()
                dumped[table.name] = b"\n".join(
                    b"|".join(
                        value if isinstance(value, bytes) else json.dumps(value, default=str).encode()
                        for value in row
                    )
                    for row in rows
                )
    finally:
        await database.dispose()
    return dumped


async def _records(bootstrap: str, topic: str) -> list[Record]:
    reader = await TopicReader(bootstrap, topic).start()
    try:
        await reader.settle(1.0)
        return list(reader.records)
    finally:
        await reader.stop()


def _erased_values() -> list[str]:
    return [*ERASED_WRITER.values(), *ERASED_LETTER.values(), ERASED_REPLY, ERASED_RATING]


async def test_an_erased_case_is_gone_from_every_table_and_topic_and_stays_gone_after_replay(
    installation: Installation,
) -> None:
    staff = Staff(SECRET)
    services = installation.start()
    try:
        await running(services)
        async with httpx.AsyncClient(timeout=30) as http:
            office = Office(http, {s.name: s.url for s in services}, staff)

            async def letter(writer: dict[str, str], text: dict[str, str]) -> dict[str, str]:
                body = {
                    "mailbox": "civil-air-defence",
                    "category": "投诉",
                    **text,
                    "contact": writer,
                    "publish_consent": True,
                }
                receipt: dict[str, str] = await office.post(f"{office.intake}/api/v1/mailbox-messages", body)
                await office.wait_status(receipt["tracking_code"], "assigned", with_due_date=True)
                return receipt

            erased = await letter(ERASED_WRITER, ERASED_LETTER)
            kept = await letter(KEPT_WRITER, KEPT_LETTER)
            departments = (await http.get(f"{office.routing}/api/v1/departments", headers=staff.admin)).json()

            async def in_inbox(department: str) -> bool:
                tasks = await http.get(f"{office.routing}/api/v1/tasks", headers=staff.handler(department))
                return any(task["case_id"] == erased["case_id"] for task in tasks.json())

            (department,) = [d["id"] for d in departments if await in_inbox(d["id"])]
            handler = staff.handler(department)
            await office.action(erased["case_id"], "accept", {}, handler)
            await office.action(erased["case_id"], "reply", {"text": ERASED_REPLY}, handler)
            await office.wait_status(erased["tracking_code"], "replied")
            await office.post(
                f"{office.intake}/api/v1/cases/{erased['tracking_code']}/rating",
                {"rating": "satisfied", "comment": ERASED_RATING},
            )

            async def in_review() -> bool:
                response = await http.get(f"{office.publishing}/api/v1/reviews", headers=staff.reviewers[0])
                return any(item["subject_id"] == erased["case_id"] for item in response.json())

            await until(in_review, "the consented reply in the review queue")

            # An open case is not erased: its data still serves its purpose.
            refused = await http.post(
                f"{office.intake}/api/v1/erasures",
                json={"case_id": kept["case_id"], "reason": "本人申请删除"},
                headers=staff.admin,
            )
            assert refused.status_code == 409, refused.text
            assert "still open" in refused.json()["error"]["message"]
            not_admin = await http.post(
                f"{office.intake}/api/v1/erasures",
                json={"case_id": erased["case_id"], "reason": "本人申请删除"},
                headers=staff.clerk,
            )
            assert not_admin.status_code == 403
            answer = await http.post(
                f"{office.intake}/api/v1/erasures",
                json={"case_id": erased["case_id"], "reason": "本人申请删除"},
                headers=staff.admin,
            )
            assert answer.status_code == 201, answer.text
            assert answer.json()["cause"] == "request"
            assert answer.json()["sealed_record_until"] is not None
            again = await http.post(
                f"{office.intake}/api/v1/erasures",
                json={"case_id": erased["case_id"], "reason": "本人申请删除"},
                headers=staff.admin,
            )
            assert again.status_code == 409
            listed = (await http.get(f"{office.intake}/api/v1/erasures", headers=staff.admin)).json()
            assert [row["case_id"] for row in listed] == [erased["case_id"]]

            # The citizen still follows the case; what it said is gone.
            view = await office.status(erased["tracking_code"])
            assert view["status"] == "replied"
            assert view["reply"] == ERASED

            async def routing_forgot() -> bool:
                response = await http.get(
                    f"{office.routing}/api/v1/cases/{erased['case_id']}", headers=handler
                )
                return not _holds(response.content, _erased_values())

            await until(routing_forgot, "routing scrubs the erased case")
        await installation.rest()
    except BaseException:
        for process in services:
            print(f"----- {process.label} -----\n{process.log_tail(80)}")
        raise
    finally:
        stop_services(services)

    # Replay every service from the log: nothing of the erased case comes back.
    for service in SERVICES:
        await replay(installation.plan(service), installation.settings(service), progress=lambda _: None)

    found: dict[str, list[str]] = {}
    kept_found: set[str] = set()
    for service in SERVICES:
        for table, blob in (await _dump(installation.urls[service])).items():
            if hits := _holds(blob, _erased_values()):
                found[f"{service}.{table}"] = hits
            kept_found.update(_holds(blob, [*KEPT_WRITER.values(), *KEPT_LETTER.values()]))
    assert found == {}, "the erased case's personal data is still in these tables"
    assert kept_found == {*KEPT_WRITER.values(), *KEPT_LETTER.values()}, "the search finds what is kept"

    topics = installation.topics
    names = [name for spec in ALL_TOPICS for name in (topics.name(spec), topics.dlq(spec))]
    records = [record for name in names for record in await _records(installation.bootstrap, name)]
    plain = {
        r.topic: hits
        for r in records
        if (hits := _holds(r.value, [*_erased_values(), *KEPT_WRITER.values()]))
    }
    assert plain == {}, "no topic holds a person's data in the clear"

    # The sealed record the law keeps opens with the office's archive key only.
    intake = await _dump(installation.urls["intake"])
    assert ERASED_LETTER["body"].encode() not in intake["intake_erasure"]
    database = Database(installation.urls["intake"], [])
    try:
        async with database.engine.connect() as conn:
            sealed = (await conn.exec_driver_sql("SELECT sealed FROM intake_erasure")).scalar_one()
    finally:
        await database.dispose()
    publishing = Database(installation.urls["publishing"], [])
    try:
        async with publishing.engine.connect() as conn:
            statuses = (
                await conn.execute(
                    text("SELECT status FROM publishing_review WHERE subject_id = :case"),
                    {"case": erased["case_id"]},
                )
            ).all()
    finally:
        await publishing.dispose()
    assert [status for (status,) in statuses] == ["withdrawn"], "its reply will never be published"
    record = open_document(archive_key_from_secret(KEY_SECRET), bytes(sealed), label=erased["case_id"])
    assert record["submission"]["body"] == ERASED_LETTER["body"]
    assert record["reply"] == ERASED_REPLY
    assert archive_key_from_secret(DEVELOPMENT_KEY_SECRET) != archive_key_from_secret(KEY_SECRET)

    # The kept case's letter opens with its key; the erased one's opens erased, wherever it is read.
    keyring = Keyring(KEY_SECRET)
    routing = Database(installation.urls["routing"], [])
    try:
        opened: dict[str, Any] = {}
        async with routing.session() as session:
            for record in records:
                if record.topic != topics.case_events:
                    continue
                envelope, payload = decode_event(record.value)
                if envelope.type == "submission.received":
                    opened[envelope.subject] = await keyring.open(session, envelope, payload)
    finally:
        await routing.dispose()
    assert opened[kept["case_id"]].contact.name == KEPT_WRITER["name"]
    assert opened[erased["case_id"]].contact.name == ERASED
    assert opened[erased["case_id"]].mailbox.category == "投诉", "what counts the case stays"

    # Kafka compacts the erased case's key out of case-keys; its erasure stays. Kafka cleans only rolled
    # segments, and rolls one older than segment.ms (500 ms) on the next record: each look appends a
    # record of another case to the partition, until one has rolled the erasure's segment.
    seen: list[tuple[str, str, int]] = []
    producer = await RawProducer(installation.bootstrap).start()

    async def key_gone() -> list[str] | None:
        other = PersonalDataErased(case_id=uuid.uuid4(), erased_on=date(2026, 12, 1), cause="retention")
        await producer.send_payloads(topics.name(CASE_KEYS), [other])
        kinds = []
        seen.clear()
        for record in await _records(installation.bootstrap, topics.name(CASE_KEYS)):
            envelope, _ = decode_event(record.value)
            seen.append((envelope.subject[:8], envelope.type, record.offset))
            if envelope.subject == erased["case_id"]:
                kinds.append(envelope.type)
        return kinds if kinds == ["personal_data.erased"] else None

    try:
        kinds = await until(key_gone, "case-keys compacted", timeout=90)
    except TimeoutError:
        raise AssertionError(f"case-keys not compacted: {seen}") from None
    finally:
        await producer.stop()
    assert kinds == ["personal_data.erased"]
