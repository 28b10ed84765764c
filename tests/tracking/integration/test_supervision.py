"""Supervision statistics (督办) from real events on the real broker and each database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.tracking import supervision
from services.tracking.app import create_app
from services.tracking.config import TrackingSettings
from services.tracking.schemas import StatsQuery
from shared.auth import SESSION_COOKIE, Principal, mint_token
from shared.calendar_data import default_calendar
from shared.codes import Channel, Role
from shared.events import (
    CaseAssigned,
    CaseReplied,
    EventPayload,
    SubmissionReceived,
)
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support import events as support
from tests.support.events import Department
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.services import JWT_SECRET, assert_error, bearer, in_process, settings_for

pytestmark = pytest.mark.kafka

ENGINEERING, OPEN_GOVERNMENT = support.ENGINEERING, support.OPEN_GOVERNMENT
YEAR_2025 = {"from": "2025-01-01", "to": "2025-12-31"}


def received(channel: Channel, on: date) -> SubmissionReceived:
    if channel is Channel.MAILBOX:
        return support.letter("s", "b", on=on, mailbox="director", category="投诉")
    return support.disclosure_request(on=on, description="人防警报试鸣方案")


def assigned(submission: SubmissionReceived, department: Department, on: date) -> CaseAssigned:
    return support.assigned(submission, department, reason="r", on=on)


def replied(submission: SubmissionReceived, department: Department, on: date) -> CaseReplied:
    return support.replied(submission, department=department, on=on)


@pytest_asyncio.fixture
async def tracking(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    """Tracking with four cases of 2025 and one of 2030, all events applied."""
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    monday = date(2025, 3, 3)  # a letter assigned that day is due Mon 2025-03-10
    on_time, late, open_letter = (received(Channel.MAILBOX, monday) for _ in range(3))
    request = received(Channel.DISCLOSURE_REQUEST, monday)  # due 2025-03-31
    future = received(Channel.DISCLOSURE_REQUEST, date(2030, 1, 7))
    events: list[EventPayload] = [
        *(
            e
            for letter in (on_time, late, open_letter)
            for e in (letter, assigned(letter, ENGINEERING, monday))
        ),
        replied(on_time, ENGINEERING, date(2025, 3, 6)),  # 3 working days
        replied(late, ENGINEERING, date(2025, 3, 14)),  # 9 working days, after the due date
        request,
        assigned(request, OPEN_GOVERNMENT, monday),
        future,
        assigned(future, OPEN_GOVERNMENT, date(2030, 1, 7)),
    ]
    async with in_process(create_app, settings) as (client, runtime):
        await producer.send_payloads(topics.case_events, events)

        async def applied() -> dict[str, Any] | None:
            body: dict[str, Any] = (await client.get("/api/v1/stats", headers=bearer(Role.ADMIN))).json()
            total = body.get("total", {})
            return body if total.get("cases") == 5 and total.get("replied") == 2 else None

        await eventually(applied, "the five cases and two replies to be counted")
        yield client, runtime


async def test_stats_per_department_and_channel_for_a_period(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, _ = tracking
    response = await client.get("/api/v1/stats", params=YEAR_2025, headers=bearer(Role.DISCLOSURE_HEAD))
    assert response.status_code == 200, response.text
    body = response.json()
    rows = {(r["department_id"], r["channel"]): r for r in body["rows"]}
    assert set(rows) == {("engineering", "mailbox"), ("open-government", "disclosure_request")}
    letters = rows[("engineering", "mailbox")]
    assert letters["department_name"] == "人防工程管理处"
    assert {
        k: letters[k] for k in ("cases", "open", "due_soon", "overdue", "replied", "replied_on_time")
    } == {
        "cases": 3,
        "open": 1,
        "due_soon": 0,
        "overdue": 1,
        "replied": 2,
        "replied_on_time": 1,
    }
    assert (letters["on_time_rate"], letters["average_working_days"]) == (0.5, 6.0)
    requests = rows[("open-government", "disclosure_request")]
    assert (requests["cases"], requests["open"], requests["overdue"], requests["replied"]) == (1, 1, 1, 0)
    assert (requests["on_time_rate"], requests["average_working_days"]) == (None, None)
    total = body["total"]
    assert (total["cases"], total["open"], total["overdue"], total["replied"], total["on_time_rate"]) == (
        4,
        2,
        2,
        2,
        0.5,
    )

    everything = (await client.get("/api/v1/stats", headers=bearer(Role.ADMIN))).json()
    assert everything["total"]["cases"] == 5, "no period: the 2030 request too"
    assert everything["total"]["overdue"] == 2, "a request due in 2030 is not late"
    only_requests = (
        await client.get(
            "/api/v1/stats", params={"channel": "disclosure_request"}, headers=bearer(Role.ADMIN)
        )
    ).json()
    assert [(r["department_id"], r["cases"]) for r in only_requests["rows"]] == [("open-government", 2)]


async def test_due_soon_counts_open_clocks_due_within_two_working_days(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    _, runtime = tracking
    admin = _principal(Role.ADMIN)
    # On Friday 2025-03-07 the open letter (due Monday 03-10) is within two working days (Mon, Tue).
    stats = await supervision.supervision_stats(
        runtime, default_calendar(), admin, StatsQuery.model_validate(YEAR_2025), on=date(2025, 3, 7)
    )
    assert stats.due_soon_until == date(2025, 3, 11)
    assert (stats.total.due_soon, stats.total.overdue) == (1, 0)


async def test_a_department_head_sees_their_department_only_and_bad_queries_are_refused(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, _ = tracking
    head = bearer(Role.DEPARTMENT_HEAD, department="engineering")
    own = (await client.get("/api/v1/stats", params=YEAR_2025, headers=head)).json()
    assert [r["department_id"] for r in own["rows"]] == ["engineering"]
    assert own["total"]["cases"] == 3
    assert_error(
        await client.get("/api/v1/stats", params={"department": "open-government"}, headers=head),
        403,
        "forbidden",
    )
    assert_error(await client.get("/api/v1/stats"), 401, "unauthorized")
    assert_error(
        await client.get("/api/v1/stats", headers=bearer(Role.HANDLER, department="engineering")),
        403,
        "forbidden",
    )
    backwards = await client.get(
        "/api/v1/stats", params={"from": "2025-12-31", "to": "2025-01-01"}, headers=bearer(Role.ADMIN)
    )
    assert_error(backwards, 422, "validation_error")
    assert backwards.json()["error"]["details"][0]["field"] == "from"
    not_a_date = await client.get("/api/v1/stats", params={"from": "2025-13-01"}, headers=bearer(Role.ADMIN))
    assert_error(not_a_date, 422, "validation_error")
    assert_error(
        await client.get("/api/v1/stats", params={"channel": "fax"}, headers=bearer(Role.ADMIN)),
        422,
        "validation_error",
    )


async def test_the_supervision_page_uses_the_workbench_sign_in(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, _ = tracking
    anonymous = await client.get("/workbench/supervision", params={"channel": "mailbox"})
    assert anonymous.status_code == 303, "signed out: to the sign-in, and back here afterwards"
    assert anonymous.headers["location"] == "/workbench/login?next=/workbench/supervision%3Fchannel%3Dmailbox"

    client.cookies.set(SESSION_COOKIE, _token(Role.ADMIN), path="/workbench")
    page = await client.get("/workbench/supervision", params=YEAR_2025)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert '<html lang="zh-CN">' in page.text
    assert "人防工程管理处" in page.text
    assert "政务公开办公室" in page.text
    assert "50.0%" in page.text
    assert "2025年1月1日至2025年12月31日开始计时的事项" in page.text

    client.cookies.set(SESSION_COOKIE, _token(Role.HANDLER, department="engineering"), path="/workbench")
    refused = await client.get("/workbench/supervision")
    assert refused.status_code == 403
    assert "仅供督办人员和部门负责人查看" in refused.text


def _token(role: Role, department: str | None = None) -> str:
    return mint_token(JWT_SECRET, sub="supervisor", name="督办员", roles=(role,), department=department)


def _principal(role: Role) -> Principal:
    return Principal(sub="supervisor", name="督办员", roles=frozenset({role}))
