"""The citizen's question to an online interview (在线访谈) in headless Chromium, checked with axe-core:
the home page lists the interview taking questions, the form refuses an empty question next to its
field, and a question sent gets the receipt with its tracking code; once the interview closes, the form
says so."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from deploy.kafka.local import create_topics
from services.intake.app import create_app
from services.intake.config import IntakeSettings
from shared.events import InterviewClosed, InterviewScheduled
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, posted, served
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.services import settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.browser]

TRACKING_CODE = re.compile(r"([2-9A-HJ-NP-TW-Z]{4}-){3}[2-9A-HJ-NP-TW-Z]{4}")


@dataclass(frozen=True)
class Portal:
    url: str
    topics: Topics


@pytest_asyncio.fixture(scope="module")
async def portal(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Portal]:
    topics = Topics(f"wiq{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    database = tmp_path_factory.mktemp("portal-questions") / "intake.db"
    settings = settings_for(IntakeSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{database}")
    async with served(create_app(settings), "intake") as url:
        yield Portal(url, topics)


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


@pytest_asyncio.fixture
async def page(browser: Browser, portal: Portal) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=portal.url, locale="zh-CN")
    yield await context.new_page()
    await context.close()


async def test_a_citizen_sends_a_question_and_gets_a_tracking_code(
    page: Page, portal: Portal, producer: RawProducer
) -> None:
    starts = datetime.now(UTC) + timedelta(days=1)
    scheduled = InterviewScheduled(
        interview_id=uuid.uuid4(),
        title=f"人防工程平时使用{uuid.uuid4().hex[:4]}",
        guest="郑为民",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    await producer.send_payloads(portal.topics.consultation_events, [scheduled])

    async def listed() -> bool:
        await page.goto("/")
        return await page.get_by_role("link", name=scheduled.title).count() == 1

    await eventually(listed, "the interview on the home page")
    await assert_accessible(page, "home with an interview")
    await page.get_by_role("link", name=scheduled.title).click()
    await page.wait_for_load_state()
    await assert_accessible(page, "question form")
    assert await posted(page, "提交问题") == 422
    assert "请填写您的问题" in await page.locator("#body-error").inner_text()
    await assert_accessible(page, "question form, refused")
    await page.get_by_label("您的问题").fill("小区人防工程能否平时用作停车场？")
    await page.get_by_label("姓名").fill("李红梅")
    assert await posted(page, "提交问题") == 201
    receipt = await page.locator("main").inner_text()
    assert TRACKING_CODE.search(receipt)
    assert "问题已登记受理" in receipt
    assert scheduled.title in receipt
    await assert_accessible(page, "question receipt")

    closed = InterviewClosed(interview_id=scheduled.interview_id, closed_at=datetime.now(UTC))
    await producer.send_payloads(portal.topics.consultation_events, [closed])

    async def refused() -> bool:
        response = await page.goto(f"/interviews/{scheduled.interview_id}/question")
        return response is not None and response.status == 409

    await eventually(refused, "the form to say the interview takes no more questions")
    assert "不再征集问题" in await page.locator("main").inner_text()
    await assert_accessible(page, "question form, closed")
