"""Routing against the real broker and a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from shared.codes import ApplicantType, Channel, ClockKind, DeliveryForm, DeliveryMethod, Role
from shared.events import (
    CommentContent,
    Contact,
    DeadlineSet,
    DisclosureContent,
    MailboxContent,
    SubmissionReceived,
    SubmissionRefused,
)
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import assert_error, bearer

pytestmark = pytest.mark.kafka

ENGINEERING = bearer(Role.HANDLER, department="engineering")


def letter(mailbox: str, subject: str, body: str = "来信内容") -> SubmissionReceived:
    return SubmissionReceived(
        case_id=uuid4(),
        channel=Channel.MAILBOX,
        received_at=datetime.now(UTC),
        receipt_date=date(2026, 11, 25),
        contact=Contact(name="王五", phone="13700001111"),
        mailbox=MailboxContent(mailbox=mailbox, category="咨询", subject=subject, body=body),
    )


def disclosure() -> SubmissionReceived:
    return SubmissionReceived(
        case_id=uuid4(),
        channel=Channel.DISCLOSURE_REQUEST,
        received_at=datetime.now(UTC),
        receipt_date=date(2026, 11, 25),
        contact=Contact(name="李四", id_number="11010519491231002X"),
        disclosure=DisclosureContent(
            applicant_type=ApplicantType.NATURAL_PERSON,
            description="人防工程易地建设费收缴情况",
            delivery_form=DeliveryForm.ELECTRONIC,
            delivery_method=DeliveryMethod.ONLINE,
        ),
    )


def comment() -> SubmissionReceived:
    return SubmissionReceived(
        case_id=uuid4(),
        channel=Channel.CONSULTATION_COMMENT,
        received_at=datetime.now(UTC),
        receipt_date=date(2026, 11, 25),
        comment=CommentContent(consultation_id=uuid4(), body="建议增加条款"),
    )


@pytest.mark.parametrize(
    ("submission", "department", "rule"),
    [
        pytest.param(
            letter("civil-air-defence", "咨询"), "engineering", "engineering-mailbox", id="by-mailbox"
        ),
        pytest.param(
            letter("director", "关于防空警报试鸣的疑问"), "command-comms", "alarm-keywords", id="by-keyword"
        ),
        pytest.param(
            letter("director", "ＡＢＣ", "小区防空洞漏水"),
            "engineering",
            "shelter-keywords",
            id="keyword-in-body",
        ),
        pytest.param(letter("director", "表扬信", "感谢工作人员"), "triage", None, id="no-rule-triage"),
        pytest.param(disclosure(), "open-government", "disclosure-requests", id="disclosure"),
        pytest.param(comment(), "policy", "consultation-comments", id="comment"),
    ],
)
async def test_a_submission_is_assigned_by_the_rules_with_the_reason(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
    submission: SubmissionReceived,
    department: str,
    rule: str | None,
) -> None:
    await producer.send_payloads(topics.case_events, [submission])
    (assigned,) = await case_events.wait_for_event(str(submission.case_id), "case.assigned")
    assert assigned.source == "/civic/routing"
    assert assigned.data["department_id"] == department
    assert assigned.data["rule_id"] == rule
    assert assigned.data["reason"]
    if rule:
        assert rule in assigned.data["reason"]


async def test_a_redelivered_submission_is_assigned_once(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    submission = letter("civil-air-defence", "重复投递")
    (envelope,) = await producer.send_payloads(topics.case_events, [submission])
    await producer.send_event(topics.case_events, envelope)
    await case_events.wait_for_event(str(submission.case_id), "case.assigned")
    await case_events.settle(1.5)
    assert len([e for e in case_events.events(str(submission.case_id)) if e.type == "case.assigned"]) == 1


async def test_a_comment_intake_refused_leaves_the_inbox_with_the_reason(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    client, _ = routing
    late = comment()
    await producer.send_payloads(topics.case_events, [late])
    await case_events.wait_for_event(str(late.case_id), "case.assigned")
    reason = "意见征集已于2026年11月25日 10:00截止，晚于截止时间，不纳入本次意见征集"
    await producer.send_payloads(
        topics.case_events,
        [SubmissionRefused(case_id=late.case_id, reason=reason, refused_on=date(2026, 11, 25))],
    )
    policy = bearer(Role.HANDLER, department="policy")

    async def closed() -> dict[str, Any] | None:
        detail: dict[str, Any] = (await client.get(f"/api/v1/cases/{late.case_id}", headers=policy)).json()
        return detail if detail["task"]["state"] == "closed" else None

    detail = await eventually(closed, "the refused comment's task to close")
    assert detail["history"][-1]["summary"] == f"不予受理：{reason}"
    open_tasks = (await client.get("/api/v1/tasks", headers=policy, params={"state": "assigned"})).json()
    assert str(late.case_id) not in {task["case_id"] for task in open_tasks}


async def _task_appears(
    client: httpx.AsyncClient, case_id: UUID, headers: dict[str, str]
) -> list[dict[str, object]]:
    async def listed() -> list[dict[str, object]] | None:
        tasks: list[dict[str, object]] = (await client.get("/api/v1/tasks", headers=headers)).json()
        return tasks if any(t["case_id"] == str(case_id) for t in tasks) else None

    return await eventually(listed, "the task in the inbox")


async def test_the_inbox_shows_the_departments_own_cases_soonest_due_first(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    client, _ = routing
    later, sooner, elsewhere = (
        letter("civil-air-defence", "后到期"),
        letter("civil-air-defence", "先到期"),
        disclosure(),
    )
    await producer.send_payloads(topics.case_events, [later, sooner, elsewhere])
    for submission in (later, sooner):
        await case_events.wait_for_event(str(submission.case_id), "case.assigned")
    await producer.send_payloads(
        topics.case_events,
        [
            DeadlineSet(
                case_id=later.case_id,
                clock=ClockKind.REPLY,
                due_date=date(2026, 12, 9),
                provisional=False,
                cause="case.assigned",
                note="n",
            ),
            DeadlineSet(
                case_id=sooner.case_id,
                clock=ClockKind.REPLY,
                due_date=date(2026, 12, 2),
                provisional=False,
                cause="case.assigned",
                note="n",
            ),
        ],
    )

    async def both_dated() -> list[dict[str, object]] | None:
        tasks = await _task_appears(client, sooner.case_id, ENGINEERING)
        return tasks if len(tasks) == 2 and all(t["due_date"] for t in tasks) else None

    tasks = await eventually(both_dated, "both tasks with their due dates")
    assert [t["case_id"] for t in tasks] == [str(sooner.case_id), str(later.case_id)]
    assert str(elsewhere.case_id) not in {t["case_id"] for t in tasks}
    assert tasks[0]["due_date"] == "2026-12-02"


async def test_tasks_need_a_handler_token(routing: tuple[httpx.AsyncClient, ServiceRuntime]) -> None:
    client, _ = routing
    assert_error(await client.get("/api/v1/tasks"), 401, "unauthorized")
    assert_error(
        await client.get("/api/v1/tasks", headers={"Authorization": "Bearer not-a-jwt"}), 401, "unauthorized"
    )
    assert_error(await client.get("/api/v1/tasks", headers=bearer(Role.REVIEWER)), 403, "forbidden")


async def test_a_handler_replies_to_a_case_of_their_department(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    client, _ = routing
    submission = letter("civil-air-defence", "人防车位")
    await producer.send_payloads(topics.case_events, [submission])
    await _task_appears(client, submission.case_id, ENGINEERING)
    url = f"/api/v1/cases/{submission.case_id}/reply"

    other = bearer(Role.HANDLER, department="policy")
    assert_error(await client.post(url, json={"text": "答复"}, headers=other), 403, "forbidden")
    assert_error(
        await client.post(url, json={"text": "答复", "outcome": "disclosed"}, headers=ENGINEERING),
        422,
        "validation_error",
        "outcome",
    )
    assert_error(
        await client.post(url, json={"text": ""}, headers=ENGINEERING), 422, "validation_error", "text"
    )

    response = await client.post(url, json={"text": "您好，人防车位可依法出租。"}, headers=ENGINEERING)
    assert response.status_code == 200, response.text
    (replied,) = await case_events.wait_for_event(str(submission.case_id), "case.replied")
    assert replied.data["text"] == "您好，人防车位可依法出租。"
    assert replied.data["department_name"] == "人防工程管理处"
    assert replied.correlationid == str(submission.case_id)

    assert_error(await client.post(url, json={"text": "再次答复"}, headers=ENGINEERING), 409, "conflict")
    assert_error(
        await client.post(f"/api/v1/cases/{uuid4()}/reply", json={"text": "x"}, headers=ENGINEERING),
        404,
        "not_found",
    )


async def test_a_disclosure_reply_needs_an_outcome_and_a_reason_when_withholding(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    client, _ = routing
    headers = bearer(Role.HANDLER, department="open-government")
    submission = disclosure()
    await producer.send_payloads(topics.case_events, [submission])
    await _task_appears(client, submission.case_id, headers)
    url = f"/api/v1/cases/{submission.case_id}/reply"
    assert_error(
        await client.post(url, json={"text": "答复"}, headers=headers), 422, "validation_error", "outcome"
    )
    assert_error(
        await client.post(url, json={"text": "答复", "outcome": "withheld.state_secret"}, headers=headers),
        422,
        "validation_error",
        "reason",
    )
    assert_error(
        await client.post(url, json={"text": "答复", "outcome": "leaked"}, headers=headers),
        422,
        "validation_error",
        "outcome",
    )
    body = {
        "text": "经审查不予公开。",
        "outcome": "withheld.state_secret",
        "reason": "依据《条例》第十四条，属于国家秘密",
    }
    assert (await client.post(url, json=body, headers=headers)).status_code == 200
    (replied,) = await case_events.wait_for_event(str(submission.case_id), "case.replied")
    assert replied.data["outcome"] == "withheld.state_secret"


async def test_departments_are_listed(routing: tuple[httpx.AsyncClient, ServiceRuntime]) -> None:
    client, _ = routing
    departments = {d["id"]: d["name"] for d in (await client.get("/api/v1/departments")).json()}
    assert departments["engineering"] == "人防工程管理处"
    assert "triage" in departments


async def test_of_two_racing_replies_exactly_one_is_sent(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    import asyncio

    client, _ = routing
    submission = letter("civil-air-defence", "双击提交")
    await producer.send_payloads(topics.case_events, [submission])
    await _task_appears(client, submission.case_id, ENGINEERING)
    url = f"/api/v1/cases/{submission.case_id}/reply"
    first, second = await asyncio.gather(
        client.post(url, json={"text": "答复一"}, headers=ENGINEERING),
        client.post(url, json={"text": "答复二"}, headers=ENGINEERING),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    await case_events.wait_for_event(str(submission.case_id), "case.replied")
    await case_events.settle(1.0)
    assert len([e for e in case_events.events(str(submission.case_id)) if e.type == "case.replied"]) == 1


async def test_routing_keeps_the_calendar_tracking_announces(
    routing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    """Return and supplement windows are counted on the same calendar as tracking's clocks."""
    from shared.calendar_store import CalendarYear, LiveCalendar
    from shared.events import CalendarUpdated

    _, runtime = routing
    await producer.send_payloads(
        topics.calendar_events,
        [CalendarUpdated(year=2027, holidays=(date(2027, 1, 1),), extra_workdays=(), status="announced")],
    )

    async def stored() -> CalendarYear | None:
        async with runtime.database.session() as session:
            return await session.get(CalendarYear, 2027)

    row = await eventually(stored, "routing to store the 2027 calendar")
    assert (row.status, row.holidays) == ("announced", ["2027-01-01"])
    calendar = LiveCalendar()  # what routing's actions count with after their refresh
    assert calendar.year_status(2027) == "provisional"
    async with runtime.database.session() as session:
        assert await calendar.refresh(session)
    assert calendar.year_status(2027) == "announced"
    assert not calendar.is_workday(date(2027, 1, 1))
    assert calendar.is_workday(date(2026, 10, 10)), "the seeded years are there too (Sat 2026-10-10 worked)"
