"""The admin's side of routing on the real broker: rules as data (audited), triage, bounces."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from shared.codes import Channel, Role
from shared.dates import today
from shared.events import MailboxContent, SubmissionReceived
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support.kafka import RawProducer, TopicReader
from tests.support.services import assert_error, bearer

pytestmark = pytest.mark.kafka

ADMIN = bearer(Role.ADMIN, sub="admin-zhou")


def letter(subject: str) -> SubmissionReceived:
    return SubmissionReceived(
        case_id=uuid4(),
        channel=Channel.MAILBOX,
        received_at=datetime.now(UTC),
        receipt_date=today(),
        mailbox=MailboxContent(mailbox="director", category="咨询", subject=subject, body="来信内容"),
    )


async def assigned_to(
    producer: RawProducer, topics: Topics, events: TopicReader, submission: SubmissionReceived
) -> dict[str, object]:
    await producer.send_payloads(topics.case_events, [submission])
    (event,) = await events.wait_for_event(str(submission.case_id), "case.assigned")
    return event.data


async def test_only_an_admin_manages_the_office(routing: tuple[httpx.AsyncClient, ServiceRuntime]) -> None:
    client, _ = routing
    handler = bearer(Role.HANDLER, department="engineering")
    for method, path in (
        ("GET", "/api/v1/rules"),
        ("GET", "/api/v1/audit"),
        ("GET", "/api/v1/bounces"),
        ("GET", "/api/v1/handlers"),
    ):
        assert_error(await client.request(method, path, headers=handler), 403, "forbidden")
    assert_error(
        await client.post("/api/v1/departments", json={"id": "x", "name": "x"}, headers=handler),
        403,
        "forbidden",
    )
    handlers = (await client.get("/api/v1/handlers", headers=ADMIN)).json()
    assert {
        "id": "li-si",
        "name": "李四",
        "department_id": "engineering",
        "roles": ["handler"],
        "active": True,
        "password_set": False,
    } in handlers


async def test_a_new_rule_routes_the_next_case_and_disabling_it_stops_it(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = routing
    new_department = {"id": "publicity", "name": "宣传教育处", "description": "国防教育宣传"}
    assert (await client.post("/api/v1/departments", json=new_department, headers=ADMIN)).status_code == 201
    assert_error(
        await client.post("/api/v1/departments", json=new_department, headers=ADMIN), 409, "conflict"
    )
    rule = {
        "id": "education-day",
        "priority": 5,
        "department_id": "publicity",
        "keywords": ["国防教育日"],
        "reason": "宣传活动",
    }
    assert_error(
        await client.post("/api/v1/rules", json=rule | {"department_id": "nowhere"}, headers=ADMIN),
        422,
        "validation_error",
        "department_id",
    )
    assert (await client.post("/api/v1/rules", json=rule, headers=ADMIN)).status_code == 201
    data = await assigned_to(producer, topics, case_events, letter("全民国防教育日活动安排"))
    assert (data["department_id"], data["rule_id"]) == ("publicity", "education-day")

    changed = await client.put(
        "/api/v1/rules/education-day",
        json={k: v for k, v in rule.items() if k != "id"} | {"enabled": False},
        headers=ADMIN,
    )
    assert changed.json()["enabled"] is False
    data = await assigned_to(producer, topics, case_events, letter("全民国防教育日活动安排"))
    assert data["rule_id"] == "mobilisation-keywords", "a disabled rule still routed a case"

    audit = (await client.get("/api/v1/audit", headers=ADMIN)).json()
    assert [(a["action"], a["target"]) for a in audit[:3]] == [
        ("rule.disabled", "education-day"),
        ("rule.added", "education-day"),
        ("department.added", "publicity"),
    ]
    assert audit[0]["actor"] == "测试用户（admin-zhou）"
    assert (audit[0]["before"]["enabled"], audit[0]["after"]["enabled"]) == (True, False)
    rules = (await client.get("/api/v1/rules", headers=ADMIN)).json()
    assert rules[0]["id"] == "education-day"
    assert [r["priority"] for r in rules] == sorted(r["priority"] for r in rules)


async def test_an_admin_dispatches_a_case_from_triage(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = routing
    submission = letter("感谢信")
    assert (await assigned_to(producer, topics, case_events, submission))["department_id"] == "triage"
    url = f"/api/v1/cases/{submission.case_id}/dispatch"
    assert_error(
        await client.post(
            url, json={"department_id": "general-office"}, headers=bearer(Role.HANDLER, department="triage")
        ),
        403,
        "forbidden",
    )
    assert_error(
        await client.post(url, json={"department_id": "triage"}, headers=ADMIN),
        422,
        "validation_error",
        "department_id",
    )
    dispatched = await client.post(
        url, json={"department_id": "general-office", "note": "表扬信转办公室"}, headers=ADMIN
    )
    assert dispatched.status_code == 200, dispatched.text
    second = (await case_events.wait_for_event(str(submission.case_id), "case.assigned", count=2))[-1]
    assert second.data["department_id"] == "general-office"
    assert second.data["rule_id"] is None
    assert "表扬信转办公室" in second.data["reason"]
    assert_error(await client.post(url, json={"department_id": "policy"}, headers=ADMIN), 409, "conflict")
    office = bearer(Role.HANDLER, department="general-office")
    tasks = (await client.get("/api/v1/tasks", headers=office)).json()
    assert str(submission.case_id) in {t["case_id"] for t in tasks}


async def test_returns_are_counted_per_department(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = routing
    submission = letter("防空警报声音")
    assert (await assigned_to(producer, topics, case_events, submission))["department_id"] == "command-comms"
    comms = bearer(Role.HANDLER, department="command-comms")
    returned = await client.post(
        f"/api/v1/cases/{submission.case_id}/return", json={"reason": "不属本处"}, headers=comms
    )
    assert returned.status_code == 200, returned.text
    assert (await client.get("/api/v1/bounces", headers=ADMIN)).json() == [
        {"department_id": "command-comms", "returned": 1}
    ]
