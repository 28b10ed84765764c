"""The applicant's notices on the real broker and each database (我的告知书): intake keeps each notice
routing issues, the applicant reads and downloads it with the tracking code — as PDF with their name —
and the first download is its online delivery (网上送达), announced once."""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from pypdf import PdfReader

from shared.codes import Outcome
from shared.events import NoticeIssued
from shared.notices import LEGAL_BASIS, NoticeKind
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.intake.integration.test_intake_service import DISCLOSURE
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import assert_error

pytestmark = pytest.mark.kafka


def issued(case_id: UUID, kind: NoticeKind, sequence: int, **facts: Any) -> NoticeIssued:
    return NoticeIssued(
        case_id=case_id,
        notice_id=uuid4(),
        kind=kind,
        year=2026,
        sequence=sequence,
        number=f"国动办依申告〔2026〕第{sequence}号",
        issued_on=date(2026, 11, 20),
        receipt_date=date(2026, 11, 2),
        office="某市国防动员办公室",
        reconsideration_body="某市人民政府",
        court="某市中级人民法院",
        reconsideration_days=60,
        litigation_months=6,
        **facts,
    )


async def test_the_applicant_downloads_each_notice_and_the_first_download_delivers_it(
    intake: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = intake
    accepted = (await client.post("/api/v1/disclosure-requests", json=DISCLOSURE)).json()
    case_id, code = UUID(accepted["case_id"]), accepted["tracking_code"]
    receipt = issued(case_id, NoticeKind.RECEIPT, 7)
    outcome = Outcome.PARTIALLY_DISCLOSED
    reply = issued(
        case_id,
        NoticeKind.REPLY,
        8,
        outcome=outcome,
        legal_basis=LEGAL_BASIS[outcome],
        text="现提供2025年收缴情况汇总表。",
        reason="其中涉及个人信息的部分不予公开。",
    )
    await producer.send_payloads(topics.case_events, [receipt, reply, receipt], source="/routing")

    async def both() -> list[dict[str, Any]] | None:
        listed: list[dict[str, Any]] = (await client.get(f"/api/v1/cases/{code}/notices")).json()
        return listed if len(listed) == 2 else None

    listed = await eventually(both, "both notices on the applicant's shelf")
    assert [(n["kind"], n["number"], n["title"]) for n in listed] == [
        ("receipt", "国动办依申告〔2026〕第7号", "政府信息公开申请登记回执"),
        ("reply", "国动办依申告〔2026〕第8号", "政府信息公开申请答复告知书"),
    ]

    pdf = await client.get(f"/api/v1/cases/{code}/notices/{reply.notice_id}.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "no-store"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace("\n", "")
    for expected in (
        "政府信息公开申请答复告知书",
        "李四：",
        "部分公开" if False else "区分处理",
        "第三十七条",
        "行政诉讼",
    ):
        assert expected in text, expected
    again = await client.get(f"/api/v1/cases/{code}/notices/{reply.notice_id}.html")
    assert "李四：" in again.text
    assert "现提供2025年收缴情况汇总表。" in again.text
    # the receipt downloaded after the reply's two: its delivery is the marker the reply's are before
    assert (await client.get(f"/api/v1/cases/{code}/notices/{receipt.notice_id}.pdf")).status_code == 200
    delivered = await case_events.wait_for_event(
        str(case_id), "notice.downloaded", where=lambda e: e.data["notice_id"] == str(receipt.notice_id)
    )
    assert delivered[0].data["number"] == receipt.number
    for_reply = [
        e
        for e in case_events.events(str(case_id))
        if e.type == "notice.downloaded" and e.data["notice_id"] == str(reply.notice_id)
    ]
    assert len(for_reply) == 1

    # a wrong code, or another case's notice, finds nothing
    assert_error(await client.get("/api/v1/cases/ABCD-EFGH-JKMN-PQRS/notices"), 404, "not_found")
    other = (await client.post("/api/v1/disclosure-requests", json=DISCLOSURE)).json()["tracking_code"]
    assert_error(await client.get(f"/api/v1/cases/{other}/notices/{reply.notice_id}.pdf"), 404, "not_found")


async def test_the_tracking_page_lists_the_notices_with_their_download(
    intake: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, _ = intake
    accepted = (await client.post("/api/v1/disclosure-requests", json=DISCLOSURE)).json()
    case_id, code = UUID(accepted["case_id"]), accepted["tracking_code"]
    notice = issued(
        case_id, NoticeKind.SUPPLEMENT, 3, items="请写明文件名称", working_days=10, due_date=date(2026, 12, 4)
    )
    await producer.send_payloads(topics.case_events, [notice], source="/routing")

    async def listed() -> str | None:
        page = (await client.get("/track", params={"code": code})).text
        return page if "政府信息公开申请补正告知书" in page else None

    page = await eventually(listed, "the notice on the tracking page")
    assert "国动办依申告〔2026〕第3号" in page
    link = f"/track/notices/{notice.notice_id}.pdf?code="
    assert link in page
    download = await client.get(f"/track/notices/{notice.notice_id}.pdf", params={"code": code})
    assert download.headers["content-type"] == "application/pdf"
    assert (
        await client.get(f"/track/notices/{notice.notice_id}.pdf", params={"code": "nope"})
    ).status_code == 404
