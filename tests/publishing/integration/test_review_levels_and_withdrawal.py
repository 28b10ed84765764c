"""三审三校, 撤回 and table four's appeals on the real broker and each database: the levels in order by the
reviewers the settings name, the proofreading's findings in the API; a withdrawn reply and adoption
report gone from the JSON API, the CSV, the Atom feeds and the public pages, announced on the log;
a pending appeal decided on its own row of table four, never a second."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.publishing.app import create_app
from services.publishing.config import LeaderSetting, PublishingSettings
from services.publishing.db import AppealRow
from shared.codes import Adoption, Role
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support import events as support
from tests.support.kafka import RawProducer, TopicReader
from tests.support.publishing import ADMIN, REVIEWERS, publish_adoption_report, waiting_review
from tests.support.services import assert_error, bearer, count_rows, in_process

pytestmark = pytest.mark.kafka

EDITOR, HEAD, LEADER = REVIEWERS  # reviewer-1, -2, -3
OUTSIDER = bearer(Role.REVIEWER, sub="reviewer-4")


@pytest_asyncio.fixture
async def publishing(settings: PublishingSettings) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    """Publishing whose office assigned the levels: reviewer-1 初审, -2 复审, -3 终审 (reviewer-4 none),
    lists its leader and a sensitive word."""
    configured = settings.model_copy(
        update={
            "reviewer_levels": {"reviewer-1": ["初审"], "reviewer-2": ["复审"], "reviewer-3": ["终审"]},
            "leaders": [LeaderSetting(name="郑为民", title="主任")],
            "sensitive_words": ["赌博"],
        }
    )
    async with in_process(create_app, configured) as running:
        yield running


async def _approve(client: httpx.AsyncClient, review_id: str, who: dict[str, str]) -> httpx.Response:
    return await client.post(f"/api/v1/reviews/{review_id}/approve", headers=who)


async def test_the_levels_go_in_order_by_their_holders_and_the_findings_are_shown(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = publishing
    letter = support.letter("地下室问题", "地下室有人赌博，请按装监控。")
    await producer.send_payloads(
        topics.case_events, [letter, *support.handled(letter, "郑为民副主任已批示，即将按装监控。")]
    )
    review = await waiting_review(client, letter.case_id)
    assert review["waiting_for"] == "初审"
    assert sorted((f["kind"], f["field"], f["found"]) for f in review["findings"]) == [
        ("leader", "reply", "郑为民副主任"),
        ("sensitive", "question", "赌博"),
        ("typo", "question", "按装"),
        ("typo", "reply", "按装"),
    ]
    review_id = review["id"]
    for early in (HEAD, LEADER, OUTSIDER):
        assert_error(await _approve(client, review_id, early), 403, "forbidden")
    assert (await _approve(client, review_id, EDITOR)).status_code == 200
    assert_error(await _approve(client, review_id, EDITOR), 409, "conflict")
    assert_error(await _approve(client, review_id, LEADER), 403, "forbidden")
    second = await _approve(client, review_id, HEAD)
    assert second.json()["waiting_for"] == "终审"
    published = (await _approve(client, review_id, LEADER)).json()
    assert published["status"] == "published"
    assert [(level["name"], level["state"]) for level in published["levels"]] == [
        ("初审", "approved"),
        ("复审", "approved"),
        ("终审", "approved"),
    ]
    await case_events.wait_for_event(str(letter.case_id), "case.published")


async def test_a_withdrawn_reply_is_gone_from_the_api_the_feed_and_the_pages(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = publishing
    letter = support.letter("人防车位收费标准", "小区人防车位怎么收费？")
    await producer.send_payloads(topics.case_events, [letter, *support.handled(letter, "按备案价收费。")])
    review_id = (await waiting_review(client, letter.case_id))["id"]
    for reviewer in REVIEWERS:
        assert (await _approve(client, review_id, reviewer)).status_code == 200
    (listed,) = (await client.get("/api/v1/replies", params={"q": "人防车位收费标准"})).json()["items"]
    reply_id = listed["id"]
    assert (await client.get(f"/open/replies/{reply_id}")).status_code == 200
    assert reply_id in (await client.get("/api/v1/feeds/replies.atom")).text

    url = f"/api/v1/reviews/{review_id}/withdraw"
    why = {"reason": "收费标准已调整，答复不再适用"}
    assert_error(await client.post(url, json=why, headers=EDITOR), 403, "forbidden")
    assert_error(await client.post(url, json=why, headers=bearer(Role.HANDLER)), 403, "forbidden")
    assert_error(await client.post(url, json={"reason": " "}, headers=LEADER), 422, "validation_error")
    withdrawn = await client.post(url, json=why, headers=LEADER)
    assert withdrawn.status_code == 200, withdrawn.text
    body = withdrawn.json()
    assert body["status"] == "retracted"
    assert (body["withdrawal"]["by"], body["withdrawal"]["reason"]) == (
        "测试用户",
        "收费标准已调整，答复不再适用",
    )
    assert_error(await client.post(url, json=why, headers=ADMIN), 409, "conflict")

    assert (await client.get("/api/v1/replies", params={"q": "人防车位收费标准"})).json()["items"] == []
    assert_error(await client.get(f"/api/v1/replies/{reply_id}"), 404, "not_found")
    assert reply_id not in (await client.get("/api/v1/feeds/replies.atom")).text
    assert (await client.get(f"/open/replies/{reply_id}")).status_code == 404
    assert "人防车位收费标准" not in (await client.get("/open/replies")).text
    (event,) = await case_events.wait_for_event(str(letter.case_id), "case.publication_withdrawn")
    assert event.data["review_id"] == review_id
    retracted = (await client.get("/api/v1/reviews", params={"status": "retracted"}, headers=ADMIN)).json()
    assert [item["id"] for item in retracted] == [review_id]


async def test_a_withdrawn_adoption_report_is_gone_from_json_csv_feed_and_page(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    kafka_bootstrap: str,
) -> None:
    client, _ = publishing
    from tests.support.publishing import open_consultation

    consultation_id = await open_consultation(client, title="人防工程维护管理办法（征求意见稿）")
    comments = [support.comment(consultation_id, "建议明确维护责任。")]
    decisions = [support.replied(comments[0], "采纳", adoption=Adoption.ADOPTED)]
    review = await publish_adoption_report(client, producer, topics, consultation_id, comments, decisions)
    report_url = f"/api/v1/consultations/{consultation_id}/adoption-report"
    assert (await client.get(report_url)).status_code == 200
    assert consultation_id in (await client.get("/api/v1/feeds/adoption-reports.atom")).text

    withdrawn = await client.post(
        f"/api/v1/reviews/{review['id']}/withdraw", json={"reason": "采纳统计有误，重新汇总"}, headers=ADMIN
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert_error(await client.get(report_url), 404, "not_found")
    assert_error(await client.get(f"{report_url}.csv"), 404, "not_found")
    assert consultation_id not in (await client.get("/api/v1/feeds/adoption-reports.atom")).text
    assert (await client.get(f"/open/consultations/{consultation_id}/adoption-report")).status_code == 404
    reader = await TopicReader(kafka_bootstrap, topics.consultation_events).start()
    try:
        (event,) = await reader.wait_for_event(consultation_id, "adoption_report.withdrawn")
    finally:
        await reader.stop()
    assert event.data["review_id"] == review["id"]


# --- table four: an appeal decided is updated, never a second row ---------------------------------------


async def _table_four(client: httpx.AsyncClient, year: int) -> dict[str, Any]:
    table: dict[str, Any] = (await client.get(f"/api/v1/reports/disclosure/{year}")).json()["table_four"]
    return table


async def test_a_pending_appeal_is_decided_on_its_own_row(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, runtime = publishing
    case_id = "5f0f5a34-8c1e-4f7e-9b0a-3d9d2f1e6c11"
    pending = {"case_id": case_id, "kind": "reconsideration", "filed_on": "2025-11-03"}
    recorded = await client.post("/api/v1/reports/appeals", json=pending, headers=ADMIN)
    assert recorded.status_code == 201, recorded.text
    appeal_id = recorded.json()["id"]
    assert (await _table_four(client, 2025))["review"] == {
        "upheld": 0,
        "corrected": 0,
        "other": 0,
        "pending": 1,
        "total": 1,
    }
    again = {**pending, "result": "corrected", "decided_on": "2025-12-20"}
    assert_error(await client.post("/api/v1/reports/appeals", json=again, headers=ADMIN), 409, "conflict")

    decision_url = f"/api/v1/reports/appeals/{appeal_id}/decision"
    early = {"result": "corrected", "decided_on": "2025-10-01"}
    assert_error(await client.post(decision_url, json=early, headers=ADMIN), 422, "validation_error")
    assert_error(
        await client.post(
            decision_url, json={"result": "pending", "decided_on": "2025-12-20"}, headers=ADMIN
        ),
        422,
        "validation_error",
    )
    decision = {"result": "corrected", "decided_on": "2025-12-20"}
    assert_error(
        await client.post(decision_url, json=decision, headers=bearer(Role.HANDLER)), 403, "forbidden"
    )
    assert_error(
        await client.post(
            "/api/v1/reports/appeals/0b6f1c52-7d4e-4b1a-8f2e-5c3a9d8e7f60/decision",
            json=decision,
            headers=ADMIN,
        ),
        404,
        "not_found",
    )
    decided = await client.post(decision_url, json=decision, headers=ADMIN)
    assert decided.status_code == 200, decided.text
    assert (decided.json()["id"], decided.json()["result"]) == (appeal_id, "corrected")
    assert_error(await client.post(decision_url, json=decision, headers=ADMIN), 409, "conflict")

    assert (await _table_four(client, 2025))["review"] == {
        "upheld": 0,
        "corrected": 1,
        "other": 0,
        "pending": 0,
        "total": 1,
    }
    assert await count_rows(runtime, AppealRow) == 1


async def test_an_appeal_decided_after_its_year_stays_pending_in_that_years_report_and_counts_once(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, runtime = publishing
    pending = {"kind": "litigation_direct", "filed_on": "2025-12-01"}
    appeal_id = (await client.post("/api/v1/reports/appeals", json=pending, headers=ADMIN)).json()["id"]
    decision = {"result": "upheld", "decided_on": "2026-02-10"}
    decided = await client.post(f"/api/v1/reports/appeals/{appeal_id}/decision", json=decision, headers=ADMIN)
    assert decided.status_code == 200, decided.text
    four_2025, four_2026 = await asyncio.gather(_table_four(client, 2025), _table_four(client, 2026))
    assert four_2025["litigation_direct"]["pending"] == 1, "the result known at the end of 2025"
    assert four_2025["litigation_direct"]["total"] == 1
    assert four_2026["litigation_direct"]["total"] == 0, "counted in the year it was filed, once"
    assert await count_rows(runtime, AppealRow) == 1
