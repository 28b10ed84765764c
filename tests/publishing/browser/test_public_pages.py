"""The public pages (政务公开) in headless Chromium, each checked with axe-core.

One publishing service, served by uvicorn as ``make run`` serves it, on its own topics and a SQLite file,
is filled once for the module through its real inputs: events on the broker (letters, replies, comments,
decisions, disclosure requests, ratings) and its admin and reviewer API (a consultation, the adoption
report, 三审 approvals, an appeal). The tests then read it the way a citizen does.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Response, expect

from deploy.kafka.local import create_topics
from services.publishing.app import create_app
from services.publishing.config import PublishingSettings
from shared.codes import Adoption, ApplicantType, Outcome, Rating
from shared.dates import today
from shared.events import CaseRated, Contact, EventPayload
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, served
from tests.support.events import (
    ENGINEERING,
    OPEN_GOVERNMENT,
    assigned,
    comment,
    decided,
    disclosure_request,
    handled,
    letter,
    replied,
)
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.publishing import ADMIN, open_consultation, publish_adoption_report, publish_replies
from tests.support.services import settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.browser]

MONDAY = date(2025, 3, 3)
LETTERS = 21  # one more than a page
PARKING = "人防工程车位出租"
CONSULTATION = "人防工程平时使用管理办法（征求意见稿）"
STILL_OPEN = "防空警报设施维护规定（征求意见稿）"
PUBLIC_CACHE = "public, max-age=300"


@dataclass(frozen=True)
class Site:
    url: str
    consultation_id: str
    open_consultation_id: str


WRITER = Contact(name="周晓明", phone="13712345678")
APPLICANT = Contact(name="孙立新", phone="13512345678")
DUE = date(2025, 3, 10)  # the reply deadline of a letter received on MONDAY: 5 working days
SUMMARY = "规范人防工程平时使用，征求社会各界意见。"
DRAFT_TEXT = "第一条　为规范人防工程平时使用，制定本办法。"


async def seed_replies(client: httpx.AsyncClient, producer: RawProducer, topics: Topics) -> None:
    """21 published replies; the first published (so the last listed) is the one about parking."""
    parking = letter(PARKING, "我是周晓明，小区人防工程的车位能否出租？", on=MONDAY, contact=WRITER)
    others = [
        letter(f"防空警报试鸣时间咨询（{n}）", "今年防空警报什么时候试鸣？", on=MONDAY, contact=WRITER)
        for n in range(2, LETTERS + 1)
    ]
    events: list[EventPayload] = [
        parking,
        *handled(parking, "周晓明您好：人防工程车位可依法出租。", due_on=DUE, on=date(2025, 3, 6)),
        CaseRated(case_id=parking.case_id, rating=Rating.SATISFIED),
    ]
    for n, case in enumerate(others):
        late = n == 0
        replied_on = date(2025, 3, 14) if late else date(2025, 3, 6)  # 9 working days, else 3
        events += [case, *handled(case, "每年9月第三个星期六试鸣。", due_on=DUE, on=replied_on)]
        if late:
            events.append(CaseRated(case_id=case.case_id, rating=Rating.UNSATISFIED, comment="太慢"))
    await publish_replies(client, producer, topics, events)


async def seed_consultations(client: httpx.AsyncClient, producer: RawProducer, topics: Topics) -> str:
    consultation_id = await open_consultation(
        client, title=CONSULTATION, summary=SUMMARY, draft_text=DRAFT_TEXT
    )
    comments = [
        comment(
            consultation_id, "建议明确车位收费标准，我的电话13812345678。", contact=Contact(name="王建国")
        ),
        comment(consultation_id, "第五条应增加维护责任。"),
        comment(consultation_id, "建议取消收费。", contact=Contact(name="李娜")),
    ]
    decisions = [
        decided(comments[0], Adoption.ADOPTED, None),
        decided(comments[1], Adoption.PARTIALLY_ADOPTED, "已部分吸收"),
        decided(comments[2], Adoption.NOT_ADOPTED, "收费依据上位法规定"),
    ]
    await publish_adoption_report(
        client,
        producer,
        topics,
        consultation_id,
        comments,
        decisions,
        what="the three decisions to arrive and the report to compile",
    )
    return consultation_id


async def seed_disclosure(client: httpx.AsyncClient, producer: RawProducer, topics: Topics) -> None:
    disclosed = disclosure_request(ApplicantType.NATURAL_PERSON, on=MONDAY, contact=APPLICANT)
    carried_over = disclosure_request(ApplicantType.BUSINESS, on=date(2024, 12, 30), contact=APPLICANT)
    carried_forward = disclosure_request(
        ApplicantType.RESEARCH_INSTITUTION, on=date(2025, 12, 29), contact=APPLICANT
    )
    await producer.send_payloads(
        topics.case_events,
        [
            disclosed,
            carried_over,
            carried_forward,
            assigned(carried_forward, OPEN_GOVERNMENT, reason="依申请公开"),
            replied(disclosed, department=OPEN_GOVERNMENT, on=date(2025, 3, 20), outcome=Outcome.DISCLOSED),
            replied(
                carried_over,
                department=OPEN_GOVERNMENT,
                on=date(2025, 1, 10),
                outcome=Outcome.WITHHELD_STATE_SECRET,
            ),
        ],
    )
    appeal = {
        "kind": "litigation_direct",
        "filed_on": "2025-05-01",
        "result": "corrected",
        "decided_on": "2025-08-01",
    }
    response = await client.post("/api/v1/reports/appeals", json=appeal, headers=ADMIN)
    assert response.status_code == 201, response.text

    async def counted() -> bool:
        report = (await client.get("/api/v1/reports/disclosure/2025")).json()
        rows = {row["row"]: row["counts"]["total"] for row in report["table_three"]}
        stats = (await client.get("/api/v1/stats", params={"from": "2025-01-01", "to": "2025-12-31"})).json()
        return (rows["new"], rows["carried_over"], rows["total"]) == (2, 1, 2) and stats["total"][
            "rated"
        ] == 2

    await eventually(counted, "the disclosure requests, their outcomes and the ratings to be counted")


@pytest_asyncio.fixture(scope="module")
async def site(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    topics = Topics(f"pub{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    database = tmp_path_factory.mktemp("public-pages") / "publishing.db"
    settings = settings_for(PublishingSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{database}")
    producer = await RawProducer(kafka_bootstrap).start()
    try:
        async with (
            served(create_app(settings), "publishing") as url,
            httpx.AsyncClient(base_url=url, timeout=20) as client,
        ):
            await seed_replies(client, producer, topics)
            consultation_id = await seed_consultations(client, producer, topics)
            still_open = await open_consultation(
                client, title=STILL_OPEN, summary=SUMMARY, draft_text=DRAFT_TEXT
            )
            await seed_disclosure(client, producer, topics)
            yield Site(url=url, consultation_id=consultation_id, open_consultation_id=still_open)
    finally:
        await producer.stop()


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


@pytest_asyncio.fixture
async def page(browser: Browser, site: Site) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=site.url, locale="zh-CN")
    yield await context.new_page()
    await context.close()


async def visit(page: Page, path: str, status: int = 200) -> Response:
    response = await page.goto(path)
    assert response is not None
    assert response.status == status, f"{path}: {response.status}"
    assert response.headers["cache-control"] == (PUBLIC_CACHE if status == 200 else "no-store")
    return response


async def cells_of(page: Page, row_header: str, table: str | None = None) -> list[str]:
    """The data cells of the row headed ``row_header`` (in the table with that caption)."""
    scope = page.get_by_role("table", name=table) if table else page
    row = scope.get_by_role("row").filter(has=page.get_by_role("rowheader", name=row_header, exact=True))
    await expect(row).to_have_count(1)
    return [text.strip() for text in await row.get_by_role("cell").all_inner_texts()]


async def download(site: Site, href: str | None) -> httpx.Response:
    assert href is not None
    async with httpx.AsyncClient(base_url=site.url) as client:
        response = await client.get(href)
    assert response.status_code == 200, response.text
    return response


async def test_the_home_page_leads_to_every_public_page_and_the_feeds(page: Page, site: Site) -> None:
    await visit(page, "/open/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("政务公开")
    main = page.get_by_role("main")
    for name, href in [
        ("信箱答复选登", "/open/replies"),
        ("意见征集", "/open/consultations"),
        ("办理情况统计", "/open/stats"),
        (f"{today().year - 1}年度", f"/open/reports/disclosure/{today().year - 1}"),
        ("信箱答复选登（Atom 订阅）", "/open/feeds/replies.atom"),
        ("意见采纳情况（Atom 订阅）", "/open/feeds/adoption-reports.atom"),
    ]:
        await expect(main.get_by_role("link", name=name, exact=True)).to_have_attribute("href", href)
    feed = await download(site, "/open/feeds/replies.atom")
    assert PARKING in feed.text
    await assert_accessible(page, "home")

    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    await expect(skip).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()


async def test_replies_are_paged_searched_and_read_one_by_one(page: Page, site: Site) -> None:
    await visit(page, "/open/replies")
    await expect(page.locator("#result-count")).to_contain_text(f"共 {LETTERS} 条答复，第 1 页，共 2 页")
    items = page.locator("ol.reply-list > li")
    await expect(items).to_have_count(20)
    await expect(page.get_by_role("link", name="上一页")).to_have_count(0)
    await assert_accessible(page, "replies, page 1")

    await page.get_by_role("link", name="下一页").click()
    await page.wait_for_url("**/replies?page=2")
    await expect(items).to_have_count(1)
    await expect(items.get_by_role("link")).to_have_text(PARKING)
    await expect(page.get_by_role("link", name="下一页")).to_have_count(0)
    await expect(page.get_by_role("link", name="上一页")).to_have_attribute("href", "/open/replies?page=1")
    await visit(page, "/open/replies?page=3", 404)
    await expect(page.get_by_role("heading", level=1)).to_have_text("没有这一页")

    await visit(page, "/open/replies")
    await page.get_by_label("搜索答复").fill("车位 出租")
    await page.get_by_role("button", name="搜索").click()
    await page.wait_for_url("**/replies?q=*")
    await expect(page.locator("#result-count")).to_contain_text("搜索“车位 出租”，找到 1 条答复")
    await expect(items).to_have_count(1)
    await expect(page.get_by_label("搜索答复")).to_have_value("车位 出租")
    await assert_accessible(page, "replies, search results")

    await page.get_by_role("link", name=PARKING).click()
    await page.wait_for_url("**/replies/*")
    await expect(page.get_by_role("heading", level=1)).to_have_text(PARKING)
    letter_text = page.get_by_role("region", name="来信内容")
    await expect(letter_text).to_contain_text("我是周*明，小区人防工程的车位能否出租？")
    await expect(page.get_by_role("region", name="答复内容")).to_contain_text(
        "周*明您好：人防工程车位可依法出租。"
    )
    details = page.locator("dl.summary-list")
    for term, value in [
        ("承办单位", ENGINEERING[1]),
        ("来信日期", "2025年3月3日"),
        ("答复日期", "2025年3月6日"),
    ]:
        await expect(details.locator("div").filter(has_text=term)).to_contain_text(value)
    await expect(page.get_by_text("为保护个人信息，本文已隐去：姓名")).to_be_visible()
    assert "周晓明" not in await page.content()
    await assert_accessible(page, "one reply")

    await visit(page, "/open/replies?q=周晓明")
    await expect(page.locator("#result-count")).to_contain_text("找到 0 条答复")
    await expect(page.get_by_text("没有找到包含“周晓明”的答复")).to_be_visible()

    await visit(page, "/open/replies?q=" + "长" * 101, 422)
    await expect(page.get_by_label("搜索答复")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#q-error")).to_contain_text("搜索词不能超过 100 个字")
    await assert_accessible(page, "replies, search term too long")

    await visit(page, f"/open/replies/{uuid.uuid4()}", 404)
    await expect(page.get_by_role("heading", level=1)).to_have_text("没有找到这条答复")
    await visit(page, "/open/replies/not-an-id", 404)
    await assert_accessible(page, "reply not found")


async def test_the_adoption_report_lists_each_comment_with_its_decision(page: Page, site: Site) -> None:
    await visit(page, "/open/consultations")
    reported = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=CONSULTATION))
    await expect(reported).to_contain_text("已结束")
    waiting = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=STILL_OPEN))
    await expect(waiting).to_contain_text("正在征求意见")
    await expect(waiting).to_contain_text("征求意见结束后公开")
    await expect(waiting.get_by_role("link")).to_have_count(0)
    await assert_accessible(page, "consultations")

    # The title is in the link's name for screen readers (visually hidden, so read with spaces around).
    await reported.get_by_role(
        "link", name=re.compile(rf"^查看\s*《{re.escape(CONSULTATION)}》\s*意见采纳情况$")
    ).click()
    await page.wait_for_url(f"**/consultations/{site.consultation_id}/adoption-report")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"《{CONSULTATION}》意见采纳情况")
    await expect(page.locator("#adoption-summary")).to_have_text(
        "收到意见3条，采纳1条，部分采纳1条，未采纳1条。"
    )
    table = page.get_by_role("table", name="意见采纳情况表")
    headers = await table.get_by_role("columnheader").all_inner_texts()
    assert headers == ["序号", "反馈人", "意见内容", "是否采纳", "理由"]
    rows: dict[str, list[str]] = {}
    for seq in ("1", "2", "3"):
        cells = await cells_of(page, seq, "意见采纳情况表")
        rows[cells[0]] = cells[1:]
    assert rows["王*国"] == ["涉及条款：第五条\n建议明确车位收费标准，我的电话138****5678。", "采纳", "—"]
    assert rows["匿名"] == ["涉及条款：第五条\n第五条应增加维护责任。", "部分采纳", "已部分吸收"]
    assert rows["李*"] == ["涉及条款：第五条\n建议取消收费。", "未采纳", "收费依据上位法规定"]
    csv_link = page.get_by_role("link", name="下载意见采纳情况表（CSV 格式）")
    csv = await download(site, await csv_link.get_attribute("href"))
    assert csv.headers["content-type"].startswith("text/csv")
    assert "收费依据上位法规定" in csv.text
    assert "王建国" not in await page.content()
    await assert_accessible(page, "adoption report")

    await visit(page, f"/open/consultations/{site.open_consultation_id}/adoption-report", 404)
    await expect(page.get_by_role("heading", level=1)).to_have_text("没有找到意见采纳情况")
    await assert_accessible(page, "adoption report not published")
    await visit(page, f"/open/consultations/{uuid.uuid4()}/adoption-report", 404)


async def test_statistics_per_channel_and_department_for_a_period(page: Page, site: Site) -> None:
    await visit(page, "/open/stats")
    await expect(page.get_by_label("开始日期")).to_have_value(f"{today().year}-01-01")
    await expect(page.get_by_label("结束日期")).to_have_value(str(today()))

    await page.get_by_label("开始日期").fill("2025-01-01")
    await page.get_by_label("结束日期").fill("2025-12-31")
    await page.get_by_role("button", name="统计").click()
    await page.wait_for_url("**/stats?from=2025-01-01&to=2025-12-31")
    await expect(page.locator("#period")).to_contain_text("统计期间：2025年1月1日至2025年12月31日")
    for channel in ("领导信箱", "意见征集", "依申请公开"):
        await expect(page.get_by_role("heading", level=2, name=channel)).to_be_visible()
    # 21 letters: 20 replied in 3 working days, 1 in 9 (late); one satisfied and one unsatisfied rating.
    assert await cells_of(page, ENGINEERING[1], "领导信箱：按承办单位统计") == [
        "21",
        "21",
        "20",
        "95.2%",
        "3.3",
        "2",
        "1",
        "0",
        "1",
        "50.0%",
    ]
    disclosure = await cells_of(page, OPEN_GOVERNMENT[1], "依申请公开：按承办单位统计")
    assert disclosure[:2] == ["2", "1"], "two received in 2025 (one still open), one replied"
    assert disclosure[3] == "—", "no reply deadline was set for them"
    await expect(page.get_by_text("这一期间没有收到意见征集事项。")).to_be_visible()
    assert (await cells_of(page, "全部渠道", "全部渠道合计"))[:2] == ["23", "22"]
    await assert_accessible(page, "statistics for 2025")

    await page.get_by_label("开始日期").fill("2025-12-31")
    await page.get_by_label("结束日期").fill("2025-01-01")
    await page.get_by_role("button", name="统计").click()
    await page.wait_for_load_state()
    await expect(page.get_by_role("alert")).to_contain_text("开始日期不能晚于结束日期")
    await expect(page.get_by_label("开始日期")).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page, "statistics, a period backwards")


async def test_the_annual_report_shows_tables_three_and_four_as_the_template_does(
    page: Page, site: Site
) -> None:
    await visit(page, "/open/reports/disclosure/2025")
    await expect(page.get_by_role("heading", level=1)).to_have_text("2025年度政府信息公开工作年度报告")
    three = "表三　收到和处理政府信息公开申请情况（单位：件）"
    header = await page.get_by_role("table", name=three).locator("thead th").all_inner_texts()
    assert header == [
        "项目",
        "申请人情况",
        "自然人",
        "法人或其他组织",
        "总计",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    # Columns: 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计.
    expected = {
        "一、本年新收政府信息公开申请数量": ["1", "0", "1", "0", "0", "0", "2"],
        "二、上年结转政府信息公开申请数量": ["0", "1", "0", "0", "0", "0", "1"],
        "三、本年度办理结果": ["1", "1", "0", "0", "0", "0", "2"],
        "（一）予以公开": ["1", "0", "0", "0", "0", "0", "1"],
        "（三）不予公开": ["0", "1", "0", "0", "0", "0", "1"],
        "1.属于国家秘密": ["0", "1", "0", "0", "0", "0", "1"],
        "（四）无法提供": ["0"] * 7,
        "（七）总计": ["1", "1", "0", "0", "0", "0", "2"],
        "四、结转下年度继续办理": ["0", "0", "1", "0", "0", "0", "1"],
    }
    for label, counts in expected.items():
        assert await cells_of(page, label, three) == counts, label
    level_two = page.get_by_role("rowheader", name="1.属于国家秘密", exact=True)
    await expect(level_two).to_have_class("report-table__label level-2")
    await expect(level_two).to_have_attribute("headers", "t3-r-outcomes t3-r-withheld")
    await expect(page.get_by_text("数据校验未通过")).to_have_count(0)

    four = page.get_by_role("table", name="表四　政府信息公开行政复议、行政诉讼情况（单位：件）")
    header = await four.locator("thead th").all_inner_texts()
    results = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert header == ["行政复议", "行政诉讼", *results, "未经复议直接起诉", "复议后起诉", *results, *results]
    cells = await four.get_by_role("cell").all_inner_texts()
    assert cells == ["0"] * 5 + ["0", "1", "0", "0", "1"] + ["0"] * 5, "one lawsuit, corrected"
    corrected = four.get_by_role("cell").nth(6)
    await expect(corrected).to_have_attribute(
        "headers", "t4-litigation t4-litigation_direct t4-litigation_direct-corrected"
    )

    for name, table in (("下载表三（CSV 格式）", "3"), ("下载表四（CSV 格式）", "4")):
        link = page.get_by_role("link", name=name)
        response = await download(site, await link.get_attribute("href"))
        assert response.headers["content-type"].startswith("text/csv")
        assert f"table-{table}.csv" in response.headers["content-disposition"]
    await expect(page.get_by_role("link", name="上一年度（2024年）")).to_have_attribute(
        "href", "/open/reports/disclosure/2024"
    )
    await assert_accessible(page, "annual report 2025")

    await visit(page, "/open/reports/disclosure/1999", 404)
    await expect(page.get_by_role("heading", level=1)).to_have_text("没有这一年度的报告")
    await visit(page, "/open/reports/disclosure/twenty", 404)
    await assert_accessible(page, "annual report, no such year")
