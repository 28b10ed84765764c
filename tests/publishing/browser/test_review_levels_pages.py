"""三审三校, 撤回 and a decided appeal in a real browser: a reviewer who does not hold the level an item
waits for is told so and offered no decision; the first reviewer sees the proofreading's findings; the
levels approve in order and the reply is public; the final reviewer withdraws it with a reason (after
the page refused none) and it is gone from the public page; a disclosure head records an appeal's
result on its own row. axe-core checks every page; Debian's headless Chromium, publishing served by
uvicorn on the session's broker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from deploy.kafka.local import create_topics
from services.publishing.app import create_app
from services.publishing.config import LeaderSetting, PublishingSettings
from shared.codes import Role
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, posted, served, signed_in_as
from tests.support.events import handled, letter
from tests.support.kafka import RawProducer
from tests.support.publishing import waiting_review
from tests.support.services import settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.browser]


@dataclass(frozen=True)
class Office:
    url: str
    topics: Topics
    producer: RawProducer
    client: httpx.AsyncClient


@pytest_asyncio.fixture(scope="module")
async def office(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Office]:
    topics = Topics(f"rl{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    database = tmp_path_factory.mktemp("review-levels") / "publishing.db"
    settings = settings_for(
        PublishingSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{database}"
    ).model_copy(
        update={
            "reviewer_levels": {"reviewer-1": ["初审"], "reviewer-2": ["复审"], "reviewer-3": ["终审"]},
            "leaders": [LeaderSetting(name="郑为民", title="主任")],
            "sensitive_words": ["赌博"],
        }
    )
    producer = await RawProducer(kafka_bootstrap).start()
    try:
        async with (
            served(create_app(settings), "publishing") as url,
            httpx.AsyncClient(base_url=url, timeout=20) as client,
        ):
            yield Office(url, topics, producer, client)
    finally:
        await producer.stop()


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


async def reviewer(browser: Browser, office: Office, n: int) -> Page:
    context = await signed_in_as(browser, office.url, Role.REVIEWER, sub=f"reviewer-{n}", name=f"审核员{n}")
    return await context.new_page()


async def test_the_levels_in_order_the_findings_shown_and_the_reply_withdrawn(
    browser: Browser, office: Office
) -> None:
    subject = f"地下室使用 {uuid.uuid4().hex[:6]}"
    case = letter(subject, "地下室有人赌博，能否按装监控？")
    reply = "郑为民副主任已批示，即将按装监控。"
    await office.producer.send_payloads(office.topics.case_events, [case, *handled(case, reply)])
    review_id = (await waiting_review(office.client, case.case_id))["id"]

    second = await reviewer(browser, office, 2)
    await second.goto(f"/workbench/reviews/{review_id}")
    assert "您未持有这一级别" in await second.locator("main").inner_text()
    assert await second.get_by_role("button", name="审核通过").count() == 0
    await assert_accessible(second, "review item, a level not held")

    first = await reviewer(browser, office, 1)
    await first.goto("/workbench/reviews")
    assert "您持有：初审" in await first.locator("main").inner_text()
    await assert_accessible(first, "review queue with levels")
    await first.get_by_role("link", name=subject).click()
    await first.wait_for_load_state()
    findings = await first.locator("#findings").inner_text()
    for expected in ("疑似错别字", "按装", "安装", "敏感词", "赌博", "领导姓名、职务不符", "郑为民主任"):
        assert expected in findings, expected
    await assert_accessible(first, "review item with findings")
    assert await posted(first, "审核通过") == 303
    await first.context.close()

    await second.goto(f"/workbench/reviews/{review_id}")
    assert "初审：已通过（审核员1）" in await second.locator(".review-levels").inner_text()
    assert await posted(second, "审核通过") == 303
    await second.context.close()

    final = await reviewer(browser, office, 3)
    await final.goto(f"/workbench/reviews/{review_id}")
    assert await posted(final, "审核通过") == 303
    (published,) = (await office.client.get("/api/v1/replies", params={"q": subject})).json()["items"]
    public = await office.client.get(f"/open/replies/{published['id']}")
    assert public.status_code == 200

    await final.goto("/workbench/reviews?status=published")
    await assert_accessible(final, "published list")
    await final.get_by_role("link", name=subject).click()
    await final.wait_for_load_state()
    assert await posted(final, "撤回") == 422, "a withdrawal says why"
    assert await final.get_by_label("撤回理由").get_attribute("aria-invalid") == "true"
    await assert_accessible(final, "withdrawal, reason missing")
    await final.get_by_label("撤回理由").fill("答复中的批示人职务有误")
    assert await posted(final, "撤回") == 303
    assert "已撤回" in await final.get_by_role("status").inner_text()
    await final.context.close()

    assert (await office.client.get(f"/open/replies/{published['id']}")).status_code == 404
    assert (await office.client.get("/api/v1/replies", params={"q": subject})).json()["items"] == []

    admin = await (await signed_in_as(browser, office.url, Role.ADMIN, name="周管理")).new_page()
    await admin.goto(f"/workbench/reviews/{review_id}")
    assert "理由：答复中的批示人职务有误" in await admin.locator("#withdrawal").inner_text()
    await assert_accessible(admin, "a withdrawn item")
    await admin.context.close()


async def test_an_appeals_result_is_recorded_on_its_row(browser: Browser, office: Office) -> None:
    page = await (await signed_in_as(browser, office.url, Role.DISCLOSURE_HEAD)).new_page()
    await page.goto("/workbench/appeals")
    await page.get_by_label("类别").select_option(label="行政诉讼（未经复议直接起诉）")
    await page.get_by_label("提起日期").fill("2026-03-02")
    assert await posted(page, "登记") == 303
    await page.get_by_role("link", name="登记审结结果").click()
    await page.wait_for_load_state()
    await assert_accessible(page, "an appeal's decision")
    await page.get_by_label("结果", exact=True).select_option(label="结果纠正")
    await page.get_by_label("审结日期").fill("2026-01-05")
    assert await posted(page, "登记") == 422
    assert "审结日期不能早于提起日期" in await page.locator("#decision-decided_on-error").inner_text()
    await assert_accessible(page, "an appeal's decision, refused")
    await page.get_by_label("审结日期").fill("2026-06-30")
    assert await posted(page, "登记") == 303
    assert "原记录随之更新" in await page.get_by_role("status").inner_text()
    rows = await page.get_by_role("row").filter(has_text="行政诉讼").all_inner_texts()
    assert len(rows) == 1, "updated, not a second row"
    assert "结果纠正" in rows[0]
    await assert_accessible(page, "appeals, one decided")
    await page.context.close()
