"""The tracking page's follow-ups and the recovery of a lost tracking code, in a real browser.

The applicant sends the supplement (补正材料) asked for and rates the reply (满意度评价) from the
tracking page; a citizen who lost the tracking code gets a one-time code by mail (a real SMTP server
on loopback) and a new tracking code. axe-core checks each page; the forms need no JavaScript.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from deploy.kafka.local import create_topics
from deploy.mail_catcher import MailCatcher
from services.intake.app import create_app
from services.intake.config import IntakeSettings, SmtpSettings
from shared.codes import Channel
from shared.dates import today
from shared.events import CaseReplied, SupplementRequested
from shared.topics import Topics
from tests.intake.browser.test_portal import submit, track
from tests.support.browser import assert_accessible, chromium, served
from tests.support.kafka import RawProducer
from tests.support.notifications import wait_for_mail
from tests.support.polling import eventually
from tests.support.services import settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.browser]

EMAIL = "zhaoliu@example.com"
APPLICATION: dict[str, Any] = {
    "applicant": {
        "type": "natural_person",
        "name": "赵六",
        "id_number": "11010519491231002X",
        "email": EMAIL,
    },
    "description": "2025年本市人防工程平战转换预案的公开文本",
    "delivery_form": "electronic",
    "delivery_method": "online",
}
LETTER: dict[str, Any] = {
    "mailbox": "civil-air-defence",
    "category": "咨询",
    "subject": "人防工程能否出租",
    "body": "请问小区人防工程平时可以出租吗？",
    "contact": {"name": "赵六", "email": EMAIL},
}


@dataclass(frozen=True)
class Portal:
    url: str
    topics: Topics
    mail: MailCatcher


@pytest.fixture(scope="module")
def catcher() -> Iterator[MailCatcher]:
    running = MailCatcher()
    running.start()
    yield running
    running.stop()


@pytest_asyncio.fixture(scope="module")
async def portal(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory, catcher: MailCatcher
) -> AsyncIterator[Portal]:
    topics = Topics(f"fu{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    database: Path = tmp_path_factory.mktemp("follow-ups") / "intake.db"
    settings = settings_for(
        IntakeSettings,
        kafka_bootstrap,
        topics,
        f"sqlite+aiosqlite:///{database}",
        smtp=SmtpSettings(host="127.0.0.1", port=catcher.port, sender="noreply@civic.example"),
    )
    async with served(create_app(settings), "intake") as url:
        yield Portal(url, topics, catcher)


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


@pytest_asyncio.fixture
async def page(browser: Browser, portal: Portal) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=portal.url, locale="zh-CN")
    yield await context.new_page()
    await context.close()


@pytest_asyncio.fixture
async def page_without_js(browser: Browser, portal: Portal) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=portal.url, locale="zh-CN", java_script_enabled=False)
    yield await context.new_page()
    await context.close()


async def _submitted(portal: Portal, path: str, body: dict[str, Any]) -> tuple[str, uuid.UUID]:
    async with httpx.AsyncClient(base_url=portal.url) as client:
        response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()["tracking_code"], uuid.UUID(response.json()["case_id"])


async def _view_when(portal: Portal, code: str, what: str, field: str) -> None:
    async def ready() -> bool:
        async with httpx.AsyncClient(base_url=portal.url) as client:
            return bool((await client.get(f"/api/v1/cases/{code}")).json().get(field))

    await eventually(ready, what)


async def test_the_applicant_sends_the_supplement_from_the_tracking_page(
    page: Page, portal: Portal, producer: RawProducer
) -> None:
    code = await _supplement_asked(portal, producer)

    await track(page, code)
    section = page.get_by_role("region", name="提交补正材料")
    await assert_accessible(page, "tracking (supplement asked for)")
    empty = await submit(page, "提交补正材料")
    assert empty.status == 422
    assert "请填写补正材料" in await page.locator(".error-summary").inner_text()
    await assert_accessible(page, "tracking (supplement missing)")

    await page.get_by_role("textbox", name=re.compile("^补正材料")).fill("所需的是2025年修订的平战转换预案。")
    sent = await submit(page, "提交补正材料")

    assert sent.status == 200
    assert "code=" not in sent.url  # the tracking code went in the form, not the address
    assert "补正材料已提交" in await page.get_by_role("status").inner_text()
    assert await section.count() == 0
    assert "补正材料已收到" in await page.locator("ol.timeline").inner_text()
    await assert_accessible(page, "tracking (supplement sent)")
    async with httpx.AsyncClient(base_url=portal.url) as client:
        again = await client.post("/track/supplement", data={"code": code, "supplement_text": "再补充一点"})
    assert again.status_code == 409
    assert "本事项目前不需要补正" in again.text


async def _supplement_asked(portal: Portal, producer: RawProducer) -> str:
    code, case_id = await _submitted(portal, "/api/v1/disclosure-requests", APPLICATION)
    asked = SupplementRequested(
        case_id=case_id, items="请写明预案的年份", due_date=today() + timedelta(days=20), requested_on=today()
    )
    await producer.send_payloads(portal.topics.case_events, [asked], source="/routing")
    await _view_when(portal, code, "the supplement asked for", "supplement_pending")
    return code


async def test_the_supplement_is_sent_without_javascript(
    page_without_js: Page, portal: Portal, producer: RawProducer
) -> None:
    code = await _supplement_asked(portal, producer)
    await page_without_js.goto(f"/track?code={code}")
    await page_without_js.get_by_role("textbox", name=re.compile("^补正材料")).fill(
        "所需的是2025年修订的平战转换预案。"
    )
    sent = await submit(page_without_js, "提交补正材料")
    assert sent.status == 200
    assert "补正材料已提交" in await page_without_js.get_by_role("status").inner_text()


async def test_the_citizen_rates_the_reply_from_the_tracking_page(
    page: Page, portal: Portal, producer: RawProducer
) -> None:
    code, case_id = await _submitted(portal, "/api/v1/mailbox-messages", LETTER)
    replied = CaseReplied(
        case_id=case_id,
        channel=Channel.MAILBOX,
        department_id="engineering",
        department_name="工程建设科",
        text="赵六您好：人防工程平时可以依法出租。",
        replied_on=today(),
    )
    await producer.send_payloads(portal.topics.case_events, [replied], source="/routing")
    await _view_when(portal, code, "the reply", "rating_open")

    await track(page, code)
    section = page.get_by_role("region", name="评价答复")
    unrated = await submit(page, "提交评价")
    assert unrated.status == 422
    assert "请选择评价" in await page.locator(".error-summary").inner_text()
    await assert_accessible(page, "tracking (rating missing)")

    await page.get_by_label("基本满意").check()
    await page.get_by_label("评价意见").fill("答复及时。")
    rated = await submit(page, "提交评价")

    assert rated.status == 200
    assert "感谢您的评价" in await page.get_by_role("status").inner_text()
    assert await section.count() == 0
    await assert_accessible(page, "tracking (rated)")
    async with httpx.AsyncClient(base_url=portal.url) as client:
        again = await client.post("/track/rating", data={"code": code, "rating": "satisfied"})
    assert again.status_code == 409
    assert "已经评价过" in again.text


async def test_a_lost_tracking_code_is_replaced_through_a_one_time_code_by_mail(
    page: Page, portal: Portal
) -> None:
    address = f"recover-{uuid.uuid4().hex[:6]}@example.com"
    old_code, _ = await _submitted(
        portal, "/api/v1/mailbox-messages", {**LETTER, "contact": {"email": address}}
    )

    await page.goto("/track")
    await page.get_by_role("link", name="找回查询码").click()
    await page.wait_for_load_state()
    await assert_accessible(page, "recovery (address)")
    await page.get_by_label("电子邮箱或手机号码").fill(address.upper())
    asked = await submit(page, "发送验证码")
    assert asked.status == 200
    assert "如果该地址有关联的事项，我们已发送验证码" in await page.locator("#recovery-sent").inner_text()
    await assert_accessible(page, "recovery (one-time code)")
    [mail] = await wait_for_mail(portal.mail, address)
    body = mail.get_body(("plain",))
    assert body is not None
    found = re.search(r"验证码为 ([0-9]{6})", body.get_content())
    assert found

    await page.get_by_label("验证码").fill("000000" if found.group(1) != "000000" else "111111")
    wrong = await submit(page, "验证并生成新查询码")
    assert wrong.status == 422
    assert "验证码不正确或已失效" in await page.locator(".error-summary").inner_text()
    await assert_accessible(page, "recovery (wrong code)")
    await page.get_by_label("验证码").fill(found.group(1))
    entered = await submit(page, "验证并生成新查询码")

    assert entered.status == 201
    new_code = (await page.locator("#new-codes code").inner_text()).strip()
    assert new_code != old_code
    await assert_accessible(page, "recovery (new codes)")
    await page.get_by_role("button", name=re.compile("查询进度")).click()
    await page.wait_for_load_state()
    assert await page.locator("#case-status").inner_text() == "已受理"
    async with httpx.AsyncClient(base_url=portal.url) as client:
        assert (await client.get(f"/api/v1/cases/{old_code}")).status_code == 404
