"""Unsatisfied twice, in a real browser: the department head sees the supervision notice (督办通知) on
the inbox, opens the notices and reads it (已阅); the admin re-routes the reopened case (改派) from the
发回重办 page — its own department refused next to the field — and the new department's handler finds
it in the inbox. axe-core checks every page. Routing served by uvicorn on the session's broker;
Debian's headless Chromium."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from deploy.kafka.local import create_topics
from services.routing.app import create_app
from services.routing.config import RoutingSettings
from shared.codes import Channel, Rating, Role
from shared.dates import today
from shared.events import CaseRated, MailboxContent, SubmissionReceived
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, posted, served
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.services import bearer, settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.browser]

PASSWORD = "a-staff-passphrase-15"
HANDLER = bearer(Role.HANDLER, department="engineering", sub="li-si")


@dataclass(frozen=True)
class Office:
    url: str
    topics: Topics


@pytest_asyncio.fixture(scope="module")
async def office(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Office]:
    topics = Topics(f"sup{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    database = tmp_path_factory.mktemp("supervision-pages") / "routing.db"
    settings = settings_for(RoutingSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{database}")
    async with served(create_app(settings), "routing") as url:
        async with httpx.AsyncClient(base_url=url, headers=bearer(Role.ADMIN)) as client:
            for staff in ("wang-wu", "zhou-jiu", "sun-ba"):  # the head, the admin, a policy handler
                response = await client.post(
                    f"/api/v1/handlers/{staff}/password", json={"password": PASSWORD, "temporary": False}
                )
                assert response.status_code == 204, response.text
        yield Office(url, topics)


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


async def signed_in(browser: Browser, office: Office, login: str) -> Page:
    context = await browser.new_context(base_url=office.url, locale="zh-CN")
    page = await context.new_page()
    await page.goto("/workbench/login")
    await page.get_by_label("登录名").fill(login)
    await page.get_by_label("密码", exact=True).fill(PASSWORD)
    assert await posted(page, "登录") == 303
    return page


async def unsatisfied_twice(office: Office, producer: RawProducer, subject: str) -> str:
    """A letter to engineering, replied and rated unsatisfied twice: its case id."""
    submission = SubmissionReceived(
        case_id=uuid.uuid4(),
        channel=Channel.MAILBOX,
        received_at=datetime.now(UTC),
        receipt_date=today(),
        mailbox=MailboxContent(
            mailbox="civil-air-defence", category="投诉", subject=subject, body="多次反映"
        ),
    )
    case_id = str(submission.case_id)
    await producer.send_payloads(office.topics.case_events, [submission])
    async with httpx.AsyncClient(base_url=office.url, headers=HANDLER) as api:
        for round_ in (1, 2):

            async def replied(round_: int = round_) -> bool:
                answer = await api.post(f"/api/v1/cases/{case_id}/reply", json={"text": f"第{round_}次答复"})
                return answer.status_code == 200

            await eventually(replied, f"reply {round_}")
            rating = CaseRated(case_id=submission.case_id, rating=Rating.UNSATISFIED, comment="仍未解决")
            await producer.send_payloads(office.topics.case_events, [rating])

            async def reopened(round_: int = round_) -> bool:
                task = (await api.get(f"/api/v1/cases/{case_id}")).json()["task"]
                return bool(task["reopened"] == round_)

            await eventually(reopened, f"reopening {round_}")
    return case_id


async def test_the_head_reads_the_notice_and_the_admin_reroutes_the_case(
    browser: Browser, office: Office, producer: RawProducer
) -> None:
    subject = f"人防门被占用 {uuid.uuid4().hex[:4]}"
    case_id = await unsatisfied_twice(office, producer, subject)

    head = await signed_in(browser, office, "wang-wu")
    await head.goto("/workbench")
    banner = head.get_by_role("status").filter(has_text="督办通知")
    assert "本部门有 1 件事项" in await banner.inner_text()
    await assert_accessible(head, "inbox with a supervision notice")
    await head.get_by_role("link", name="查看督办通知").click()
    await head.wait_for_load_state()
    row = head.get_by_role("row").filter(has=head.get_by_role("link", name=subject))
    assert await row.get_by_role("cell").nth(2).inner_text() == "2"
    await assert_accessible(head, "supervision notices, unread")
    assert await posted(head, f"已阅“{subject}”的督办通知") == 303
    assert "已阅" in await head.get_by_role("status").inner_text()
    assert "已阅（王五（wang-wu））" in await row.inner_text()
    await assert_accessible(head, "supervision notices, read")
    await head.goto(f"/workbench/cases/{case_id}")
    assert "已由王五（wang-wu）阅知" in await head.locator("dl").first.inner_text()
    await assert_accessible(head, "a supervised case")

    admin = await signed_in(browser, office, "zhou-jiu")
    await admin.goto("/workbench/admin")
    await admin.get_by_role("link", name="发回重办").click()
    await admin.wait_for_load_state()
    section = admin.locator("section", has=admin.get_by_role("heading", name=subject))
    assert "已督办" in await section.inner_text()
    await assert_accessible(admin, "reopened cases")
    await section.get_by_label("改派至").select_option(label="人防工程管理处")
    assert await posted(admin, f"改派“{subject}”") == 422, "not to the department it is with"
    assert await admin.locator(f"#reroute-{case_id}-department_id-error").count() == 1
    await assert_accessible(admin, "reopened cases, refused")
    section = admin.locator("section", has=admin.get_by_role("heading", name=subject))
    await section.get_by_label("改派至").select_option(label="政策法规处")
    await section.get_by_label("改派说明").fill("涉及政策解释")
    assert await posted(admin, f"改派“{subject}”") == 303
    assert "已改派" in await admin.get_by_role("status").inner_text()
    section = admin.locator("section", has=admin.get_by_role("heading", name=subject))
    assert "现承办：政策法规处" in await section.inner_text(), (
        "until replied again, it may be re-routed again"
    )

    policy = await signed_in(browser, office, "sun-ba")
    await policy.goto("/workbench")
    assert await policy.get_by_role("link", name=subject).count() == 1
    await policy.get_by_role("link", name=subject).click()
    await policy.wait_for_load_state()
    assert "发回重办改派：涉及政策解释" in await policy.locator("main").inner_text()
    await assert_accessible(policy, "the re-routed case in its new department")
