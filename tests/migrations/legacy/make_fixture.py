"""How the legacy databases in this folder were made: release 0.1's schema, with real rows in it.

The upgrade test (``tests/migrations/test_upgrade.py``) loads them into fresh databases, upgrades them
to the newest revision and reads every row back through the services' APIs. They were made by running
this script on a checkout of the release (commit c91e806, the last one without migrations):

    git worktree add /tmp/civic-0.1 c91e806 && cd /tmp/civic-0.1 && make setup
    uv run python <this file> --out <this folder> --postgres postgresql+asyncpg://civic:civic@127.0.0.1/postgres

It starts a broker and the four services as processes (SQLite, then PostgreSQL), drives a realistic
office through their APIs — letters replied, returned, dispatched from triage, extended, reopened;
disclosure requests supplemented, sent to a third party, extended, answered, one overdue with its red
card; a consultation with comments decided and its adoption report published after 三审; a calendar
year stored; rules, handlers and departments changed; an appeal recorded — waits until every outbox is
sent, stops the services and dumps each database as SQL (``<backend>/<service>.sql``), with the
tracking codes and ids in ``manifest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import subprocess
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from deploy.kafka.local import LocalKafka, create_topics, free_port
from deploy.processes import ServiceProcess, start_services, stop_services
from shared.auth import mint_token
from shared.codes import Role
from shared.dates import today as shanghai_today
from shared.topics import Topics

SERVICES = ("intake", "routing", "tracking", "publishing")
SECRET = "legacy-fixture-secret-at-least-32-bytes-long"


def bearer(*roles: Role, department: str | None = None, sub: str = "legacy") -> dict[str, str]:
    token = mint_token(SECRET, sub=sub, name="旧版用户", roles=list(roles), department=department)
    return {"Authorization": f"Bearer {token}"}


ADMIN = bearer(Role.ADMIN, sub="admin-1")
STAFF = bearer(Role.STAFF, sub="clerk-1")
HEAD = bearer(Role.DISCLOSURE_HEAD, sub="head-1")
REVIEWERS = [bearer(Role.REVIEWER, sub=f"reviewer-{n}") for n in (1, 2, 3)]


def handler(department: str) -> dict[str, str]:
    return bearer(Role.HANDLER, department=department, sub=f"handler-{department}")


def department_head(department: str) -> dict[str, str]:
    return bearer(Role.DEPARTMENT_HEAD, department=department, sub=f"head-{department}")


async def until(check: Any, what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.3)
    raise TimeoutError(what)


class Office:
    def __init__(self, http: httpx.AsyncClient, urls: dict[str, str]) -> None:
        self.http = http
        self.intake, self.routing, self.tracking, self.publishing = (urls[name] for name in SERVICES)

    async def post(self, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        response = await self.http.post(url, json=body if body is not None else {}, headers=headers)
        if response.status_code >= 300:
            raise RuntimeError(f"POST {url}: {response.status_code} {response.text}")
        return response.json()

    async def status(self, code: str) -> dict[str, Any]:
        response = await self.http.get(f"{self.intake}/api/v1/cases/{code}")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def wait_status(self, code: str, status: str, *, with_due_date: bool = False) -> None:
        async def reached() -> bool:
            view = await self.status(code)
            return bool(view["status"] == status and (view["due_date"] or not with_due_date))

        await until(reached, f"{code} → {status}")

    async def action(self, case_id: str, verb: str, body: Any, headers: dict[str, str]) -> Any:
        return await self.post(f"{self.routing}/api/v1/cases/{case_id}/{verb}", body, headers)

    async def approve_all(self, kind: str, subject: str) -> None:
        async def pending() -> str | None:
            response = await self.http.get(f"{self.publishing}/api/v1/reviews", headers=REVIEWERS[0])
            for item in response.json():
                if item["kind"] == kind and item["subject_id"] == subject:
                    return str(item["id"])
            return None

        review_id = await until(pending, f"review of {kind} {subject}")
        for reviewer in REVIEWERS:
            await self.post(f"{self.publishing}/api/v1/reviews/{review_id}/approve", {}, reviewer)


async def drive(office: Office) -> dict[str, Any]:
    """The office's work; the ids and tracking codes a reader needs."""
    p, t = office.publishing, office.tracking
    manifest: dict[str, Any] = {"cases": {}}

    async def submit(
        name: str, path: str, body: Any, headers: dict[str, str] | None = None
    ) -> dict[str, str]:
        receipt = await office.post(f"{office.intake}{path}", body, headers)
        manifest["cases"][name] = {"case_id": receipt["case_id"], "tracking_code": receipt["tracking_code"]}
        return dict(receipt)

    # A consultation, its comments, decided, and the adoption report published.
    today = shanghai_today()
    consultation = await office.post(
        f"{p}/api/v1/consultations",
        {
            "title": "《人民防空工程平时使用管理办法（征求意见稿）》",
            "summary": "公开征求社会各界意见。",
            "draft_text": "第一条 为规范人防工程平时使用，制定本办法。",
            "opens_on": today.isoformat(),
            "closes_on": (today + timedelta(days=30)).isoformat(),
        },
        ADMIN,
    )
    manifest["consultation_id"] = consultation["id"]

    comment_path = f"/api/v1/consultations/{consultation['id']}/comments"

    async def comment(name: str, body: Any) -> None:
        async def accepted() -> bool:
            response = await office.http.post(f"{office.intake}{comment_path}", json=body)
            if response.status_code == 201:
                receipt = response.json()
                manifest["cases"][name] = {
                    "case_id": receipt["case_id"],
                    "tracking_code": receipt["tracking_code"],
                }
                return True
            return False

        await until(accepted, "the consultation reaching intake")

    await comment(
        "comment_adopted",
        {
            "body": "建议明确人防车位的收费标准。",
            "clause": "第十二条",
            "contact": {"name": "钱多多", "phone": "13700001111"},
        },
    )
    await comment("comment_not_adopted", {"body": "建议取消全部收费。"})
    for name in ("comment_adopted", "comment_not_adopted"):
        await office.wait_status(manifest["cases"][name]["tracking_code"], "assigned")
    await office.post(f"{p}/api/v1/consultations/{consultation['id']}/close", {}, ADMIN)
    policy = handler("policy")
    await office.action(
        manifest["cases"]["comment_adopted"]["case_id"],
        "reply",
        {"text": "采纳，已在第十二条中明确。", "adoption": "adopted"},
        policy,
    )
    await office.action(
        manifest["cases"]["comment_not_adopted"]["case_id"],
        "reply",
        {"text": "未采纳。", "adoption": "not_adopted", "reason": "收费依据上位法规定"},
        policy,
    )
    for name in ("comment_adopted", "comment_not_adopted"):
        await office.wait_status(manifest["cases"][name]["tracking_code"], "replied")

    async def compiled() -> bool:
        response = await office.http.post(
            f"{p}/api/v1/consultations/{consultation['id']}/adoption-report", headers=ADMIN
        )
        return response.status_code == 201

    await until(compiled, "every comment decided in publishing")
    await office.approve_all("adoption_report", consultation["id"])

    # A letter answered, published after 三审, rated and closed; its retry with the same key.
    letter = {
        "mailbox": "civil-air-defence",
        "category": "咨询",
        "subject": "小区人防工程能否停车",
        "body": "请问小区地下人防工程平时可以作为停车场吗？我的电话13812345678",
        "contact": {"name": "张三丰", "phone": "13812345678"},
        "publish_consent": True,
    }
    first = await submit(
        "letter_published", "/api/v1/mailbox-messages", letter, {"Idempotency-Key": "legacy-1"}
    )
    again = await office.post(
        f"{office.intake}/api/v1/mailbox-messages", letter, {"Idempotency-Key": "legacy-1"}
    )
    assert again["case_id"] == first["case_id"]
    await office.wait_status(first["tracking_code"], "assigned", with_due_date=True)
    engineering = handler("engineering")
    await office.action(first["case_id"], "accept", {}, engineering)
    await office.action(
        first["case_id"], "reply", {"text": "张三丰您好：人防工程平时可依法用于停车。"}, engineering
    )
    await office.approve_all("reply", first["case_id"])
    await office.wait_status(first["tracking_code"], "replied")
    await office.post(
        f"{office.intake}/api/v1/cases/{first['tracking_code']}/rating", {"rating": "satisfied"}
    )
    await office.action(first["case_id"], "close", {}, engineering)

    # A letter returned, left in triage, dispatched by hand, extended, answered, reopened, answered again.
    second = await submit(
        "letter_reopened",
        "/api/v1/mailbox-messages",
        {
            "mailbox": "director",
            "category": "投诉",
            "subject": "防空警报试鸣声音太小",
            "body": "今年警报试鸣时我们小区几乎听不到防空警报。",
            "contact": {"name": "孙小美", "email": "sun@example.cn"},
            "publish_consent": False,
        },
    )
    await office.wait_status(second["tracking_code"], "assigned", with_due_date=True)
    await office.action(second["case_id"], "return", {"reason": "不属于本处职责"}, handler("command-comms"))

    async def in_triage() -> bool:
        response = await office.http.get(f"{office.routing}/api/v1/tasks", headers=handler("triage"))
        return any(task["case_id"] == second["case_id"] for task in response.json())

    await until(in_triage, "the returned letter in triage")
    await office.post(
        f"{office.routing}/api/v1/cases/{second['case_id']}/dispatch",
        {"department_id": "general-office", "note": "由办公室协调"},
        ADMIN,
    )
    office_handler = handler("general-office")
    await office.action(second["case_id"], "accept", {}, office_handler)
    await office.action(
        second["case_id"],
        "extend",
        {"working_days": 5, "reason": "需协调指挥通信处"},
        department_head("general-office"),
    )
    await office.action(second["case_id"], "reply", {"text": "已安排检修警报器。"}, office_handler)
    await office.wait_status(second["tracking_code"], "replied")
    await office.post(
        f"{office.intake}/api/v1/cases/{second['tracking_code']}/rating",
        {"rating": "unsatisfied", "comment": "没有说明何时修好"},
    )
    await office.wait_status(second["tracking_code"], "in_progress")
    await office.action(second["case_id"], "reply", {"text": "警报器已于本月修复。"}, office_handler)

    # A disclosure request supplemented, sent to a third party, extended, answered, then reopened.
    request = await submit(
        "disclosure_reopened",
        "/api/v1/disclosure-requests",
        {
            "applicant": {
                "type": "natural_person",
                "name": "李四",
                "id_number": "11010519491231002X",
                "phone": "13912345678",
            },
            "description": "2025年本市防空地下室易地建设费收缴情况",
            "delivery_form": "electronic",
            "delivery_method": "online",
        },
    )
    await office.wait_status(request["tracking_code"], "assigned", with_due_date=True)
    opengov = handler("open-government")
    await office.action(request["case_id"], "accept", {}, opengov)
    await office.action(
        request["case_id"],
        "request-supplement",
        {"items": "请写明所需信息的年份", "working_days": 10},
        opengov,
    )
    await office.wait_status(request["tracking_code"], "supplement_requested")
    await office.post(
        f"{office.intake}/api/v1/cases/{request['tracking_code']}/supplement", {"text": "2025年度"}
    )

    async def back_in_hand() -> bool:
        response = await office.http.get(
            f"{office.routing}/api/v1/cases/{request['case_id']}", headers=opengov
        )
        return bool(response.json()["task"]["state"] == "accepted")

    await until(back_in_hand, "the supplement in routing")
    await office.action(request["case_id"], "consult-third-party", {"party": "某建设公司"}, opengov)
    await office.action(request["case_id"], "third-party-replied", {"note": "不同意公开"}, opengov)
    await office.action(request["case_id"], "extend", {"working_days": 10, "reason": "需调取档案"}, HEAD)
    await office.action(
        request["case_id"],
        "reply",
        {"text": "经审查，部分公开。", "outcome": "partially_disclosed", "reason": "涉及第三方商业秘密"},
        opengov,
    )
    await office.wait_status(request["tracking_code"], "replied")
    await office.post(
        f"{office.intake}/api/v1/cases/{request['tracking_code']}/rating", {"rating": "unsatisfied"}
    )
    await office.wait_status(request["tracking_code"], "in_progress")

    # A request registered by post 45 days ago: overdue, with its red card.
    late = await submit(
        "disclosure_overdue",
        "/api/v1/disclosure-requests",
        {
            "applicant": {
                "type": "business",
                "organisation": "济南某建设有限公司",
                "phone": "0531-86123456",
                "address": "历下区某路1号",
            },
            "description": "某小区防空地下室竣工验收备案信息",
            "delivery_form": "paper",
            "delivery_method": "post",
            "received_via": "post_signed",
            "received_at": (today - timedelta(days=45)).isoformat(),
        },
        STAFF,
    )
    await office.wait_status(late["tracking_code"], "assigned", with_due_date=True)

    async def red_card() -> bool:
        response = await office.http.get(f"{t}/api/v1/cases/{late['case_id']}/deadlines", headers=ADMIN)
        return any(clock["state"] == "breached" for clock in response.json()["clocks"])

    await until(red_card, "the red card")

    # A request not processed (a repeated one), answered at once.
    repeated = await submit(
        "disclosure_repeated",
        "/api/v1/disclosure-requests",
        {
            "applicant": {
                "type": "research_institution",
                "organisation": "某研究院",
                "email": "r@example.cn",
            },
            "description": "2025年本市防空地下室易地建设费收缴情况（重复）",
            "delivery_form": "electronic",
            "delivery_method": "email",
        },
    )
    await office.wait_status(repeated["tracking_code"], "assigned", with_due_date=True)
    await office.action(
        repeated["case_id"],
        "reply",
        {
            "text": "重复申请，不予重复处理。",
            "outcome": "not_processed.repeated",
            "reason": "同一申请人重复申请",
        },
        opengov,
    )
    await office.wait_status(repeated["tracking_code"], "replied")

    # The admins' work: a calendar year, a rule, a handler, a department, an appeal.
    response = await office.http.put(
        f"{t}/api/v1/calendar/2027",
        json={
            "holidays": ["2027-01-01", "2027-02-06", "2027-02-07"],
            "extra_workdays": ["2027-02-14"],
            "status": "announced",
            "source": "国办发明电〔2026〕X号",
        },
        headers=ADMIN,
    )
    response.raise_for_status()
    await office.post(
        f"{office.routing}/api/v1/rules",
        {"id": "shelter-signs", "priority": 35, "department_id": "engineering", "keywords": ["人防标识"]},
        ADMIN,
    )
    response = await office.http.put(
        f"{office.routing}/api/v1/handlers",
        json={"id": "wu-shi", "name": "吴十", "department_id": "policy", "roles": ["handler"]},
        headers=ADMIN,
    )
    response.raise_for_status()
    response = await office.http.put(
        f"{office.routing}/api/v1/departments/mobilisation",
        json={"name": "国防动员处", "description": "国防动员潜力调查、宣传教育、民兵工作"},
        headers=ADMIN,
    )
    response.raise_for_status()
    await office.post(
        f"{p}/api/v1/reports/appeals",
        {
            "case_id": repeated["case_id"],
            "kind": "reconsideration",
            "filed_on": today.isoformat(),
            "result": "pending",
        },
        ADMIN,
    )
    return manifest


async def settle(backend: str, data_dir: Path, urls: dict[str, str]) -> None:
    """Until every service's outbox is sent (what the services would publish is on the topics)."""

    async def outbox_empty(service: str) -> bool:
        if backend == "sqlite":
            with sqlite3.connect(data_dir / f"{service}.db") as db:
                (unsent,) = db.execute(
                    "SELECT count(*) FROM outbox_message WHERE published_at IS NULL"
                ).fetchone()
            return bool(unsent == 0)
        engine = create_async_engine(urls[service])
        try:
            async with engine.connect() as conn:
                result = await conn.exec_driver_sql(
                    "SELECT count(*) FROM outbox_message WHERE published_at IS NULL"
                )
                return bool(result.scalar_one() == 0)
        finally:
            await engine.dispose()

    for name in SERVICES:
        await until(lambda n=name: outbox_empty(n), f"{name}'s outbox sent")
    await asyncio.sleep(3)  # the consumers take in what was just sent (a fixture, not a test)


def dump_sqlite(database: Path, target: Path) -> None:
    with sqlite3.connect(database) as db:
        target.write_text("\n".join(db.iterdump()) + "\n")


def dump_postgres(url: str, target: Path) -> None:
    parsed = make_url(url)
    subprocess.run(
        [
            "pg_dump",
            "--inserts",
            "--no-owner",
            "--no-privileges",
            "--no-comments",
            "-h",
            parsed.host or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "civic",
            "-f",
            str(target),
            parsed.database or "",
        ],
        env={"PGPASSWORD": parsed.password or "", "PATH": "/usr/bin:/bin"},
        check=True,
    )


async def run_backend(
    backend: str, kafka: str, out: Path, postgres: str | None, work: Path
) -> dict[str, Any]:
    topics = Topics(f"legacy{uuid.uuid4().hex[:6]}-")
    await create_topics(kafka, topics)
    data_dir = work / backend
    env = {
        "CIVIC_JWT_SECRET": SECRET,
        "CIVIC_ENV": "test",
        "TRACKING_ALARM_CHECK_SECONDS": "1",
        "INTAKE_SUBMISSIONS_PER_CLIENT": "1000",
    }
    urls: dict[str, str] = {}
    if backend == "postgresql":
        assert postgres is not None
        engine = create_async_engine(postgres, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            for service in SERVICES:
                name = f"legacy_{service}"
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
                urls[service] = make_url(postgres).set(database=name).render_as_string(hide_password=False)
                env[f"{service.upper()}_DATABASE_URL"] = urls[service]
        await engine.dispose()
    services: list[ServiceProcess] = start_services(
        bootstrap_servers=kafka,
        data_dir=data_dir,
        ports={name: free_port() for name in SERVICES},
        topic_prefix=topics.prefix,
        extra_env=env,
    )
    try:
        await asyncio.gather(*(s.wait_healthy(timeout=90) for s in services))
        async with httpx.AsyncClient(timeout=30) as http:
            manifest = await drive(Office(http, {s.name: s.url for s in services}))
        await settle(backend, data_dir, urls)
    except BaseException:
        for process in services:
            print(f"----- {process.name} -----\n{process.log_tail(80)}")
        raise
    finally:
        stop_services(services)
    target = out / backend
    target.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        if backend == "sqlite":
            dump_sqlite(data_dir / f"{service}.db", target / f"{service}.sql")
        else:
            dump_postgres(urls[service], target / f"{service}.sql")
    return manifest


async def main_async(out: Path, postgres: str | None) -> None:
    work = Path(tempfile.mkdtemp(prefix="civic-legacy-"))
    broker = LocalKafka(work / "kafka")
    broker.start()
    try:
        await broker.wait_ready()
        manifests = {"sqlite": await run_backend("sqlite", broker.bootstrap_servers, out, None, work)}
        if postgres:
            manifests["postgresql"] = await run_backend(
                "postgresql", broker.bootstrap_servers, out, postgres, work
            )
        (out / "manifest.json").write_text(json.dumps(manifests, ensure_ascii=False, indent=2) + "\n")
    finally:
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server (creates legacy_* databases)")
    args = parser.parse_args()
    asyncio.run(main_async(args.out, args.postgres))


if __name__ == "__main__":
    main()
