"""Unsatisfied twice, on the real broker and each database, routing and tracking side by side: the
second unsatisfied rating sends the case to supervision (``case.supervised``) — on tracking's
supervision list and on the department head's notices, which the head reads (已阅) — and an admin
re-routes the reopened case (改派) to another department, whose workbench then lists it, with a new
reply period counted by tracking."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
import pytest_asyncio

from services.routing.app import create_app as create_routing
from services.routing.config import RoutingSettings
from services.tracking.app import create_app as create_tracking
from services.tracking.config import TrackingSettings
from shared.auth import mint_token
from shared.calendar_data import default_calendar
from shared.codes import Channel, Rating, Role
from shared.dates import today
from shared.events import CaseRated, MailboxContent, SubmissionReceived
from shared.staff_pages import CSRF_FIELD
from shared.topics import Topics
from tests.support.databases import Databases
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import JWT_SECRET, assert_error, bearer, in_process, settings_for
from tests.support.staff import hidden_csrf, session_cookie, sign_in_with_token, with_session

pytestmark = pytest.mark.kafka

HANDLER = bearer(Role.HANDLER, department="engineering", sub="li-si")
POLICY_HANDLER = bearer(Role.HANDLER, department="policy", sub="zhou-policy")
ADMIN = bearer(Role.ADMIN, department="general-office", sub="zhou-jiu")
HEAD_TOKEN = mint_token(
    JWT_SECRET, sub="wang-wu", name="王五", roles=[Role.DEPARTMENT_HEAD], department="engineering"
)

Services = tuple[httpx.AsyncClient, httpx.AsyncClient]


@pytest_asyncio.fixture
async def services(kafka_bootstrap: str, topics: Topics, databases: Databases) -> AsyncIterator[Services]:
    """Routing and tracking in-process, each on its own database of the backend under test."""
    routing_settings = settings_for(RoutingSettings, kafka_bootstrap, topics, await databases.new("routing"))
    tracking_settings = settings_for(
        TrackingSettings, kafka_bootstrap, topics, await databases.new("tracking"), alarm_check_seconds=3600
    )
    async with (
        in_process(create_routing, routing_settings) as (routing, _),
        in_process(create_tracking, tracking_settings) as (tracking, _),
    ):
        yield routing, tracking


def letter() -> SubmissionReceived:
    return SubmissionReceived(
        case_id=uuid4(),
        channel=Channel.MAILBOX,
        received_at=datetime.now(UTC),
        receipt_date=today(),
        mailbox=MailboxContent(
            mailbox="civil-air-defence",
            category="投诉",
            subject="地下车库人防门被占用",
            body="多次反映未解决",
        ),
    )


async def reply(routing: httpx.AsyncClient, case_id: str, text: str) -> None:
    async def replied() -> httpx.Response | None:
        response = await routing.post(f"/api/v1/cases/{case_id}/reply", json={"text": text}, headers=HANDLER)
        return response if response.status_code == 200 else None

    await eventually(replied, "the case to take a reply")


async def rate_unsatisfied(
    producer: RawProducer, topics: Topics, case_events: TopicReader, case_id: str, count: int
) -> None:
    rating = CaseRated(case_id=case_id, rating=Rating.UNSATISFIED, comment="问题仍未解决")
    await producer.send_payloads(topics.case_events, [rating])
    await case_events.wait_for_event(case_id, "case.reopened", count=count)


async def supervised_in_tracking(
    tracking: httpx.AsyncClient, case_id: str, **expected: Any
) -> dict[str, Any]:
    async def listed() -> dict[str, Any] | None:
        rows = (await tracking.get("/api/v1/supervised", headers=ADMIN)).json()
        row = next((r for r in rows if r["case_id"] == case_id), None)
        return row if row is not None and all(row[k] == v for k, v in expected.items()) else None

    return await eventually(listed, f"the case on tracking's supervision list with {expected}")


async def test_unsatisfied_twice_goes_to_supervision_with_a_notice_the_head_reads(
    services: Services, producer: RawProducer, topics: Topics, case_events: TopicReader
) -> None:
    routing, tracking = services
    submission = letter()
    case_id = str(submission.case_id)
    await producer.send_payloads(topics.case_events, [submission])
    await case_events.wait_for_event(case_id, "case.assigned")
    await reply(routing, case_id, "已通知物业整改")
    await rate_unsatisfied(producer, topics, case_events, case_id, 1)
    await reply(routing, case_id, "经复查，已责令物业限期清理")
    await rate_unsatisfied(producer, topics, case_events, case_id, 2)

    (supervised,) = await case_events.wait_for_event(case_id, "case.supervised")
    assert supervised.data == {
        "case_id": case_id,
        "department_id": "engineering",
        "department_name": "人防工程管理处",
        "unsatisfied": 2,
        "reason": "市民第2次对答复不满意",
        "supervised_on": today().isoformat(),
    }
    # tracking lists it, unread; a department head of another department does not see it
    row = await supervised_in_tracking(tracking, case_id, read_by=None)
    assert (row["department_id"], row["unsatisfied"], row["reply_clock"]) == ("engineering", 2, "running")
    elsewhere = bearer(Role.DEPARTMENT_HEAD, department="policy", sub="qian-qi")
    assert all(
        r["case_id"] != case_id for r in (await tracking.get("/api/v1/supervised", headers=elsewhere)).json()
    )
    with_session(tracking, session_cookie(Role.ADMIN, department="general-office", sub="zhou-jiu"))
    page = await tracking.get("/workbench/supervision/cases")
    assert page.status_code == 200
    assert "督办事项" in page.text
    assert "市民第2次对答复不满意" in page.text

    # the head's notice: the inbox says one is unread, the notices page lists it, 已阅 records it
    await sign_in_with_token(routing, HEAD_TOKEN)
    inbox = await routing.get("/workbench")
    assert "本部门有 1 件事项因市民再次不满意已转督办" in inbox.text
    notices = await routing.get("/workbench/supervised")
    assert notices.status_code == 200
    assert "地下车库人防门被占用" in notices.text
    read = await routing.post(
        f"/workbench/supervised/{case_id}", data={CSRF_FIELD: hidden_csrf(notices.text)}
    )
    assert read.status_code == 303
    (acknowledged,) = await case_events.wait_for_event(case_id, "case.supervision_acknowledged")
    assert (acknowledged.data["unsatisfied"], acknowledged.data["by"]) == (2, "王五（wang-wu）")
    assert "本部门有" not in (await routing.get("/workbench")).text
    again = await routing.post(
        f"/workbench/supervised/{case_id}", data={CSRF_FIELD: hidden_csrf(notices.text)}
    )
    assert again.status_code == 409
    await supervised_in_tracking(tracking, case_id, read_by="王五（wang-wu）")
    history = (await routing.get(f"/api/v1/cases/{case_id}", headers=HANDLER)).json()["history"]
    assert [h["summary"] for h in history][-2:] == [
        "督办：市民第2次对答复不满意，已通知人防工程管理处负责人",
        "部门负责人已阅督办通知",
    ]


async def test_an_admin_reroutes_a_reopened_case_to_another_department(
    services: Services, producer: RawProducer, topics: Topics, case_events: TopicReader
) -> None:
    routing, tracking = services
    submission, never_reopened = letter(), letter()
    case_id = str(submission.case_id)
    await producer.send_payloads(topics.case_events, [submission, never_reopened])
    await case_events.wait_for_event(str(never_reopened.case_id), "case.assigned")
    await reply(routing, case_id, "已通知物业整改")
    await rate_unsatisfied(producer, topics, case_events, case_id, 1)

    def reroute(target: str, department: str) -> Any:
        return routing.post(
            f"/api/v1/cases/{target}/reroute",
            json={"department_id": department, "note": "涉及政策"},
            headers=ADMIN,
        )

    assert_error(await reroute(str(never_reopened.case_id), "policy"), 409, "conflict")
    assert_error(await reroute(case_id, "engineering"), 422, "validation_error", "department_id")
    assert_error(await reroute(case_id, "triage"), 422, "validation_error", "department_id")
    assert_error(await reroute(case_id, "nowhere"), 422, "validation_error", "department_id")
    assert_error(await reroute(str(uuid4()), "policy"), 404, "not_found")
    forbidden = await routing.post(
        f"/api/v1/cases/{case_id}/reroute", json={"department_id": "policy"}, headers=HANDLER
    )
    assert forbidden.status_code == 403

    moved = await reroute(case_id, "policy")
    assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "assigned"
    (assigned,) = await case_events.wait_for_event(
        case_id, "case.assigned", where=lambda e: e.data["department_id"] == "policy"
    )
    assert (assigned.data["rerouted"], assigned.data["reason"]) == (True, "发回重办改派：涉及政策")
    # the new department's workbench lists it; the old one's no longer does
    policy_inbox = (await routing.get("/api/v1/tasks", headers=POLICY_HANDLER)).json()
    assert [t["reopened"] for t in policy_inbox if t["case_id"] == case_id] == [1]
    assert all(t["case_id"] != case_id for t in (await routing.get("/api/v1/tasks", headers=HANDLER)).json())
    # tracking opens a return window for the new department, and its reply period runs from the
    # re-route (here the day of the reopening too: the same five working days)
    (window,) = await case_events.wait_for_event(
        case_id,
        "deadline.set",
        where=lambda e: e.data["clock"] == "return_window" and "改派" in e.data["note"],
    )
    assert window.data["cause"] == "case.assigned"

    async def counted() -> dict[str, Any] | None:
        response = await tracking.get(f"/api/v1/cases/{case_id}/deadlines", headers=POLICY_HANDLER)
        return response.json() if response.status_code == 200 else None  # the new department's, once moved

    deadlines = await eventually(counted, "the clocks shown to the new department")
    reply_clock = next(c for c in deadlines["clocks"] if c["kind"] == "reply")
    five_days = default_calendar().add_working_days(today(), 5).due_date
    assert (reply_clock["state"], reply_clock["due_date"]) == ("running", five_days.isoformat())
    assert_error(await reroute(case_id, "policy"), 422, "validation_error", "department_id")
