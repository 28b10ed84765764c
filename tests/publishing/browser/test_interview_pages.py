"""The online interviews' pages (在线访谈) in headless Chromium, checked with axe-core: an admin
schedules one (an end before the start is refused next to its field); a moderator selects and groups
the questions that came, answers the selected one, closes the interview and sends its transcript to
review; once reviewers publish it, the public reads it with the asker masked — and never the question
nobody selected — on pages that pass axe too."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser

from deploy.kafka.local import create_topics
from services.publishing.app import create_app
from services.publishing.config import PublishingSettings
from shared.codes import Role
from shared.dates import SHANGHAI
from shared.events import Contact
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, posted, served, signed_in_as
from tests.support.interviews import question
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.publishing import approve_by_three, waiting_review
from tests.support.services import settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.browser]


@dataclass(frozen=True)
class Site:
    url: str
    topics: Topics


@pytest_asyncio.fixture(scope="module")
async def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    topics = Topics(f"piv{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    database = tmp_path_factory.mktemp("publishing-interviews") / "publishing.db"
    settings = settings_for(PublishingSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{database}")
    async with served(create_app(settings), "publishing") as url:
        yield Site(url, topics)


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


def local(moment: datetime) -> str:
    """As a ``datetime-local`` input takes it: Beijing time, to the minute."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


async def test_an_interview_is_scheduled_moderated_and_its_transcript_published(
    browser: Browser, site: Site, producer: RawProducer
) -> None:
    admin = await (await signed_in_as(browser, site.url, Role.ADMIN, name="周管理")).new_page()
    await admin.goto("/workbench/interviews")
    await assert_accessible(admin, "interviews")
    title = f"人防工程平时使用{uuid.uuid4().hex[:4]}"
    starts = datetime.now(SHANGHAI) + timedelta(days=1)
    await admin.get_by_label("访谈主题").fill(title)
    await admin.get_by_label("访谈嘉宾").fill("郑为民")
    await admin.get_by_label("嘉宾职务").fill("市国防动员办公室主任")
    await admin.get_by_label("访谈简介").fill("回答网友关于人防工程平时使用的提问。")
    await admin.get_by_label("开始时间").fill(local(starts))
    await admin.get_by_label("结束时间").fill(local(starts - timedelta(hours=1)))
    assert await posted(admin, "安排访谈") == 422
    assert "结束时间须晚于开始时间" in await admin.locator("#interview-ends_at-error").inner_text()
    await assert_accessible(admin, "interviews, refused")
    await admin.get_by_label("结束时间").fill(local(starts + timedelta(hours=2)))
    assert await posted(admin, "安排访谈") == 303
    assert "访谈已安排" in await admin.get_by_role("status").inner_text()
    await admin.context.close()

    async with httpx.AsyncClient(base_url=site.url) as client:
        listed = (await client.get("/api/v1/interviews")).json()
    interview_id = next(i["id"] for i in listed if i["title"] == title)
    chosen = question(interview_id, "我叫李红梅，人防工程能否改作停车场？", contact=Contact(name="李红梅"))
    left_out = question(interview_id, "一个没有选用的问题")
    await producer.send_payloads(site.topics.case_events, [chosen, left_out])

    moderator = await (await signed_in_as(browser, site.url, Role.MODERATOR, name="吴主持")).new_page()

    async def both_questions() -> bool:
        await moderator.goto(f"/workbench/interviews/{interview_id}")
        return "收到 2 个" in await moderator.locator("#interview-figures").inner_text()

    await eventually(both_questions, "both questions to reach publishing")
    await assert_accessible(moderator, "interview moderation")
    first = 1 if "李红梅" in await moderator.get_by_role("article").nth(0).inner_text() else 2
    await moderator.get_by_label(f"选用问题 {first}").check()
    await moderator.get_by_label(f"问题 {first} 的分组").fill("平时使用")
    assert await posted(moderator, f"保存问题 {first} 的选用和分组") == 303
    await moderator.get_by_label(f"问题 {first} 的答复").fill("李红梅您好：经备案后可以。")
    assert await posted(moderator, f"保存问题 {first} 的答复") == 303
    assert "答复已保存" in await moderator.get_by_role("status").inner_text()
    assert await posted(moderator, "停止征集问题") == 303
    assert await posted(moderator, "送审访谈实录") == 303
    assert "送公开审核" in await moderator.get_by_role("status").inner_text()
    await assert_accessible(moderator, "interview in review")
    await moderator.context.close()

    async with httpx.AsyncClient(base_url=site.url) as client:
        await approve_by_three(client, (await waiting_review(client, interview_id))["id"])

    public = await browser.new_page(base_url=site.url, locale="zh-CN")
    await public.goto("/open/interviews")
    await assert_accessible(public, "public interviews")
    await public.locator(f'a[href="/open/interviews/{interview_id}"]').click()
    await public.wait_for_load_state()
    await assert_accessible(public, "transcript")
    text = await public.locator("main").inner_text()
    assert "经备案后可以" in text
    assert "李红梅" not in text
    assert "一个没有选用的问题" not in text
    assert "收到 2 个，选用 1 个，答复 1 个" in text
    await public.close()
