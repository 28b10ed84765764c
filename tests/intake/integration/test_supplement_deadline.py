"""The applicant's supplement deadline (补正期限, OGI Art. 30) on the real broker and each database:
the citizen's page shows it, as tracking counts it, and a supplement after its last day is refused
saying the date (issue 15)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from shared.codes import ClockKind
from shared.dates import today as shanghai_today
from shared.events import DeadlineLapsed, DeadlineSet, SupplementRequested
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.intake.integration.test_intake_service import LETTER
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import assert_error, outbox_rows

pytestmark = pytest.mark.kafka


async def _asked(
    client: httpx.AsyncClient, producer: RawProducer, topics: Topics, due: date
) -> tuple[UUID, str]:
    receipt = (await client.post("/api/v1/mailbox-messages", json=LETTER)).json()
    case_id, code = UUID(receipt["case_id"]), receipt["tracking_code"]
    asked = SupplementRequested(
        case_id=case_id, items="请补充小区名称", due_date=due, requested_on=due - timedelta(days=7)
    )
    await producer.send_payloads(topics.case_events, [asked])
    return case_id, code


async def _view_when(client: httpx.AsyncClient, code: str, what: str, ready: Any) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        view: dict[str, Any] = (await client.get(f"/api/v1/cases/{code}")).json()
        return view if ready(view) else None

    return await eventually(reached, what)


async def test_a_supplement_after_its_deadline_is_refused_saying_the_date(
    intake: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, runtime = intake
    yesterday = shanghai_today() - timedelta(days=1)
    case_id, code = await _asked(client, producer, topics, yesterday)
    view = await _view_when(client, code, "the supplement asked for", lambda v: v["supplement_due"])
    assert view["supplement_due"] == yesterday.isoformat()
    page = (await client.get("/track", params={"code": code})).text
    assert "补正期限" in page
    assert f"{yesterday.year}年{yesterday.month}月{yesterday.day}日" in page

    refused = await client.post(f"/api/v1/cases/{code}/supplement", json={"text": "小区名称为泉城花园"})
    assert_error(refused, 409, "conflict")
    assert f"the supplement deadline was {yesterday.isoformat()}" in refused.json()["error"]["message"]

    # tracking says it lapsed: the citizen's timeline tells it; still no supplement is taken
    lapsed = DeadlineLapsed(case_id=case_id, clock=ClockKind.SUPPLEMENT_DUE, due_date=yesterday)
    await producer.send_payloads(topics.case_events, [lapsed], source="/civic/tracking")
    view = await _view_when(
        client, code, "the lapse on the timeline", lambda v: v["timeline"][-1]["title"] == "补正期限已届满"
    )
    assert view["status"] == "supplement_requested"
    assert_error(
        await client.post(f"/api/v1/cases/{code}/supplement", json={"text": "补充"}), 409, "conflict"
    )
    assert await outbox_rows(runtime) == 2, "the case's key and submission.received, no supplement.received"


async def test_the_deadline_tracking_counts_is_the_one_that_holds(
    intake: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = intake
    yesterday = shanghai_today() - timedelta(days=1)
    case_id, code = await _asked(client, producer, topics, yesterday)
    await _view_when(client, code, "the supplement asked for", lambda v: v["supplement_due"])
    later = shanghai_today() + timedelta(days=3)  # e.g. recounted on a calendar the office corrected
    counted = DeadlineSet(
        case_id=case_id,
        clock=ClockKind.SUPPLEMENT_DUE,
        due_date=later,
        provisional=False,
        old_due_date=yesterday,
        cause="calendar.updated",
        note="申请人补正期限调整",
    )
    await producer.send_payloads(topics.case_events, [counted], source="/civic/tracking")
    await _view_when(
        client, code, "the recounted deadline", lambda v: v["supplement_due"] == later.isoformat()
    )
    accepted = await client.post(f"/api/v1/cases/{code}/supplement", json={"text": "小区名称为泉城花园"})
    assert accepted.status_code == 201, accepted.text
    await case_events.wait_for_event(str(case_id), "supplement.received")
    view = await _view_when(client, code, "the supplement received", lambda v: v["status"] == "in_progress")
    assert view["supplement_due"] is None, "no deadline shown once the supplement is in"
