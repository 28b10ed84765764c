"""The formal notices on the real broker and each database (告知书): the receipt as the request is
assigned, the supplement notice with its action, each numbered from the year's sequence; the handler
opens them as HTML and PDF and records their delivery (送达) — each an event on the case."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pypdf import PdfReader
from sqlmodel import select

from services.routing.db import NoticeSequence
from services.routing.notice_book import SqlNoticeBook
from shared.codes import Role
from shared.dates import today
from shared.events import Contact, NoticeDownloaded
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.routing.integration.test_handler_actions import arrive, disclosure, post
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import assert_error, bearer

pytestmark = pytest.mark.kafka

OPEN_GOVERNMENT = bearer(Role.HANDLER, department="open-government")


def pdf_text(document: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages).replace("\n", "")


async def test_a_request_gets_its_receipt_and_supplement_notice_numbered_and_delivered(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = routing
    request = disclosure().model_copy(update={"contact": Contact(name="王小明", phone="13800138000")})
    url = await arrive(client, producer, topics, request, OPEN_GOVERNMENT)
    case = str(request.case_id)
    (receipt,) = await case_events.wait_for_event(case, "notice.issued")
    assert receipt.data["kind"] == "receipt"
    assert receipt.data["number"].startswith(f"国动办依申告〔{today().year}〕第")

    asked = await post(
        client, f"{url}/request-supplement", {"items": "请写明文件名称", "working_days": 5}, OPEN_GOVERNMENT
    )
    assert asked.status_code == 200, asked.text
    await case_events.wait_for_event(case, "notice.issued", where=lambda e: e.data["kind"] == "supplement")
    listed = (await client.get(f"{url}/notices", headers=OPEN_GOVERNMENT)).json()
    assert [n["kind"] for n in listed] == ["receipt", "supplement"]
    assert [n["title"] for n in listed] == ["政府信息公开申请登记回执", "政府信息公开申请补正告知书"]
    first, second = (int(n["number"].split("第")[1].rstrip("号")) for n in listed)
    assert second == first + 1
    supplement = listed[1]

    page = await client.get(f"{url}/notices/{supplement['notice_id']}.html", headers=OPEN_GOVERNMENT)
    assert page.status_code == 200
    assert "王小明：" in page.text
    assert "请写明文件名称" in page.text
    assert supplement["number"] in page.text
    document = await client.get(f"{url}/notices/{supplement['notice_id']}.pdf", headers=OPEN_GOVERNMENT)
    assert document.headers["content-type"] == "application/pdf"
    text = pdf_text(document.content)
    assert "政府信息公开申请补正告知书" in text
    assert "王小明：" in text
    assert supplement["number"] in text

    # 送达: by post, recorded by the handler — an event on the case, then on the notice
    posted = await post(
        client,
        f"{url}/notices/{supplement['notice_id']}/deliveries",
        {"way": "post", "delivered_on": today().isoformat(), "note": "挂号信 XA123456789CN"},
        OPEN_GOVERNMENT,
    )
    assert posted.status_code == 200, posted.text
    (delivery,) = await case_events.wait_for_event(case, "notice.delivered")
    assert (delivery.data["way"], delivery.data["number"]) == ("post", supplement["number"])
    shown = (await client.get(f"{url}/notices", headers=OPEN_GOVERNMENT)).json()[1]
    assert len(shown["deliveries"]) == 1
    assert shown["deliveries"][0].startswith("邮寄送达")

    # the wrong department, an unknown notice, online delivery and a future date are refused
    policy = bearer(Role.HANDLER, department="policy")
    assert_error(await client.get(f"{url}/notices", headers=policy), 403, "forbidden")
    assert_error(await client.get(f"{url}/notices/{uuid4()}.pdf", headers=OPEN_GOVERNMENT), 404, "not_found")
    online = {"way": "online", "delivered_on": today().isoformat()}
    refused = await post(
        client, f"{url}/notices/{supplement['notice_id']}/deliveries", online, OPEN_GOVERNMENT
    )
    assert_error(refused, 422, "validation_error", "way")


async def test_notices_issued_at_once_never_share_a_number(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, runtime = routing
    requests = [disclosure() for _ in range(6)]
    urls = [await arrive(client, producer, topics, r, OPEN_GOVERNMENT) for r in requests]
    answers = await asyncio.gather(
        *(
            post(client, f"{url}/request-supplement", {"items": "请补充", "working_days": 5}, OPEN_GOVERNMENT)
            for url in urls
        )
    )
    assert [a.status_code for a in answers] == [200] * 6
    numbers: list[str] = []
    async with runtime.database.session() as session:
        for request in requests:
            numbers += [n.number for n in await SqlNoticeBook(session).notices(str(request.case_id))]
        (sequence,) = (
            await session.exec(select(NoticeSequence).where(NoticeSequence.year == today().year))
        ).all()
    assert len(numbers) == 12
    assert len(set(numbers)) == 12
    assert sequence.last >= 12


async def test_a_download_intake_announces_delivers_the_notice_once(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = routing
    request = disclosure()
    url = await arrive(client, producer, topics, request, OPEN_GOVERNMENT)
    ask = {"items": "请补充", "working_days": 5}
    assert (await post(client, f"{url}/request-supplement", ask, OPEN_GOVERNMENT)).status_code == 200
    receipt, supplement = (await client.get(f"{url}/notices", headers=OPEN_GOVERNMENT)).json()

    def downloaded(notice: dict[str, str]) -> NoticeDownloaded:
        return NoticeDownloaded(
            case_id=request.case_id,
            notice_id=notice["notice_id"],
            number=notice["number"],
            downloaded_at=datetime.now(UTC),
        )

    (online,) = await producer.send_payloads(topics.case_events, [downloaded(receipt)], source="/intake")
    await producer.send_event(topics.case_events, online)  # redelivered
    # the supplement notice's download comes after both copies, on the case's partition: the marker
    await producer.send_payloads(topics.case_events, [downloaded(supplement)], source="/intake")

    async def marked() -> list[dict[str, Any]] | None:
        listed: list[dict[str, Any]] = (await client.get(f"{url}/notices", headers=OPEN_GOVERNMENT)).json()
        return listed if listed[1]["deliveries"] else None

    listed = await eventually(marked, "the supplement notice's online delivery")
    assert [len(n["deliveries"]) for n in listed] == [1, 1]
    assert listed[0]["deliveries"][0].startswith("网上送达（申请人凭查询码下载）")
