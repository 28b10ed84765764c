"""An install of release 0.1, upgraded: each service starts on a database release 0.1 made, with real
rows in it (`tests/migrations/legacy`), migrates it to the newest revision, and every row reads back
through the service's API — on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, table
from sqlmodel import select

from services.intake.app import create_app as intake_app
from services.intake.config import IntakeSettings
from services.publishing.app import create_app as publishing_app
from services.publishing.config import PublishingSettings
from services.routing.app import create_app as routing_app
from services.routing.config import RoutingSettings
from services.tracking.app import create_app as tracking_app
from services.tracking.config import TrackingSettings
from shared.codes import Role
from shared.consumer import PROCESSED_TABLE
from shared.migrations import current_revision, head_revision
from shared.outbox import OUTBOX_TABLE
from shared.runtime import ServiceRuntime
from shared.sealing import ERASED
from shared.topics import Topics
from tests.support.databases import Databases
from tests.support.legacy import LEGACY, backend_of, load_legacy, manifest
from tests.support.services import bearer, in_process, settings_for
from tests.support.staff import sign_in_with_password

pytestmark = pytest.mark.kafka

ADMIN = bearer(Role.ADMIN)
REVIEWER = bearer(Role.REVIEWER)
DEPARTMENTS = (
    "triage",
    "general-office",
    "open-government",
    "policy",
    "engineering",
    "command-comms",
    "mobilisation",
)
YEAR = {"from": "2026-01-01", "to": "2026-12-31"}
STATUS = {
    "comment_adopted": "replied",
    "comment_not_adopted": "replied",
    "letter_published": "closed",
    "letter_reopened": "replied",
    "disclosure_reopened": "in_progress",
    "disclosure_overdue": "assigned",
    "disclosure_repeated": "replied",
}


def rows_in_dump(service: str, url: str) -> Counter[str]:
    """How many rows release 0.1 left in each table (the INSERTs of the dump)."""
    text = (LEGACY / backend_of(url) / f"{service}.sql").read_text()
    return Counter(re.findall(r'^INSERT INTO (?:public\.)?"?(\w+)"?', text, flags=re.MULTILINE))


async def _legacy(service: str, databases: Databases) -> str:
    url = await databases.new(service)
    await load_legacy(service, url)
    return url


async def _count(runtime: ServiceRuntime, table: Any) -> int:
    async with runtime.database.session() as session:
        return int((await session.exec(select(func.count()).select_from(table))).one())


async def _plumbing_kept(runtime: ServiceRuntime, rows: Counter[str]) -> None:
    """The inbox and the outbox rows survive the upgrade (no API shows them)."""
    assert await _count(runtime, PROCESSED_TABLE) == rows["processed_event"]
    assert await _count(runtime, OUTBOX_TABLE) == rows["outbox_message"]
    assert await current_revision(runtime.database) == head_revision(runtime.schema)


async def test_intake_reads_back_every_submission_and_view(
    kafka_bootstrap: str, topics: Topics, databases: Databases
) -> None:
    url = await _legacy("intake", databases)
    rows, cases = rows_in_dump("intake", url), manifest(url)["cases"]
    async with in_process(intake_app, settings_for(IntakeSettings, kafka_bootstrap, topics, url)) as (
        client,
        runtime,
    ):
        await _plumbing_kept(runtime, rows)
        assert len((await client.get("/api/v1/mailboxes")).json()) == rows["intake_mailbox"]
        assert len(cases) == rows["intake_submission"] == rows["intake_case_view"]
        for name, case in cases.items():
            view = (await client.get(f"/api/v1/cases/{case['tracking_code']}")).json()
            assert view["status"] == STATUS[name], name
            assert len(view["timeline"]) >= 3, name
        reopened = (await client.get(f"/api/v1/cases/{cases['disclosure_reopened']['tracking_code']}")).json()
        assert [e["title"] for e in reopened["timeline"]][-1] == "重新办理"
        consultation = manifest(url)["consultation_id"]
        closed = await client.post(
            f"/api/v1/consultations/{consultation}/comments", json={"body": "迟到的意见"}
        )
        assert closed.status_code == 409, "the consultation view says it closed"
        # Release 0.1's idempotency records held tracking codes in the clear: the upgrade drops them
        # (they live a day, for retries; their keys were never kept to seal them with).
        assert rows["intake_idempotency"] == 1
        assert await _count(runtime, table("intake_idempotency")) == 0
        # A case from before the keys (its events in the clear) is erased all the same: no key to
        # destroy, its key row says erased, and every service opens its events erased from then on.
        concluded = cases["letter_published"]
        erased = await client.post(
            "/api/v1/erasures", json={"case_id": concluded["case_id"], "reason": "本人申请"}, headers=ADMIN
        )
        assert erased.status_code == 201, erased.text
        view = (await client.get(f"/api/v1/cases/{concluded['tracking_code']}")).json()
        assert view["reply"] == ERASED
        still_open = await client.post(
            "/api/v1/erasures",
            json={"case_id": cases["disclosure_overdue"]["case_id"], "reason": "本人申请"},
            headers=ADMIN,
        )
        assert still_open.status_code == 409
        assert await _count(runtime, table("civic_case_key")) == 1


async def test_routing_reads_back_every_task_history_and_setting(
    kafka_bootstrap: str, topics: Topics, databases: Databases
) -> None:
    url = await _legacy("routing", databases)
    rows = rows_in_dump("routing", url)
    async with in_process(routing_app, settings_for(RoutingSettings, kafka_bootstrap, topics, url)) as (
        client,
        runtime,
    ):
        await _plumbing_kept(runtime, rows)
        assert len((await client.get("/api/v1/departments")).json()) == rows["routing_department"]
        assert len((await client.get("/api/v1/rules", headers=ADMIN)).json()) == rows["routing_rule"]
        staff = (await client.get("/api/v1/handlers", headers=ADMIN)).json()
        assert len(staff) == rows["routing_handler"]
        assert len((await client.get("/api/v1/audit", headers=ADMIN)).json()) == rows["routing_audit"]
        # Every member of staff of release 0.1 became an account without a password (routing's
        # migration 0005); an admin gives one, and its holder signs in to the workbench.
        assert {person["password_set"] for person in staff} == {False}
        first = staff[0]["id"]
        given = await client.post(
            f"/api/v1/handlers/{first}/password", headers=ADMIN, json={"password": "Upgraded-2026-pass"}
        )
        assert given.status_code == 204
        signed_in = await sign_in_with_password(client, first, "Upgraded-2026-pass")
        assert signed_in.headers["location"] == "/workbench/password?first=1"
        assert (await client.get("/api/v1/bounces", headers=ADMIN)).json() == [
            {"department_id": "command-comms", "returned": 1}
        ]
        tasks, history = 0, 0
        for department in DEPARTMENTS:
            handler = bearer(Role.HANDLER, department=department)
            for task in (await client.get("/api/v1/tasks", headers=handler)).json():
                detail = (await client.get(f"/api/v1/cases/{task['case_id']}", headers=handler)).json()
                tasks, history = tasks + 1, history + len(detail["history"])
        assert (tasks, history) == (rows["routing_task"], rows["routing_case_history"])


async def test_tracking_reads_back_every_clock_ledger_and_year(
    kafka_bootstrap: str, topics: Topics, databases: Databases
) -> None:
    url = await _legacy("tracking", databases)
    rows, legacy = rows_in_dump("tracking", url), manifest(url)
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, url, alarm_check_seconds=3600)
    async with in_process(tracking_app, settings) as (client, runtime):
        await _plumbing_kept(runtime, rows)
        clocks: list[dict[str, Any]] = []
        for aggregate in [*(c["case_id"] for c in legacy["cases"].values()), legacy["consultation_id"]]:
            body = (await client.get(f"/api/v1/cases/{aggregate}/deadlines", headers=ADMIN)).json()
            clocks += body["clocks"]
        assert len(clocks) == rows["tracking_clock"]
        assert sum(len(c["ledger"]) for c in clocks) == rows["tracking_clock_ledger"]
        overdue = (
            await client.get(
                f"/api/v1/cases/{legacy['cases']['disclosure_overdue']['case_id']}/deadlines", headers=ADMIN
            )
        ).json()
        assert "breached" in {c["state"] for c in overdue["clocks"]}, "its red card was sent"
        years = (await client.get("/api/v1/calendar")).json()
        assert len(years) == rows["calendar_year"]
        notice = (await client.get("/api/v1/calendar/2027")).json()
        assert (notice["status"], notice["source"]) == ("announced", "国办发明电〔2026〕X号")
        assert await _count(runtime, table("tracking_alarm")) == rows["tracking_alarm"]


async def test_publishing_reads_back_every_publication_review_and_record(
    kafka_bootstrap: str, topics: Topics, databases: Databases
) -> None:
    url = await _legacy("publishing", databases)
    rows, legacy = rows_in_dump("publishing", url), manifest(url)
    async with in_process(publishing_app, settings_for(PublishingSettings, kafka_bootstrap, topics, url)) as (
        client,
        runtime,
    ):
        await _plumbing_kept(runtime, rows)
        assert (await client.get("/api/v1/replies")).json()["total"] == rows["publishing_reply"]
        published = (
            await client.get("/api/v1/reviews", params={"status": "published"}, headers=REVIEWER)
        ).json()
        assert len(published) == rows["publishing_review"]
        assert sum(len(item["approved_by"]) for item in published) == rows["publishing_review_decision"]
        assert len((await client.get("/api/v1/consultations")).json()) == rows["publishing_consultation"]
        report = (
            await client.get(f"/api/v1/consultations/{legacy['consultation_id']}/adoption-report")
        ).json()
        assert (report["received"], report["adopted"], report["not_adopted"]) == (2, 1, 1)
        assert rows["publishing_comment"] == 2
        stats = (await client.get("/api/v1/stats", params=YEAR)).json()
        assert stats["total"]["received"] == rows["publishing_case"]
        consented = [r for r in stats["rows"] if r["channel"] == "mailbox"]
        assert sum(r["received"] for r in consented) == 2
        assert rows["publishing_consented_letter"] == 1

        annual = await client.get("/api/v1/reports/disclosure/2026")
        assert annual.status_code == 200, "release 0.1's reopened request no longer breaks the report"
        tables = {r["row"]: r["counts"]["total"] for r in annual.json()["table_three"]}
        assert (tables["new"], tables["total"], tables["carried_forward"]) == (3, 1, 2)
        assert tables["not_processed.repeated"] == 1, "answered once, counted once"
        assert annual.json()["excluded_records"] == 0
        assert annual.json()["table_four"]["review"]["pending"] == rows["publishing_appeal"]
