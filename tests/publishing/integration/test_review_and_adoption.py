"""三审 and adoption reports against the real broker and a real database."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any
from uuid import uuid4

import httpx
import pytest

from shared.codes import Adoption, Role
from shared.dates import today
from shared.events import Contact, SubmissionReceived, SubmissionRefused
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support.events import comment, decided, letter, replied
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.publishing import (
    ADMIN,
    REVIEWERS,
    approve_by_three,
    compiled_report,
    open_consultation,
    waiting_review,
)
from tests.support.services import assert_error, bearer

pytestmark = pytest.mark.kafka

REPLIED_ON = date(2026, 11, 24)


def consented_letter(body: str) -> SubmissionReceived:
    return letter(
        "人防车位收费",
        body,
        on=date(2026, 11, 20),
        contact=Contact(name="刘德明", phone="13912345678"),
        category="投诉",
        consent=True,
    )


async def test_three_distinct_reviewers_each_once_and_a_reviewer_may_mask_more(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    client, _ = publishing
    letter = consented_letter("我是刘德明，我家保姆小芳说车库收费不合理。")
    await producer.send_payloads(
        topics.case_events, [letter, replied(letter, "刘德明您好：收费依据已公示。", on=REPLIED_ON)]
    )
    review = await waiting_review(client, letter.case_id)
    assert review["content"]["question"] == "我是刘*明，我家保姆小芳说车库收费不合理。"
    assert (review["required"], review["approvals"], review["status"]) == (3, 0, "pending")
    url = f"/api/v1/reviews/{review['id']}"

    assert_error(await client.get("/api/v1/reviews"), 401, "unauthorized")
    # admins see the queue too (to withdraw what was published, 撤回); other staff do not
    assert_error(await client.get("/api/v1/reviews", headers=bearer(Role.HANDLER)), 403, "forbidden")
    assert_error(await client.post(f"{url}/approve", headers=bearer(Role.HANDLER)), 403, "forbidden")

    first = await client.post(f"{url}/approve", json={"mask": ["小芳"]}, headers=REVIEWERS[0])
    assert first.status_code == 200, first.text
    assert first.json()["content"]["question"] == "我是刘*明，我家保姆小*说车库收费不合理。"
    assert {
        "field": "question",
        "kind": "reviewer",
        "replacement": "小*",
        "reason": "reviewer",
    } in first.json()["manifest"]
    assert_error(await client.post(f"{url}/approve", headers=REVIEWERS[0]), 409, "conflict")
    assert_error(
        await client.post(f"{url}/reject", json={"reason": "再看看"}, headers=REVIEWERS[0]), 409, "conflict"
    )
    second = (await client.post(f"{url}/approve", headers=REVIEWERS[1])).json()
    assert (second["approvals"], second["status"]) == (2, "pending")
    assert (await client.get("/api/v1/replies")).json()["total"] == 0, "two of three is not enough"

    third = (await client.post(f"{url}/approve", headers=REVIEWERS[2])).json()
    assert (third["approvals"], third["status"]) == (3, "published")
    (published,) = await case_events.wait_for_event(str(letter.case_id), "case.published")
    (item,) = (await client.get("/api/v1/replies")).json()["items"]
    assert item["id"] == published.data["publication_id"]
    assert item["question"] == "我是刘*明，我家保姆小*说车库收费不合理。"
    assert "小芳" not in str(item)
    assert_error(
        await client.post(f"{url}/approve", headers=bearer(Role.REVIEWER, sub="late")), 409, "conflict"
    )
    unknown = f"/api/v1/reviews/{uuid4()}/approve"
    assert_error(await client.post(unknown, headers=REVIEWERS[0]), 404, "not_found")


async def test_one_rejection_sends_the_reply_back_and_publishes_nothing(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    client, _ = publishing
    letter = consented_letter("请问车库收费标准。")
    await producer.send_payloads(topics.case_events, [letter, replied(letter, "详见附件。", on=REPLIED_ON)])
    review = await waiting_review(client, letter.case_id)
    url = f"/api/v1/reviews/{review['id']}"
    assert (await client.post(f"{url}/approve", headers=REVIEWERS[0])).status_code == 200
    assert_error(
        await client.post(f"{url}/reject", json={"reason": ""}, headers=REVIEWERS[1]), 422, "validation_error"
    )
    assert_error(await client.post(f"{url}/reject", headers=REVIEWERS[1]), 422, "validation_error")
    rejected = await client.post(f"{url}/reject", json={"reason": "答复未写明收费依据"}, headers=REVIEWERS[1])
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "答复未写明收费依据")
    (back,) = await case_events.wait_for_event(str(letter.case_id), "review.rejected")
    assert (back.data["department_id"], back.data["reason"]) == ("engineering", "答复未写明收费依据")
    assert_error(await client.post(f"{url}/approve", headers=REVIEWERS[2]), 409, "conflict")

    # The department answers again: a new version enters review; the rejected one stays rejected.
    await producer.send_payloads(topics.case_events, [replied(letter, "收费依据为某某文件。", on=REPLIED_ON)])

    async def new_version() -> dict[str, Any] | None:
        item = await waiting_review(client, letter.case_id)
        return item if item["id"] != review["id"] else None

    again = await eventually(new_version, "the new reply to enter review")
    assert again["content"]["reply"] == "收费依据为某某文件。"
    await approve_by_three(client, again["id"])
    (item,) = (await client.get("/api/v1/replies")).json()["items"]
    assert item["reply"] == "收费依据为某某文件。"
    assert len([e for e in case_events.events(str(letter.case_id)) if e.type == "case.published"]) <= 1


async def test_an_adoption_report_is_compiled_reviewed_and_published_as_json_and_csv(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    kafka_bootstrap: str,
) -> None:
    client, _ = publishing
    consultation_id = await open_consultation(
        client, draft_text=None, draft_url="https://example.gov.cn/drafts/2026-1.html"
    )
    comments = [
        comment(
            consultation_id, "建议明确车位收费标准，我的电话13812345678。", contact=Contact(name="王建国")
        ),
        comment(consultation_id, "第五条应增加维护责任。"),
        comment(consultation_id, "建议取消收费。", contact=Contact(name="李娜")),
    ]
    late = comment(consultation_id, "截止之后才到的意见。")
    await producer.send_payloads(topics.case_events, [*comments, late])
    report_url = f"/api/v1/consultations/{consultation_id}/adoption-report"
    assert_error(await client.post(report_url, headers=ADMIN), 409, "conflict")  # still open
    await client.post(
        f"/api/v1/consultations/{consultation_id}/close", json={"reason": "提前截止（测试）"}, headers=ADMIN
    )
    await producer.send_payloads(
        topics.case_events,
        [
            decided(comments[0], Adoption.ADOPTED, None),
            decided(comments[1], Adoption.PARTIALLY_ADOPTED, "已部分吸收"),
            # intake took back a comment that reached it after the close: not part of the report
            SubmissionRefused(case_id=late.case_id, reason="意见征集已截止", refused_on=today()),
        ],
    )

    async def undecided_refused() -> bool:
        response = await client.post(report_url, headers=ADMIN)
        return response.status_code == 409 and "1 of 3" in response.json()["error"]["message"]

    await eventually(undecided_refused, "the two decisions to arrive (one comment still undecided)")
    await producer.send_payloads(
        topics.case_events, [decided(comments[2], Adoption.NOT_ADOPTED, "收费依据上位法规定")]
    )
    assert_error(await client.post(report_url, headers=bearer(Role.REVIEWER)), 403, "forbidden")

    review = await compiled_report(client, consultation_id, "the report to compile")
    assert review["kind"] == "adoption_report"
    assert_error(await client.get(report_url), 404, "not_found")  # not before review
    await approve_by_three(client, review["id"])

    report = (await client.get(report_url)).json()
    assert (report["received"], report["adopted"], report["partially_adopted"], report["not_adopted"]) == (
        3,
        1,
        1,
        1,
    )
    assert report["summary"] == "收到意见3条，采纳1条，部分采纳1条，未采纳1条"
    by_content = {row["content"]: row for row in report["comments"]}
    assert set(by_content) == {
        "建议明确车位收费标准，我的电话138****5678。",
        "第五条应增加维护责任。",
        "建议取消收费。",
    }
    assert by_content["建议明确车位收费标准，我的电话138****5678。"]["commenter"] == "王*国"
    assert by_content["第五条应增加维护责任。"]["commenter"] == "匿名"
    assert by_content["建议取消收费。"] == {
        "seq": by_content["建议取消收费。"]["seq"],
        "commenter": "李*",
        "clause": "第五条",
        "content": "建议取消收费。",
        "decision": "not_adopted",
        "reason": "收费依据上位法规定",
    }
    assert "截止之后才到的意见。" not in str(report)
    assert "13812345678" not in str(report)
    assert "王建国" not in str(report)

    response = await client.get(f"{report_url}.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == ["序号", "反馈人", "条款", "意见内容", "是否采纳", "理由"]
    assert sorted(row[4] for row in rows[1:]) == ["未采纳", "部分采纳", "采纳"]

    reader = await TopicReader(kafka_bootstrap, topics.consultation_events).start()
    try:
        (event,) = await reader.wait_for_event(consultation_id, "adoption_report.published")
    finally:
        await reader.stop()
    assert (event.data["received"], event.data["not_adopted"]) == (3, 1)


async def test_a_name_the_letter_introduces_is_masked_in_the_reply_too(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, _ = publishing
    letter = consented_letter("我叫王建国，联系人：李小红，家住明湖小区。")
    await producer.send_payloads(
        topics.case_events, [letter, replied(letter, "王建国、李小红您好：已转物业处理。", on=REPLIED_ON)]
    )
    review = await waiting_review(client, letter.case_id)
    assert review["content"]["question"] == "我叫王*国，联系人：李*红，家住明湖小区。"
    assert review["content"]["reply"] == "王*国、李*红您好：已转物业处理。"
