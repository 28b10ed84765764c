"""The citizen's portal in a real browser.

Debian's headless Chromium, driven by Playwright, fills in the pages of a real intake — uvicorn on a
free port in a background thread, on the session's Kafka broker and a SQLite file — the way a person
does: labelled fields, the keyboard, the mouse. axe-core checks every page and fails the test on a
serious or critical violation. Playwright never downloads a browser here.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Response

from deploy.kafka.local import create_topics
from services.intake.app import create_app
from services.intake.config import IntakeSettings
from services.intake.domain import hash_tracking_code
from shared.codes import Channel, ClockKind
from shared.dates import today
from shared.events import CaseAssigned, ConsultationClosed, ConsultationOpened, DeadlineSet, NoticeIssued
from shared.notices import NoticeKind
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, served
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.services import settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.browser]

TRACKING_CODE = re.compile(r"([2-9A-HJ-NP-TW-Z]{4}-){3}[2-9A-HJ-NP-TW-Z]{4}")


@dataclass(frozen=True)
class Portal:
    url: str
    topics: Topics
    database: Path


@pytest_asyncio.fixture(scope="module")
async def portal(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Portal]:
    """Intake served by uvicorn on a free port, as ``make run`` serves it, with its own topics."""
    topics = Topics(f"web{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    database = tmp_path_factory.mktemp("portal") / "intake.db"
    settings = settings_for(IntakeSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{database}")
    async with served(create_app(settings), "intake") as url:
        yield Portal(url, topics, database)


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
    """The pages must work with JavaScript off (axe-core cannot run in such a page)."""
    context = await browser.new_context(base_url=portal.url, locale="zh-CN", java_script_enabled=False)
    yield await context.new_page()
    await context.close()


# --- helpers ------------------------------------------------------------------------------------


async def submit(page: Page, button: str) -> Response:
    """Click the form's submit button and return the response to the POST."""
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.get_by_role("button", name=button).click()
    response = await posted.value
    await page.wait_for_load_state()
    return response


async def read_tracking_code(page: Page) -> str:
    code = "".join((await page.locator("#tracking-code").inner_text()).split())
    assert TRACKING_CODE.fullmatch(code), code
    return code


async def track(page: Page, code: str) -> Response | None:
    """Type the code into the home page's tracking form, the way a citizen copies it from paper."""
    await page.goto("/")
    await page.get_by_label("查询码").fill(code)
    async with page.expect_navigation() as navigation:
        await page.get_by_label("查询码").press("Enter")
    return await navigation.value


def case_id_of(database: Path, code: str) -> str:
    """The case behind a tracking code, read from intake's database as routing would know it."""
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT case_id FROM intake_submission WHERE tracking_hash = ?", (hash_tracking_code(code),)
        ).fetchone()
    assert row is not None, code
    return str(row[0])


async def wait_for_page(portal: Portal, path: str, status: int) -> None:
    async def answered() -> bool:
        async with httpx.AsyncClient(base_url=portal.url, timeout=5) as client:
            return (await client.get(path)).status_code == status

    await eventually(answered, f"GET {path} → {status}")


# --- the mailbox ------------------------------------------------------------------------------


async def test_a_letter_is_written_by_keyboard_and_tracked(
    page: Page, portal: Portal, producer: RawProducer
) -> None:
    await page.goto("/")
    assert await page.get_by_role("heading", level=1).inner_text() == "政民互动平台"
    for channel in ("领导信箱", "意见征集", "依申请公开"):
        await page.get_by_role("heading", name=channel, level=2).wait_for()
    await assert_accessible(page, "home")

    # The skip link is the first stop for the keyboard and takes focus to the content.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"

    await page.get_by_role("link", name="我要写信").click()
    assert page.url.endswith("/mailbox")
    await page.get_by_text("一事一信").wait_for()
    await page.get_by_text("本系统不接收附件").wait_for()
    consent = page.get_by_label("同意公开这封信和答复")
    assert not await consent.is_checked()
    await assert_accessible(page, "mailbox form")

    await page.get_by_label("信箱和类别").select_option(label="人防工程信箱 - 咨询")
    await page.get_by_label("标题").fill("小区地下人防工程能否停车")
    await page.get_by_label("内容").fill("请问我们小区的地下人防工程平时可以作为停车场使用吗？")
    await page.get_by_label("姓名").fill("张三丰")
    await page.get_by_label("联系电话").fill("138-1234-5678")
    await page.get_by_label("电子邮箱").fill("zsf@example.com")
    await consent.focus()
    await page.keyboard.press("Space")
    assert await consent.is_checked()
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.get_by_role("button", name="提交来信").press("Enter")
    assert (await posted.value).status == 201
    await page.wait_for_load_state()

    await page.get_by_role("heading", name="提交成功").wait_for()
    code = await read_tracking_code(page)
    await page.get_by_text("只在本页显示这一次").wait_for()
    assert (
        await page.locator("#receipt-date").inner_text() == f"{today():%Y}年{today().month}月{today().day}日"
    )
    assert await page.get_by_role("button", name="打印回执").is_visible()
    await assert_accessible(page, "receipt (mailbox)")
    await page.emulate_media(media="print")
    assert not await page.get_by_role("navigation").is_visible()
    assert await page.locator("#tracking-code").is_visible()
    await page.emulate_media(media="screen")

    response = await track(page, code.lower().replace("-", " "))
    assert response is not None
    assert response.status == 200
    assert await page.locator("#case-status").inner_text() == "已受理"
    await page.get_by_text("领导信箱", exact=True).last.wait_for()
    timeline = page.locator("ol.timeline > li")
    assert await timeline.count() == 1
    assert "已受理" in await timeline.first.inner_text()
    assert "您的来信/申请已登记" in await timeline.first.inner_text()
    await assert_accessible(page, "tracking")

    # Routing assigns the letter and tracking sets a provisional deadline: the page follows.
    case_id = uuid.UUID(await asyncio.to_thread(case_id_of, portal.database, code))
    due = today() + timedelta(days=7)
    await producer.send_payloads(
        portal.topics.case_events,
        [
            CaseAssigned(
                case_id=case_id,
                channel=Channel.MAILBOX,
                department_id="engineering",
                department_name="工程建设管理科",
                reason="人防工程",
                assigned_on=today(),
            ),
            DeadlineSet(
                case_id=case_id,
                clock=ClockKind.REPLY,
                due_date=due,
                provisional=True,
                cause="case.assigned",
                note="自转办之日起5个工作日",
            ),
        ],
    )

    async def updated() -> bool:
        await page.reload()
        return await page.locator("ol.timeline > li").count() == 3

    await eventually(updated, "the tracking page to show the assignment and the deadline")
    assert await page.locator("#case-status").inner_text() == "已转办"
    summary = await page.locator("dl.summary-list").inner_text()
    assert "工程建设管理科" in summary
    assert f"{due.year}年{due.month}月{due.day}日（暂定）" in summary
    titles = [await item.locator(".timeline__title").inner_text() for item in await timeline.all()]
    assert titles == ["已受理", "已转办", "答复期限"]
    assert "转至工程建设管理科办理" in await timeline.nth(1).inner_text()
    await assert_accessible(page, "tracking (assigned)")


async def test_a_letter_is_sent_and_printed_without_javascript(page_without_js: Page) -> None:
    page = page_without_js
    await page.goto("/mailbox")
    await page.get_by_label("信箱和类别").select_option(label="主任信箱 - 建议")
    await page.get_by_label("标题").fill("建议增加人防宣传进社区活动")
    await page.get_by_label("内容").fill("建议每季度在社区开展一次人防知识宣传。")
    response = await submit(page, "提交来信")
    assert response.status == 201
    await read_tracking_code(page)
    # The print button needs JavaScript, so it is hidden; the page itself prints (Ctrl+P).
    assert not await page.get_by_role("button", name="打印回执").is_visible()
    await page.get_by_text("Ctrl+P").wait_for()
    await page.get_by_role("link", name="查询办理进度").last.click()
    assert await page.locator("#case-status").inner_text() == "已受理"


# --- consultations ------------------------------------------------------------------------------


async def test_a_comment_is_made_on_an_open_consultation_and_refused_once_it_closed(
    page: Page, portal: Portal, producer: RawProducer
) -> None:
    consultation_id = uuid.uuid4()
    title = f"人防工程维护管理办法（征求意见稿）{consultation_id.hex[:4]}"
    closes_on = today() + timedelta(days=29)
    await producer.send_payloads(
        portal.topics.consultation_events,
        [
            ConsultationOpened(
                consultation_id=consultation_id,
                title=title,
                summary="征求意见",
                opens_on=today() - timedelta(days=1),
                closes_on=closes_on,
            )
        ],
    )
    form_path = f"/consultations/{consultation_id}/comment"
    await wait_for_page(portal, form_path, 200)

    await page.goto("/")
    await page.get_by_role("link", name=title).click()
    assert page.url.endswith(form_path)
    await page.get_by_text(title).wait_for()
    await assert_accessible(page, "comment form")

    await page.get_by_label("意见内容").fill("建议明确人防车位的收费标准。")
    await page.get_by_label("涉及条款").fill("第十二条")
    response = await submit(page, "提交意见")
    assert response.status == 201
    code = await read_tracking_code(page)
    assert title in await page.locator("dl.summary-list").inner_text()
    assert await page.get_by_role("button", name="打印回执").is_visible()
    await assert_accessible(page, "receipt (comment)")

    response_or_none = await track(page, code)
    assert response_or_none is not None
    assert response_or_none.status == 200
    assert await page.locator("#case-status").inner_text() == "已受理"
    assert "意见征集" in await page.locator("dl.summary-list").inner_text()

    await producer.send_payloads(
        portal.topics.consultation_events,
        [ConsultationClosed(consultation_id=consultation_id, closed_on=today())],
    )
    await wait_for_page(portal, form_path, 409)
    closed = await page.goto(form_path)
    assert closed is not None
    assert closed.status == 409
    assert "不再接收意见" in await page.locator("main").inner_text()
    await assert_accessible(page, "consultation closed (409)")
    await page.goto("/")
    assert title not in await page.locator("main").inner_text()

    unknown = await page.goto(f"/consultations/{uuid.uuid4()}/comment")
    assert unknown is not None
    assert unknown.status == 404
    await page.get_by_role("heading", name="没有找到这项意见征集").wait_for()
    await assert_accessible(page, "consultation unknown (404)")


# --- disclosure requests ----------------------------------------------------------------------


async def test_a_disclosure_request_is_corrected_after_errors_shown_next_to_the_fields(
    page: Page, portal: Portal
) -> None:
    await page.goto("/")
    await page.get_by_role("link", name="提交公开申请").click()
    await page.get_by_role("heading", name="政府信息公开申请").wait_for()
    await assert_accessible(page, "disclosure form")

    await page.get_by_label("自然人", exact=True).check()
    await page.get_by_label("姓名").fill("李四")
    await page.get_by_label("证件号码").fill("110105194912310021")  # the check character is X
    await page.get_by_label("联系电话").fill("12345")
    await page.get_by_label("通信地址").fill("济南市历下区泉城路1号")
    description = "2025年本市新建防空地下室易地建设费收缴情况"
    await page.get_by_label("所需信息的内容描述").fill(description)
    await page.get_by_label("用途").fill("了解政策执行情况")
    await page.get_by_label("电子", exact=True).check()
    await page.get_by_label("网上获取", exact=True).check()

    response = await submit(page, "提交申请")
    assert response.status == 422
    assert (await page.title()).startswith("错误：")
    alert = page.get_by_role("alert")
    assert "提交未成功" in await alert.inner_text()
    assert await alert.get_by_role("link").count() == 2
    for name, words in (
        ("applicant_id_number", "证件号码不正确"),
        ("applicant_phone", "联系电话格式不正确"),
    ):
        field = page.locator(f"#{name}")
        assert await field.get_attribute("aria-invalid") == "true"
        described = (await field.get_attribute("aria-describedby") or "").split()
        assert f"{name}-error" in described
        assert words in await page.locator(f"#{name}-error").inner_text()
        assert await alert.locator(f'a[href="#{name}"]').count() == 1
    # Everything entered is still there.
    assert await page.get_by_label("姓名").input_value() == "李四"
    assert await page.get_by_label("证件号码").input_value() == "110105194912310021"
    assert await page.get_by_label("联系电话").input_value() == "12345"
    assert await page.get_by_label("所需信息的内容描述").input_value() == description
    assert await page.get_by_label("自然人", exact=True).is_checked()
    assert await page.get_by_label("网上获取", exact=True).is_checked()
    await assert_accessible(page, "disclosure form with errors")

    await page.locator('.error-summary a[href="#applicant_id_number"]').click()
    await page.get_by_label("证件号码").fill("11010519491231002X")
    await page.get_by_label("联系电话").fill("13912345678")
    response = await submit(page, "提交申请")
    assert response.status == 201
    code = await read_tracking_code(page)
    await assert_accessible(page, "receipt (disclosure)")

    await track(page, code)
    assert await page.locator("#case-status").inner_text() == "已受理"
    assert "依申请公开" in await page.locator("dl.summary-list").inner_text()


async def test_a_rule_of_the_use_case_is_shown_next_to_its_field(page: Page) -> None:
    """An organisation with no name and post without an address: the use case's rules, in Chinese."""
    await page.goto("/disclosure")
    await page.get_by_label("商业企业", exact=True).check()
    await page.get_by_label("联系电话").fill("0531-12345678")
    await page.get_by_label("所需信息的内容描述").fill("本单位人防工程竣工验收备案材料")
    await page.get_by_label("纸质", exact=True).check()
    await page.get_by_label("邮寄", exact=True).check()
    response = await submit(page, "提交申请")
    assert response.status == 422
    assert "请填写单位名称" in await page.locator("#applicant_organisation-error").inner_text()
    assert "须填写通信地址" in await page.locator("#applicant_address-error").inner_text()
    assert await page.get_by_label("商业企业", exact=True).is_checked()
    assert await page.get_by_label("联系电话").input_value() == "0531-12345678"
    await assert_accessible(page, "disclosure form with rule errors")


# --- tracking ------------------------------------------------------------------------------------


async def test_the_tracking_page_answers_404_for_an_unknown_code(page: Page) -> None:
    form = await page.goto("/track")
    assert form is not None
    assert form.status == 200
    await assert_accessible(page, "tracking form")

    response = await track(page, "AAAA-BBBB-CCCC-DDDD")
    assert response is not None
    assert response.status == 404
    assert "没有找到这个查询码" in await page.get_by_role("alert").inner_text()
    assert await page.get_by_label("查询码").input_value() == "AAAA-BBBB-CCCC-DDDD"
    assert await page.locator("ol.timeline").count() == 0
    await assert_accessible(page, "tracking (404)")


async def test_the_applicant_finds_the_notices_on_the_tracking_page_and_downloads_one(
    page: Page, portal: Portal, producer: RawProducer
) -> None:
    async with httpx.AsyncClient(base_url=portal.url) as client:
        accepted = (
            await client.post(
                "/api/v1/disclosure-requests",
                json={
                    "applicant": {
                        "type": "natural_person",
                        "name": "李四",
                        "id_number": "11010519491231002X",
                        "phone": "13912345678",
                    },
                    "description": "2025年本市防空地下室易地建设费收缴情况",
                    "delivery_form": "electronic",
                    "delivery_method": "online",
                },
            )
        ).json()
    code, case_id = accepted["tracking_code"], uuid.UUID(accepted["case_id"])
    notice = NoticeIssued(
        case_id=case_id,
        notice_id=uuid.uuid4(),
        kind=NoticeKind.RECEIPT,
        year=today().year,
        sequence=41,
        number=f"国动办依申告〔{today().year}〕第41号",
        issued_on=today(),
        receipt_date=today(),
        office="某市国防动员办公室",
        reconsideration_body="某市人民政府",
        court="某市中级人民法院",
        reconsideration_days=60,
        litigation_months=6,
    )
    await producer.send_payloads(portal.topics.case_events, [notice], source="/routing")
    await wait_for_page(portal, f"/api/v1/cases/{code}/notices/{notice.notice_id}.html", 200)

    await track(page, code)
    section = page.get_by_role("region", name="告知书")
    link = section.get_by_role("link", name="政府信息公开申请登记回执（PDF）")
    assert "第41号" in await section.inner_text()
    await assert_accessible(page, "tracking (with a notice)")
    async with page.expect_download() as downloading:
        await link.click()
    download = await downloading.value
    path = await download.path()
    assert path is not None
    assert (await asyncio.to_thread(Path(path).read_bytes)).startswith(b"%PDF-")
