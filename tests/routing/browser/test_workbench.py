"""The handler's workbench in a real browser.

Debian's headless Chromium, driven by Playwright, works a case the way a handler does — routing served
by uvicorn on a free port in a background thread, on the session's Kafka broker and a SQLite file:
sign in with a pasted token, find the case in the inbox, accept it, reply. axe-core checks every page
and fails the test on a serious or critical violation. Playwright never downloads a browser here.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Response

from deploy.kafka.local import create_topics
from services.routing.app import create_app
from services.routing.config import RoutingSettings
from shared.auth import SESSION_COOKIE, mint_token
from shared.codes import ApplicantType, Channel, ClockKind, DeliveryForm, DeliveryMethod, Role
from shared.dates import today
from shared.events import (
    CommentContent,
    Contact,
    DeadlineSet,
    DeadlineWarning,
    DisclosureContent,
    MailboxContent,
    SubmissionReceived,
)
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, served
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.services import JWT_SECRET, settings_for
from tests.support.staff import sign_in_with_token

pytestmark = [pytest.mark.kafka, pytest.mark.browser]


@dataclass(frozen=True)
class Workbench:
    url: str
    topics: Topics


@pytest_asyncio.fixture(scope="module")
async def workbench(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Workbench]:
    """Routing served by uvicorn on a free port, as ``make run`` serves it, with its own topics."""
    topics = Topics(f"wb{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    database = tmp_path_factory.mktemp("workbench") / "routing.db"
    settings = settings_for(RoutingSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{database}")
    async with served(create_app(settings), "routing") as url:
        yield Workbench(url, topics)


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


@pytest_asyncio.fixture
async def page(browser: Browser, workbench: Workbench) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=workbench.url, locale="zh-CN")
    yield await context.new_page()
    await context.close()


# --- helpers ------------------------------------------------------------------------------------


async def submit(page: Page, button: str) -> Response:
    """Click the form's submit button and return the response to the POST (after its redirect)."""
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.get_by_role("button", name=button, exact=True).click()
    response = await posted.value
    await page.wait_for_load_state()
    return response


def token(department: str, *roles: Role) -> str:
    return mint_token(
        JWT_SECRET, sub=f"{department}-handler", name="王办理", roles=roles, department=department
    )


def letter(subject: str) -> SubmissionReceived:
    """A letter to the civil air defence mailbox, which the seed routes to engineering."""
    return SubmissionReceived(
        case_id=uuid.uuid4(),
        channel=Channel.MAILBOX,
        received_at=datetime.now(UTC),
        receipt_date=today(),
        contact=Contact(name="张三", phone="13800138000"),
        mailbox=MailboxContent(
            mailbox="civil-air-defence", category="咨询", subject=subject, body="小区人防工程出入口被占用。"
        ),
    )


def disclosure(description: str) -> SubmissionReceived:
    """A disclosure request, which the seed routes to open-government."""
    return SubmissionReceived(
        case_id=uuid.uuid4(),
        channel=Channel.DISCLOSURE_REQUEST,
        received_at=datetime.now(UTC),
        receipt_date=today(),
        contact=Contact(name="李四", email="lisi@example.com"),
        disclosure=DisclosureContent(
            applicant_type=ApplicantType.NATURAL_PERSON,
            description=description,
            delivery_form=DeliveryForm.ELECTRONIC,
            delivery_method=DeliveryMethod.ONLINE,
        ),
    )


async def log_in(page: Page, department: str, *roles: Role) -> None:
    """Sign in with a pasted token: the development sign-in (password sign-in: test_sign_in.py)."""
    await page.goto("/workbench/login")
    await page.get_by_label("访问令牌").fill(token(department, *(roles or (Role.HANDLER,))))
    response = await submit(page, "用令牌登录")
    assert response.status == 303
    assert page.url.endswith("/workbench")


async def open_from_inbox(page: Page, subject: str) -> None:
    """Reload the inbox until the case has arrived through Kafka, then follow its link."""

    async def listed() -> bool:
        await page.goto("/workbench")
        return await page.get_by_role("link", name=subject).count() == 1

    await eventually(listed, f"“{subject}” in the inbox")
    await page.get_by_role("link", name=subject).click()
    await page.wait_for_load_state()


# --- tests --------------------------------------------------------------------------------------


async def test_without_a_token_the_workbench_sends_you_to_log_in(page: Page) -> None:
    response = await page.goto("/workbench")
    assert response is not None
    assert page.url.endswith("/workbench/login?next=/workbench")
    await assert_accessible(page, "login")

    # Keyboard only: the skip link comes first, then the form.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    await page.keyboard.press("Tab")  # the site's name
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "login-login", "then the sign-in name"
    await page.get_by_label("访问令牌").fill("not-a-token")
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")
    response = await posted.value
    await page.wait_for_load_state()
    assert response.status == 422
    assert "令牌无效或已过期" in await page.locator(".field-error").inner_text()
    assert await page.get_by_label("访问令牌").get_attribute("aria-invalid") == "true"
    await assert_accessible(page, "login refused")


async def test_a_handler_accepts_and_replies_to_a_letter(
    page: Page, producer: RawProducer, workbench: Workbench
) -> None:
    subject = f"人防工程出入口被占用 {uuid.uuid4().hex[:6]}"
    await producer.send_payloads(workbench.topics.case_events, [letter(subject)])
    await log_in(page, "engineering")

    await open_from_inbox(page, subject)
    await page.goto("/workbench")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=subject))
    assert "领导信箱" in await row.inner_text()
    assert "待签收" in await row.inner_text()
    await assert_accessible(page, "inbox")

    await page.get_by_role("combobox", name="渠道").select_option("disclosure_request")
    await page.get_by_role("button", name="筛选").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("link", name=subject).count() == 0
    await page.get_by_role("combobox", name="渠道").select_option("mailbox")
    await page.get_by_role("button", name="筛选").click()
    await page.wait_for_load_state()

    await page.get_by_role("link", name=subject).click()
    await page.wait_for_load_state()
    assert await page.locator("#case-state").inner_text() == "待签收"
    assert "小区人防工程出入口被占用" in await page.locator("#submission-body").inner_text()
    assert "13800138000" in await page.get_by_role("region", name="来件内容").inner_text()
    await assert_accessible(page, "case page")

    response = await submit(page, "签收")
    assert response.status == 303
    assert await page.locator("#flash").inner_text() == "已签收，案件进入办理。"
    assert await page.locator("#case-state").inner_text() == "办理中"
    assert await page.get_by_role("button", name="签收", exact=True).count() == 0

    await page.get_by_label("答复内容").fill("经核查，已通知物业清理出入口。")
    response = await submit(page, "答复")
    assert response.status == 303
    assert await page.locator("#case-state").inner_text() == "已答复"
    assert await page.get_by_role("button", name="办结").count() == 1
    await assert_accessible(page, "case page, replied")

    await page.goto("/workbench?state=replied")
    assert await page.get_by_role("link", name=subject).count() == 1


async def test_a_refused_action_says_why(page: Page, producer: RawProducer, workbench: Workbench) -> None:
    subject = f"人防车位租赁咨询 {uuid.uuid4().hex[:6]}"
    await producer.send_payloads(workbench.topics.case_events, [letter(subject)])
    await log_in(page, "engineering")
    await open_from_inbox(page, subject)
    case_url = page.url

    # Extending a letter needs the department head: the case page comes back with the reason.
    await page.get_by_label("延长的工作日数").fill("5")
    await page.get_by_label("延期理由").fill("需现场核查")
    response = await submit(page, "延期")
    assert response.status == 403
    assert "没有这项操作的权限" in await page.get_by_role("alert").inner_text()
    await assert_accessible(page, "case page, action refused")

    # The form is still on the page when another department's handler, signed in meanwhile in
    # another tab of the same browser, posts it: the 403 page.
    await page.goto(case_url)
    other = await page.context.new_page()
    await log_in(other, "open-government")
    await other.close()
    response = await submit(page, "签收")
    assert response.status == 403
    assert await page.get_by_role("heading", level=1).inner_text() == "无权办理"
    await assert_accessible(page, "error page")

    opened = await page.goto(case_url)
    assert opened is not None
    assert opened.status == 403
    assert await page.get_by_role("heading", level=1).inner_text() == "无权办理"


async def test_a_form_without_its_csrf_token_is_refused(workbench: Workbench) -> None:
    url = f"/workbench/cases/{uuid.uuid4()}/accept"
    async with httpx.AsyncClient(base_url=workbench.url) as client:
        signed_out = await client.post(url, data={})
        assert signed_out.status_code == 303
        assert signed_out.headers["location"] == "/workbench/login?next=/workbench"

        await sign_in_with_token(client, token("engineering", Role.HANDLER))
        client.cookies.delete("civic_csrf")
        missing = await client.post(url, data={})
        client.cookies.set("civic_csrf", "a" * 43, path="/workbench")
        wrong = await client.post(url, data={"csrf_token": "令牌"})
    for response in (missing, wrong):
        assert response.status_code == 403
        assert "表单已过期" in response.text


async def test_a_disclosure_reply_states_its_outcome_and_a_stale_form_gets_409(
    page: Page, producer: RawProducer, workbench: Workbench
) -> None:
    description = f"人防工程易地建设费收缴情况 {uuid.uuid4().hex[:6]}"
    await producer.send_payloads(workbench.topics.case_events, [disclosure(description)])
    await log_in(page, "open-government")
    await open_from_inbox(page, description)
    assert await page.get_by_role("button", name="发出补正通知").count() == 1
    assert await page.get_by_role("button", name="征求意见").count() == 1

    # A second tab still shows 签收 after the first one accepted: the case's state refuses it.
    stale = await page.context.new_page()
    await stale.goto(page.url)
    await submit(page, "签收")
    response = await submit(stale, "签收")
    assert response.status == 409
    assert "状态不允许" in await stale.get_by_role("alert").inner_text()
    await assert_accessible(stale, "case page, 409")
    await stale.close()

    await page.get_by_label("答复结果").select_option(label="不予公开：属于国家秘密")
    await page.get_by_label("答复内容").fill("经审查，所申请信息不予公开。")
    response = await submit(page, "答复")
    assert response.status == 422
    reason = page.get_by_label("理由和依据")
    assert await reason.get_attribute("aria-invalid") == "true"
    assert "须写明理由和法律依据" in await page.locator("#reply-reason-error").inner_text()
    assert await page.get_by_label("答复内容").input_value() == "经审查，所申请信息不予公开。"
    await assert_accessible(page, "case page, 422")

    await reason.fill("依据《中华人民共和国政府信息公开条例》第十四条。")
    response = await submit(page, "答复")
    assert response.status == 303
    assert await page.locator("#case-state").inner_text() == "已答复"


async def test_the_receipt_notice_is_opened_as_pdf_and_its_delivery_by_post_recorded(
    page: Page, producer: RawProducer, workbench: Workbench
) -> None:
    description = f"人防工程竣工验收备案信息 {uuid.uuid4().hex[:6]}"
    await producer.send_payloads(workbench.topics.case_events, [disclosure(description)])
    await log_in(page, "open-government")
    await open_from_inbox(page, description)
    notices = page.get_by_role("region", name="告知书")
    link = notices.get_by_role("link", name="政府信息公开申请登记回执（PDF）")
    assert "尚未送达" in await notices.inner_text()
    await assert_accessible(page, "case page with its notices")

    document = await page.request.get(await link.get_attribute("href") or "")
    assert document.headers["content-type"] == "application/pdf"
    assert (await document.body()).startswith(b"%PDF-")

    await notices.get_by_label("送达方式").select_option(label="邮寄送达")
    await notices.get_by_label("送达日期").fill(today().isoformat())
    await notices.get_by_label("备注（如挂号信编号）").fill("XA123456789CN")
    response = await submit(page, "登记送达")
    assert response.status == 303
    assert "已登记告知书的送达" in await page.get_by_role("status").inner_text()

    async def delivered() -> bool:
        await page.reload()
        return "送达：邮寄送达" in await page.get_by_role("region", name="告知书").inner_text()

    await eventually(delivered, "the delivery on the notice")
    await assert_accessible(page, "case page with a delivered notice")


async def test_the_inbox_puts_the_soonest_due_first_and_marks_overdue_and_due_soon(
    page: Page, producer: RawProducer, workbench: Workbench
) -> None:
    tag = uuid.uuid4().hex[:6]
    later, overdue, soon = letter(f"稍后到期 {tag}"), letter(f"已经逾期 {tag}"), letter(f"即将到期 {tag}")
    day = today()
    dues = {
        later: (day + timedelta(days=10), False),
        overdue: (day - timedelta(days=1), False),
        soon: (day + timedelta(days=1), True),
    }
    await producer.send_payloads(workbench.topics.case_events, [later, overdue, soon])
    await producer.send_payloads(
        workbench.topics.case_events,
        [
            DeadlineSet(
                case_id=submission.case_id,
                clock=ClockKind.REPLY,
                due_date=due,
                provisional=provisional,
                cause="case.assigned",
                note="自转办之日起5个工作日",
            )
            for submission, (due, provisional) in dues.items()
        ],
    )
    await log_in(page, "engineering")

    async def dated() -> list[str] | None:
        await page.goto("/workbench")
        rows = [text for text in await page.get_by_role("row").all_inner_texts() if tag in text]
        return rows if len(rows) == 3 and all("尚未确定" not in row for row in rows) else None

    rows = await eventually(dated, "the three letters in the inbox with their due dates")
    assert [f"已经逾期 {tag}" in rows[0], f"即将到期 {tag}" in rows[1], f"稍后到期 {tag}" in rows[2]] == [
        True
    ] * 3
    assert "已逾期" in rows[0]
    assert "即将到期" in rows[1]
    assert "（暂定）" in rows[1]
    assert "已逾期" not in rows[2]
    assert "即将到期" not in rows[2].replace(f"即将到期 {tag}", "")
    await assert_accessible(page, "inbox with markers")

    await page.get_by_role("combobox", name="状态").select_option("accepted")
    await page.get_by_role("button", name="筛选").click()
    await page.wait_for_load_state()
    assert "state=accepted" in page.url
    assert await page.get_by_role("link", name=f"已经逾期 {tag}").count() == 0


async def test_logging_out_clears_the_token(page: Page) -> None:
    await log_in(page, "engineering")
    cookie = next(c for c in await page.context.cookies() if c["name"] == SESSION_COOKIE)
    await page.get_by_role("button", name="退出").click()
    await page.wait_for_load_state()
    assert page.url.endswith("/workbench/login?done=logout")
    assert "您已退出登录" in await page.get_by_role("status").inner_text()
    await page.goto("/workbench")
    assert page.url.endswith("/workbench/login?next=/workbench")
    # The session ended where it was issued: its cookie, kept by someone, no longer signs in.
    await page.context.add_cookies(
        [{"name": SESSION_COOKIE, "value": cookie["value"], "url": page.url, "sameSite": "Lax"}]
    )
    await page.goto("/workbench")
    assert page.url.endswith("/workbench/login?next=/workbench")


async def test_a_comment_reply_states_its_adoption(
    page: Page, producer: RawProducer, workbench: Workbench
) -> None:
    body = f"建议第三条增加过渡期 {uuid.uuid4().hex[:6]}"
    comment = SubmissionReceived(
        case_id=uuid.uuid4(),
        channel=Channel.CONSULTATION_COMMENT,
        received_at=datetime.now(UTC),
        receipt_date=today(),
        comment=CommentContent(consultation_id=uuid.uuid4(), body=body, clause="第三条"),
    )
    await producer.send_payloads(workbench.topics.case_events, [comment])
    await log_in(page, "policy")
    await open_from_inbox(page, body)
    assert await page.get_by_role("button", name="延期").count() == 0

    await page.get_by_label("采纳情况").select_option(label="部分采纳")
    await page.get_by_label("答复内容").fill("感谢您的意见。")
    response = await submit(page, "答复")
    assert response.status == 422
    assert "未全部采纳的，须说明理由" in await page.locator("#reply-reason-error").inner_text()

    await page.get_by_role("textbox", name="理由（选填）", exact=True).fill("过渡期已在第五条规定。")
    response = await submit(page, "答复")
    assert response.status == 303
    assert await page.locator("#case-state").inner_text() == "已答复"


async def test_a_third_party_is_consulted_and_answers(
    page: Page, producer: RawProducer, workbench: Workbench
) -> None:
    description = f"某企业环评报告全文 {uuid.uuid4().hex[:6]}"
    await producer.send_payloads(workbench.topics.case_events, [disclosure(description)])
    await log_in(page, "open-government")
    await open_from_inbox(page, description)

    await page.get_by_label("第三方", exact=True).fill("某化工有限公司")
    response = await submit(page, "征求意见")
    assert response.status == 303
    assert await page.locator("#case-state").inner_text() == "征求第三方意见"

    await page.get_by_label("第三方意见").fill("同意公开，但需隐去配方。")
    response = await submit(page, "记录第三方意见")
    assert response.status == 303
    assert await page.locator("#flash").inner_text() == "已记录第三方的意见，案件回到办理中。"
    assert await page.locator("#case-state").inner_text() == "办理中"


async def test_several_third_parties_are_consulted_and_each_answer_is_recorded(
    page: Page, producer: RawProducer, workbench: Workbench
) -> None:
    """Issue 15 (OGI Art. 32): another party while one is waited for; the one that answered chosen."""
    description = f"某工程竣工验收资料 {uuid.uuid4().hex[:6]}"
    await producer.send_payloads(workbench.topics.case_events, [disclosure(description)])
    await log_in(page, "open-government")
    await open_from_inbox(page, description)
    await page.get_by_label("第三方", exact=True).fill("某建设公司")
    assert (await submit(page, "征求意见")).status == 303
    await page.get_by_label("第三方", exact=True).fill("某设计院")
    assert (await submit(page, "征求意见")).status == 303
    assert await page.locator("#consult-title").inner_text() == "征求另一第三方的意见"
    await assert_accessible(page, "case page, two third parties waited for")

    await page.get_by_label("回复的第三方").select_option(label="第三方2")
    assert (await submit(page, "记录第三方意见")).status == 303
    assert await page.locator("#flash").inner_text() == "已记录该第三方的意见，仍在等待其他第三方答复。"
    assert await page.locator("#case-state").inner_text() == "征求第三方意见"
    assert await page.get_by_label("回复的第三方").count() == 0, "one party left: nothing to choose"
    assert (await submit(page, "记录第三方意见")).status == 303
    assert await page.locator("#flash").inner_text() == "已记录第三方的意见，案件回到办理中。"
    assert await page.locator("#case-state").inner_text() == "办理中"


async def test_the_inbox_shows_similar_submissions_and_trackings_yellow_card(
    page: Page, producer: RawProducer, workbench: Workbench
) -> None:
    tag = uuid.uuid4().hex[:6]
    first, second = letter(f"防空警报试鸣扰民 {tag}"), letter(f"防空警报试鸣扰民 {tag}")
    due = today() + timedelta(days=1)
    await producer.send_payloads(workbench.topics.case_events, [first, second])
    await producer.send_payloads(
        workbench.topics.case_events,
        [
            DeadlineSet(
                case_id=first.case_id,
                clock=ClockKind.REPLY,
                due_date=due,
                provisional=False,
                cause="case.assigned",
                note="自转办之日起5个工作日",
            ),
            DeadlineWarning(case_id=first.case_id, clock=ClockKind.REPLY, due_date=due),
        ],
    )
    await log_in(page, "engineering")

    async def shown() -> list[str] | None:
        await page.goto("/workbench")
        rows = [text for text in await page.get_by_role("row").all_inner_texts() if tag in text]
        clustered = all("相似诉求" in row for row in rows)  # decided apart from the assignment
        return rows if len(rows) == 2 and clustered and any("黄牌" in row for row in rows) else None

    rows = await eventually(shown, "both letters, as similar submissions, one with a yellow card")
    assert sum("黄牌" in row for row in rows) == 1, rows
    await assert_accessible(page, "inbox with a cluster and a card")

    # The two are answered together: each gets its own reply (and keeps its own clock).
    await page.get_by_role("link", name=f"相似诉求 2 件：防空警报试鸣扰民 {tag}").first.click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "相似诉求（2 件）"
    await assert_accessible(page, "a cluster of similar submissions")
    response = await submit(page, "一并答复")
    assert response.status == 422, "a reply says something"
    await page.get_by_label("答复内容").fill("每年9月第三个星期六试鸣，请谅解。")
    response = await submit(page, "一并答复")
    assert response.status == 200
    assert "已答复 2 件" in await page.get_by_role("status").inner_text()
    assert await page.get_by_text("已答复", exact=True).count() == 2
