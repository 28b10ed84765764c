"""The citizen chooses on the form how to be told of their case (告知方式), in a real browser with
axe-core: by email, by SMS or not at all, the way needing its address."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Page

from deploy.kafka.local import create_topics
from services.intake.app import create_app
from services.intake.config import IntakeSettings
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, posted, served
from tests.support.services import settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.browser]

CHOICE = "办理进度告知方式"


@pytest_asyncio.fixture(scope="module")
async def portal(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, Path]]:
    topics = Topics(f"web{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    database = tmp_path_factory.mktemp("portal") / "intake.db"
    settings = settings_for(IntakeSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{database}")
    async with served(create_app(settings), "intake") as url:
        yield url, database


@pytest_asyncio.fixture
async def page(portal: tuple[str, Path]) -> AsyncIterator[Page]:
    async with chromium() as browser:
        context = await browser.new_context(base_url=portal[0], locale="zh-CN")
        yield await context.new_page()
        await context.close()


def _choices(database: Path) -> list[str | None]:
    with sqlite3.connect(database) as connection:
        return [
            row[0]
            for row in connection.execute("SELECT notify_by FROM intake_submission ORDER BY received_at")
        ]


async def test_a_letter_chooses_sms_and_is_told_it_needs_a_mobile_number(
    page: Page, portal: tuple[str, Path]
) -> None:
    await page.goto("/mailbox")
    choice = page.get_by_role("group", name=CHOICE)
    await choice.wait_for()
    assert await choice.get_by_label("不需要", exact=True).is_checked()
    await assert_accessible(page, "mailbox form with the choice of a way")

    await page.get_by_label("信箱和类别").select_option(label="人防工程信箱 - 咨询")
    await page.get_by_label("标题").fill("防空警报试鸣时间")
    await page.get_by_label("内容").fill("请问今年的防空警报试鸣是哪一天？")
    await page.get_by_label("电子邮箱").fill("zsf@example.com")
    await choice.get_by_label("手机短信", exact=True).check()
    assert await posted(page, "提交来信") == 422
    error = page.locator("#notify_by-error")
    assert "选择短信告知的，请填写手机号码" in await error.inner_text()
    assert await choice.get_by_label("手机短信", exact=True).is_checked()  # the choice kept
    await page.get_by_role("link", name="选择短信告知的，请填写手机号码（固定电话收不到短信）").click()
    assert await page.evaluate("document.activeElement.id") == "notify_by-none"
    await assert_accessible(page, "mailbox form with the choice refused")

    await page.get_by_label("联系电话").fill("139-1234-5678")
    assert await posted(page, "提交来信") == 201
    await page.get_by_role("heading", name="提交成功").wait_for()
    assert _choices(portal[1])[-1] == "sms"


async def test_a_disclosure_request_chooses_email(page: Page, portal: tuple[str, Path]) -> None:
    await page.goto("/disclosure")
    await page.get_by_label("自然人", exact=True).check()
    await page.get_by_label("姓名").fill("李四")
    await page.get_by_label("证件号码").fill("11010519491231002X")
    await page.get_by_label("电子邮箱").fill("lisi@example.com")
    await page.get_by_role("group", name=CHOICE).get_by_label("电子邮件", exact=True).check()
    await page.get_by_label("所需信息的内容描述").fill("2025年本市新建防空地下室易地建设费收缴情况")
    await page.get_by_label("电子", exact=True).check()
    await page.get_by_label("网上获取", exact=True).check()
    await assert_accessible(page, "disclosure form with the choice of a way")
    assert await posted(page, "提交申请") == 201
    assert _choices(portal[1])[-1] == "email"
