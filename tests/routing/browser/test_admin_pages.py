"""The admin's pages in a real browser: an admin signs in with a password and, in pages only, adds a
department, adds a member of staff, gives them a temporary password (they sign in and must change it),
deactivates and activates them, adds a routing rule that then routes a letter, disables it (the audit
trail shows both), and dispatches a case from triage. Wrong input comes back next to its field; axe-core
checks every page. Routing served by uvicorn on the session's broker; Debian's headless Chromium."""

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
from shared.codes import Channel, Role
from shared.dates import today
from shared.events import MailboxContent, SubmissionReceived
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, posted, served
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import bearer, settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.browser]

ADMIN_PASSWORD = "an-admin-passphrase-1"


@dataclass(frozen=True)
class Office:
    url: str
    topics: Topics


@pytest_asyncio.fixture(scope="module")
async def office(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Office]:
    topics = Topics(f"adm{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    database = tmp_path_factory.mktemp("admin-pages") / "routing.db"
    settings = settings_for(RoutingSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{database}")
    async with served(create_app(settings), "routing") as url:
        async with httpx.AsyncClient(base_url=url, headers=bearer(Role.ADMIN)) as client:
            # The first admin comes from the API (make run seeds one); everything after, in pages.
            await client.put(
                "/api/v1/handlers",
                json={
                    "id": "zhou-admin",
                    "name": "周管理",
                    "department_id": "general-office",
                    "roles": ["admin"],
                },
            )
            await client.post(
                "/api/v1/handlers/zhou-admin/password", json={"password": ADMIN_PASSWORD, "temporary": False}
            )
        yield Office(url, topics)


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


@pytest_asyncio.fixture
async def page(browser: Browser, office: Office) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=office.url, locale="zh-CN")
    page = await context.new_page()
    yield page
    await context.close()


async def sign_in(page: Page, login: str, password: str) -> None:
    await page.goto("/workbench/login")
    await page.get_by_label("登录名").fill(login)
    await page.get_by_label("密码", exact=True).fill(password)
    assert await posted(page, "登录") == 303


def letter(subject: str, body: str) -> SubmissionReceived:
    return SubmissionReceived(
        case_id=uuid.uuid4(),
        channel=Channel.MAILBOX,
        received_at=datetime.now(UTC),
        receipt_date=today(),
        mailbox=MailboxContent(mailbox="director", category="建议", subject=subject, body=body),
    )


async def test_an_admin_runs_the_office_in_pages(
    page: Page, browser: Browser, office: Office, producer: RawProducer, kafka_bootstrap: str
) -> None:
    await sign_in(page, "zhou-admin", ADMIN_PASSWORD)
    assert page.url.endswith("/workbench/admin"), "an admin lands on the admin's pages"
    await assert_accessible(page, "admin index")

    # A department; a wrong id is refused next to its field, what was typed is kept.
    await page.get_by_role("link", name="部门", exact=True).click()
    form = page.locator("form", has=page.get_by_role("button", name="新增部门"))
    await form.get_by_label("编号").fill("Publicity Office")
    await form.get_by_label("名称").fill("宣传教育处")
    assert await posted(page, "新增部门") == 422
    assert "小写字母" in await page.locator("#department-id-error").inner_text()
    assert await page.get_by_label("名称", exact=True).input_value() == "宣传教育处"
    await assert_accessible(page, "departments, refused")
    await page.get_by_label("编号").fill("publicity")
    assert await posted(page, "新增部门") == 303
    assert "部门已保存" in await page.get_by_role("status").inner_text()
    assert await page.get_by_role("cell", name="宣传教育处", exact=True).count() == 1
    await assert_accessible(page, "departments")

    # A member of staff, a temporary password; they sign in and must change it first.
    await page.goto("/workbench/admin/staff")
    await page.get_by_label("登录名").fill("wu-ban")
    await page.get_by_label("姓名").fill("吴宣传")
    await page.get_by_label("部门", exact=True).select_option(label="宣传教育处")
    assert await posted(page, "保存人员") == 303
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="wu-ban", exact=True))
    assert "未设密码" in await row.inner_text()
    await page.get_by_label("吴宣传的临时密码", exact=True).fill("Temporary-2026-pass")
    assert await posted(page, "设置吴宣传的临时密码") == 303
    assert "临时密码已设置" in await page.get_by_role("status").inner_text()
    await assert_accessible(page, "staff")
    other = await browser.new_context(base_url=office.url)
    theirs = await other.new_page()
    await sign_in(theirs, "wu-ban", "Temporary-2026-pass")
    assert theirs.url.endswith("/workbench/password?first=1")
    assert await theirs.get_by_role("heading", name="修改密码").count() == 1
    await assert_accessible(theirs, "first sign-in: change the password")

    # Deactivated: their open session ends; activated again, they may sign in again.
    assert await posted(page, "停用吴宣传") == 303
    assert "已停用" in await row.inner_text()
    await theirs.goto("/workbench")
    assert "/workbench/login" in theirs.url
    await other.close()
    assert await posted(page, "启用吴宣传") == 303
    assert "在用" in await row.inner_text()

    # A rule: letters about 国防教育宣传 go to the new department; then it is disabled.
    await page.goto("/workbench/admin/rules")
    await page.get_by_label("编号").fill("publicity-keywords")
    await page.get_by_label("优先级").fill("5")
    await page.get_by_label("承办部门").select_option(label="宣传教育处")
    await page.get_by_label("理由").fill("内容涉及宣传教育")
    await page.get_by_label("关键词").fill("宣传月，国防教育宣传")
    assert await posted(page, "保存规则") == 303
    await assert_accessible(page, "rules")
    events = await TopicReader(kafka_bootstrap, office.topics.case_events).start()
    try:
        routed = letter("国防教育宣传月活动建议", "建议在社区开展国防教育宣传月活动。")
        await producer.send_payloads(office.topics.case_events, [routed])
        (assigned,) = await events.wait_for_event(str(routed.case_id), "case.assigned")
        assert assigned.data["department_id"] == "publicity"

        await page.get_by_role("link", name="修改规则 publicity-keywords").click()
        await page.wait_for_load_state()
        await page.get_by_label("状态").select_option(label="停用")
        assert await posted(page, "保存规则") == 303
        trail = await page.get_by_role("table", name="分办规则的修改，最新的在前").inner_text()
        assert "停用分办规则" in trail
        assert "新增分办规则" in trail

        # Triage: a letter no rule matches waits; the admin dispatches it.
        subject = f"关于办公时间的询问 {uuid.uuid4().hex[:4]}"
        waiting = letter(subject, "请问周末是否办公？")
        await producer.send_payloads(office.topics.case_events, [waiting])
        await events.wait_for_event(str(waiting.case_id), "case.assigned")
    finally:
        await events.stop()

    async def in_triage() -> bool:
        await page.goto("/workbench/admin/triage")
        return await page.get_by_role("heading", name=subject).count() == 1

    await eventually(in_triage, "the letter waiting in triage")
    await assert_accessible(page, "triage")
    section = page.locator("section", has=page.get_by_role("heading", name=subject))
    assert await posted(page, f"分办“{subject}”") == 422, "a department must be chosen"
    assert await page.locator(f"#dispatch-{waiting.case_id}-department_id-error").count() == 1
    await section.get_by_label("承办部门").select_option(label="办公室")
    assert await posted(page, f"分办“{subject}”") == 303
    assert "已分办" in await page.get_by_role("status").inner_text()

    await page.goto("/workbench/admin/audit?kind=sign-in")
    assert "登录" in await page.get_by_role("table").inner_text()
    await assert_accessible(page, "audit trail")


async def test_the_admin_pages_are_for_admins_only(page: Page) -> None:
    await page.goto("/workbench/login")
    await page.get_by_label("访问令牌").fill(
        bearer(Role.HANDLER, department="engineering")["Authorization"].removeprefix("Bearer ")
    )
    assert await posted(page, "用令牌登录") == 303
    response = await page.goto("/workbench/admin/staff")
    assert response is not None
    assert response.status == 403
    await assert_accessible(page, "admin page refused")


async def test_an_admin_reads_and_replays_a_dead_letter(
    page: Page, office: Office, producer: RawProducer, kafka_bootstrap: str
) -> None:
    """Something that is no event reaches routing: it is dead-lettered alone; the admin sees why, reads
    it, and replays it (it fails again, and waits again — replayed once, counted once)."""
    await sign_in(page, "zhou-admin", ADMIN_PASSWORD)
    marker = f"not-an-event-{uuid.uuid4().hex[:6]}"
    await producer.send(
        office.topics.case_events, marker.encode(), key="poison", event_type="submission.received"
    )

    async def listed() -> bool:
        await page.goto("/workbench/dead-letters")
        return await page.get_by_role("row").filter(has_text="待处理").count() >= 1

    await eventually(listed, "the poison record in the dead letters")
    await assert_accessible(page, "dead letters")
    row = page.get_by_role("row").filter(has_text="待处理").first
    await row.get_by_role("link").click()
    await page.wait_for_load_state()
    assert marker in await page.locator("pre").inner_text()
    await assert_accessible(page, "a dead letter")

    await page.goto("/workbench/dead-letters")
    # Routing's two consumer groups of case-events (the task, the similarity) each set it aside.
    waiting = await page.get_by_role("row").filter(has_text="待处理").count()
    assert waiting == 2
    assert await posted(page, "重新投递 case-events") == 303
    assert f"已重新投递 {waiting} 条" in await page.get_by_role("status").inner_text()
    await page.goto("/workbench/admin/audit")
    assert "重新投递死信" in await page.get_by_role("table").inner_text()
