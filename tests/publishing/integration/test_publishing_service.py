"""Publishing against the real broker and a real database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.codes import Role
from shared.dates import today as shanghai_today
from shared.events import Contact, SubmissionReceived
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support.events import letter, replied
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.publishing import ADMIN, REVIEWERS, approve_by_three, waiting_review
from tests.support.services import assert_error, bearer

pytestmark = pytest.mark.kafka

REPLIED_ON = date(2026, 11, 24)


def letter_from_zhang(*, consent: bool) -> SubmissionReceived:
    """A letter naming its writer, with his mobile, ID number and an order number (not personal)."""
    return letter(
        "张三丰咨询人防车位",
        "我是张三丰，电话13812345678，身份证11010519491231002X，订单号123456789012345678。",
        on=date(2026, 11, 20),
        contact=Contact(name="张三丰", phone="13812345678"),
        consent=consent,
    )


async def _published(client: httpx.AsyncClient, count: int) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]] | None:
        page = (await client.get("/api/v1/replies")).json()
        items: list[dict[str, Any]] = page["items"]
        return items if page["total"] >= count else None

    return await eventually(enough, f"{count} published replies")


async def test_a_consented_reply_is_published_with_personal_data_masked(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    client, _ = publishing
    submission = letter_from_zhang(consent=True)
    await producer.send_payloads(
        topics.case_events,
        [
            submission,
            replied(submission, "张三丰先生您好：如有疑问请拨打0531-86123456或13812345678。", on=REPLIED_ON),
        ],
    )
    review = await waiting_review(client, submission.case_id)
    assert review["content"]["subject"] == "张*丰咨询人防车位", "reviewers see the masked text"
    assert review["manifest"], "and what was masked"
    assert (await client.get("/api/v1/replies")).json()["total"] == 0, "nothing public before review"
    assert (await approve_by_three(client, review["id"]))["status"] == "published"
    (item,) = await _published(client, 1)
    assert item["subject"] == "张*丰咨询人防车位"
    assert (
        item["question"] == "我是张*丰，电话138****5678，身份证11*************02X，订单号123456789012345678。"
    )
    assert "13812345678" not in str(item)
    assert "11010519491231002X" not in str(item)
    assert "张三丰" not in str(item)
    assert item["reply"].startswith("张*丰先生您好")
    assert {(m["field"], m["kind"]) for m in item["masked"]} >= {
        ("subject", "name"),
        ("question", "mobile"),
        ("question", "id_number"),
        ("reply", "landline"),
    }
    (event,) = await case_events.wait_for_event(str(submission.case_id), "case.published")
    assert event.data["publication_id"] == item["id"]


async def test_a_reply_without_consent_is_not_published(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    client, _ = publishing
    private, public = letter_from_zhang(consent=False), letter_from_zhang(consent=True)
    await producer.send_payloads(
        topics.case_events,
        [
            private,
            replied(private, "私下答复", on=REPLIED_ON),
            public,
            replied(public, "公开答复", on=REPLIED_ON),
        ],
    )
    await approve_by_three(client, (await waiting_review(client, public.case_id))["id"])
    await case_events.wait_for_event(str(public.case_id), "case.published")
    items = await _published(client, 1)
    queued = (
        await client.get("/api/v1/reviews", params={"status": "published"}, headers=REVIEWERS[0])
    ).json()
    assert [i["subject_id"] for i in queued] == [str(public.case_id)], (
        "the private letter never reached review"
    )
    assert [i["reply"] for i in items] == ["公开答复"]
    assert not [e for e in case_events.events(str(private.case_id)) if e.type == "case.published"]


async def test_an_admin_opens_and_closes_a_consultation(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], kafka_bootstrap: str, topics: Topics
) -> None:
    client, _ = publishing
    today = shanghai_today()
    body = {
        "title": "征求意见稿",
        "summary": "说明",
        "draft_text": "第一条 ……",
        "opens_on": str(today),
        "closes_on": str(today + timedelta(days=30)),
    }
    assert_error(await client.post("/api/v1/consultations", json=body), 401, "unauthorized")
    assert_error(
        await client.post("/api/v1/consultations", json=body, headers=bearer(Role.HANDLER)), 403, "forbidden"
    )
    short = body | {"closes_on": str(today + timedelta(days=10))}
    assert_error(
        await client.post("/api/v1/consultations", json=short, headers=ADMIN),
        422,
        "validation_error",
        "short_period_reason",
    )
    backwards = body | {"closes_on": str(today - timedelta(days=1))}
    assert_error(
        await client.post("/api/v1/consultations", json=backwards, headers=ADMIN),
        422,
        "validation_error",
        "closes_on",
    )

    no_draft = {k: v for k, v in body.items() if k != "draft_text"}
    assert_error(
        await client.post("/api/v1/consultations", json=no_draft, headers=ADMIN),
        422,
        "validation_error",
        "draft_text",
    )
    bad_link = no_draft | {"draft_url": "not a link"}
    assert_error(
        await client.post("/api/v1/consultations", json=bad_link, headers=ADMIN),
        422,
        "validation_error",
        "draft_url",
    )
    # Other normative documents: 7 working days, both ends counted. Mon 2030-09-23 to Fri 09-27 is 5;
    # to Tue 10-01 it is exactly 7 (2030 is not announced yet: weekends only — 调休 is counted the same
    # way, see tests/shared/unit/test_workdays.py).
    normative = body | {"document_kind": "other_normative", "opens_on": "2030-09-23"}
    five = await client.post(
        "/api/v1/consultations", json=normative | {"closes_on": "2030-09-27"}, headers=ADMIN
    )
    assert_error(five, 422, "validation_error", "short_period_reason")
    seven = await client.post(
        "/api/v1/consultations", json=normative | {"closes_on": "2030-10-01"}, headers=ADMIN
    )
    assert seven.status_code == 201, seven.text
    assert seven.json()["document_kind"] == "other_normative"

    created = await client.post("/api/v1/consultations", json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    consultation_id = created.json()["id"]
    url = f"/api/v1/consultations/{consultation_id}/close"
    early = await client.post(url, headers=ADMIN)
    assert_error(early, 422, "validation_error", "reason")  # announced to close in 30 days
    closed = await client.post(url, json={"reason": "上位法修订，暂停征求意见"}, headers=ADMIN)
    assert closed.json()["status"] == "closed"
    assert closed.json()["close_reason"] == "上位法修订，暂停征求意见"
    assert_error(await client.post(url, json={"reason": "再次"}, headers=ADMIN), 409, "conflict")
    centuries_ago = body | {"opens_on": "0183-01-01", "closes_on": "0670-01-01"}
    assert_error(
        await client.post("/api/v1/consultations", json=centuries_ago, headers=ADMIN),
        422,
        "validation_error",
        "opens_on",
    )

    reader = await TopicReader(kafka_bootstrap, topics.consultation_events).start()
    try:
        await reader.wait_for_event(consultation_id, "consultation.opened")
        (closed_event,) = await reader.wait_for_event(consultation_id, "consultation.closed")
    finally:
        await reader.stop()
    assert closed_event.data["closed_on"] == str(shanghai_today())
    closed_at = datetime.fromisoformat(closed_event.data["closed_at"])
    assert closed_event.time - timedelta(seconds=5) <= closed_at <= closed_event.time, "the instant it closed"
