"""Publishing's admin pages in headless Chromium, checked with axe-core: an admin opens a consultation
with its draft (a period too short without a reason is refused next to its field), closes it early
with the reason that is published, is told the adoption report waits for every comment's decision,
and compiles it once they are decided — it enters the review queue; a disclosure head records an
appeal for table four (a pending one with a decision date is refused)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser

from deploy.kafka.local import create_topics
from services.publishing.app import create_app
from services.publishing.config import PublishingSettings
from shared.codes import Adoption, Role
from shared.dates import today
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, posted, served, signed_in_as
from tests.support.events import comment, decided
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.publishing import REVIEWERS
from tests.support.services import settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.browser]


@dataclass(frozen=True)
class Site:
    url: str
    topics: Topics


@pytest_asyncio.fixture(scope="module")
async def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    topics = Topics(f"pad{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    database = tmp_path_factory.mktemp("publishing-admin") / "publishing.db"
    settings = settings_for(PublishingSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{database}")
    async with served(create_app(settings), "publishing") as url:
        yield Site(url, topics)


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


async def test_an_admin_opens_closes_and_compiles_a_consultation(
    browser: Browser, site: Site, producer: RawProducer
) -> None:
    page = await (await signed_in_as(browser, site.url, Role.ADMIN, name="周管理")).new_page()
    await page.goto("/workbench/consultations")
    await assert_accessible(page, "consultations")
    title = f"《人防工程标识管理规定（征求意见稿）》{uuid.uuid4().hex[:4]}"
    day = today()
    await page.get_by_label("标题").fill(title)
    await page.get_by_label("说明", exact=True).fill("规范人防工程标识设置。")
    await page.get_by_label("开始日期").fill(day.isoformat())
    await page.get_by_label("截止日期").fill((day + timedelta(days=10)).isoformat())
    await page.get_by_label("征求意见稿全文").fill("第一条 为规范人防工程标识，制定本规定。")
    assert await posted(page, "发布征求意见") == 422, "a major decision needs 30 days, or a reason"
    assert "不少于 30 日" in await page.locator("#consultation-short_period_reason-error").inner_text()
    assert await page.get_by_label("标题").input_value() == title, "what was typed is kept"
    await assert_accessible(page, "consultations, refused")
    await page.get_by_label("截止日期").fill((day + timedelta(days=30)).isoformat())
    assert await posted(page, "发布征求意见") == 303
    assert "已发布征求意见" in await page.get_by_role("status").inner_text()
    row = page.get_by_role("row").filter(has_text=title)
    assert "正在征求意见" in await row.inner_text()

    async with httpx.AsyncClient(base_url=site.url) as client:
        listed = (await client.get("/api/v1/consultations")).json()
    consultation_id = next(c["id"] for c in listed if c["title"] == title)
    the_comment = comment(consultation_id, "建议标识采用统一颜色。")
    await producer.send_payloads(site.topics.case_events, [the_comment])

    await row.get_by_label(f"提前截止{title}的理由").fill("意见已充分收集")
    assert await posted(page, f"截止{title}") == 303
    assert "已截止" in await page.get_by_role("row").filter(has_text=title).inner_text()

    async def counted() -> bool:
        await page.goto("/workbench/consultations")
        status = await posted(page, f"汇总采纳情况{title}")
        return status == 409 and "还有意见未答复采纳情况" in await page.get_by_role("alert").inner_text()

    await eventually(counted, "the comment to reach publishing, without its decision")
    await assert_accessible(page, "consultations, report refused")

    await producer.send_payloads(site.topics.case_events, [decided(the_comment, Adoption.ADOPTED, None)])

    async def compiled() -> bool:
        await page.goto("/workbench/consultations")
        return await posted(page, f"汇总采纳情况{title}") == 303

    await eventually(compiled, "the decision to reach publishing")
    assert "送公开审核" in await page.get_by_role("status").inner_text()
    async with httpx.AsyncClient(base_url=site.url) as client:
        queue = (await client.get("/api/v1/reviews", headers=REVIEWERS[0])).json()
    assert any(item["subject_id"] == consultation_id for item in queue), "the report waits for review"
    await page.context.close()


async def test_a_disclosure_head_records_an_appeal(browser: Browser, site: Site) -> None:
    page = await (await signed_in_as(browser, site.url, Role.DISCLOSURE_HEAD)).new_page()
    await page.goto("/workbench/appeals")
    await assert_accessible(page, "appeals")
    await page.get_by_label("类别").select_option(label="行政复议")
    await page.get_by_label("提起日期").fill("2026-03-02")
    await page.get_by_label("审结日期").fill("2026-05-06")
    assert await posted(page, "登记") == 422, "pending, yet decided"
    assert "尚未审结的，不填审结日期" in await page.locator("#appeal-decided_on-error").inner_text()
    await assert_accessible(page, "appeals, refused")
    await page.get_by_label("结果").select_option(label="结果维持")
    assert await posted(page, "登记") == 303
    assert "已登记" in await page.get_by_role("status").inner_text()
    row = await page.get_by_role("row").filter(has_text="行政复议").first.inner_text()
    assert "结果维持" in row
    await page.context.close()

    head = await (await signed_in_as(browser, site.url, Role.DISCLOSURE_HEAD)).new_page()
    await head.goto("/workbench/reports")
    assert "全部记录均已计入" in await head.get_by_role("table").first.inner_text()
    await assert_accessible(head, "annual report checks and proactive candidates")
    await head.context.close()

    handler = await (await signed_in_as(browser, site.url, Role.HANDLER)).new_page()
    response = await handler.goto("/workbench/appeals")
    assert response is not None
    assert response.status == 403
    await handler.context.close()
