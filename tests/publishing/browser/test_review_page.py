"""The review queue (公开审核) in a real browser: three reviewers, each signed in, approve a reply in its
page — the first masking a name the masking missed — and it is published masked; another is rejected
with a reason after the page refused an empty one; a reviewer who decided once is told so. axe-core
checks every page; Debian's headless Chromium, publishing served by uvicorn on the session's broker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser

from deploy.kafka.local import create_topics
from services.publishing.app import create_app
from services.publishing.config import PublishingSettings
from shared.codes import Role
from shared.events import Contact
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, posted, served, signed_in_as
from tests.support.events import handled, letter
from tests.support.kafka import RawProducer
from tests.support.publishing import waiting_review
from tests.support.services import settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.browser]


@dataclass(frozen=True)
class Queue:
    url: str
    topics: Topics
    producer: RawProducer
    client: httpx.AsyncClient


@pytest_asyncio.fixture(scope="module")
async def queue(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Queue]:
    topics = Topics(f"rq{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    database = tmp_path_factory.mktemp("review-queue") / "publishing.db"
    settings = settings_for(PublishingSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{database}")
    producer = await RawProducer(kafka_bootstrap).start()
    try:
        async with (
            served(create_app(settings), "publishing") as url,
            httpx.AsyncClient(base_url=url, timeout=20) as client,
        ):
            yield Queue(url, topics, producer, client)
    finally:
        await producer.stop()


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


async def a_reply_waiting(queue: Queue, subject: str, body: str, reply: str) -> str:
    case = letter(subject, body, contact=Contact(name="周晓明", phone="13712345678"))
    await queue.producer.send_payloads(queue.topics.case_events, [case, *handled(case, reply)])
    return str((await waiting_review(queue.client, case.case_id))["id"])


async def test_three_reviewers_approve_in_the_page_and_the_reply_is_published_masked(
    browser: Browser, queue: Queue
) -> None:
    subject = f"人防工程车位出租 {uuid.uuid4().hex[:6]}"
    await a_reply_waiting(
        queue,
        subject,
        "我是周晓明，电话13712345678，邻居小芳也想知道车位能否出租？",
        "周晓明您好：可以依法出租。",
    )
    for n in (1, 2, 3):
        context = await signed_in_as(
            browser, queue.url, Role.REVIEWER, sub=f"reviewer-{n}", name=f"审核员{n}"
        )
        page = await context.new_page()
        await page.goto("/workbench/reviews")
        await assert_accessible(page, "review queue")
        await page.get_by_role("link", name=subject).click()
        await page.wait_for_load_state()
        content = await page.locator(
            "section", has=page.get_by_role("heading", name="将公开的内容（已遮盖）")
        ).inner_text()
        assert "13712345678" not in content
        assert "周晓明" not in content, "the writer's name is masked before any reviewer sees it"
        assert "137****5678" in content
        manifest = await page.get_by_role("table").filter(has_text="遮盖为").inner_text()
        assert "手机号码" in manifest
        assert "姓名" in manifest, "the manifest says what was masked, by kind"
        await assert_accessible(page, "review item")
        if n == 1:
            assert "小芳" in content, "a name the masking does not know of is still there"
            await page.get_by_label("需要再遮盖的内容").fill("小芳")
        assert await posted(page, "审核通过") == 303
        assert "已审核通过" in await page.get_by_role("status").inner_text()
        await context.close()

    published = (await queue.client.get("/api/v1/replies", params={"q": subject})).json()
    (item,) = published["items"]
    assert "小芳" not in item["question"]
    assert "周晓明" not in item["reply"]
    assert any(masked["kind"] == "reviewer" for masked in item["masked"]), (
        "the reviewer's mask is in the manifest"
    )


async def test_a_reply_is_rejected_with_a_reason_and_a_second_decision_is_refused(
    browser: Browser, queue: Queue
) -> None:
    subject = f"防空警报试鸣 {uuid.uuid4().hex[:6]}"
    review_id = await a_reply_waiting(queue, subject, "今年什么时候试鸣？", "每年九月第三个星期六。")

    first = await signed_in_as(browser, queue.url, Role.REVIEWER, sub="reviewer-1", name="审核员1")
    page = await first.new_page()
    await page.goto(f"/workbench/reviews/{review_id}")
    assert await posted(page, "审核通过") == 303
    await page.goto(f"/workbench/reviews/{review_id}")
    assert await posted(page, "审核通过") == 409
    assert "您已审核过这一事项" in await page.get_by_role("alert").inner_text()
    await assert_accessible(page, "review item, decided already")
    await first.close()

    second = await signed_in_as(browser, queue.url, Role.REVIEWER, sub="reviewer-2", name="审核员2")
    page = await second.new_page()
    await page.goto(f"/workbench/reviews/{review_id}")
    assert await posted(page, "退回") == 422, "a rejection says why"
    assert await page.get_by_label("退回理由").get_attribute("aria-invalid") == "true"
    await assert_accessible(page, "review item, reason missing")
    await page.get_by_label("退回理由").fill("答复未写明试鸣的具体时间段")
    assert await posted(page, "退回") == 303
    assert "已退回" in await page.get_by_role("status").inner_text()
    assert await page.get_by_role("link", name=subject).count() == 0, "gone from the queue"
    await second.close()

    rejected = (await queue.client.get("/api/v1/replies", params={"q": subject})).json()
    assert rejected["items"] == []


async def test_the_queue_is_for_reviewers_only(browser: Browser, queue: Queue) -> None:
    context = await signed_in_as(browser, queue.url, Role.HANDLER, sub="handler-1")
    page = await context.new_page()
    response = await page.goto("/workbench/reviews")
    assert response is not None
    assert response.status == 403
    await assert_accessible(page, "review queue refused")
    await context.close()

    anonymous = await browser.new_context(base_url=queue.url)
    signed_out = await (await anonymous.new_page()).request.get("/workbench/reviews", max_redirects=0)
    assert signed_out.status == 303
    assert signed_out.headers["location"] == "/workbench/login?next=/workbench/reviews"
    await anonymous.close()
