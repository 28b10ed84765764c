"""The supervision page (督办统计) in headless Chromium, checked with axe-core."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from deploy.kafka.local import create_topics
from services.tracking.app import create_app
from services.tracking.config import TrackingSettings
from shared.auth import SESSION_COOKIE, mint_token
from shared.codes import Channel, Role
from shared.events import CaseAssigned, MailboxContent, SubmissionReceived
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, served
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.services import JWT_SECRET, settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.browser]


async def test_a_supervisor_filters_the_statistics_by_period_and_channel(
    kafka_bootstrap: str, tmp_path: Path, producer: RawProducer
) -> None:
    topics = Topics(f"sv{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    settings = settings_for(
        TrackingSettings,
        kafka_bootstrap,
        topics,
        f"sqlite+aiosqlite:///{tmp_path}/tracking.db",
        alarm_check_seconds=3600,
    )
    case_id = uuid.uuid4()
    await producer.send_payloads(
        topics.case_events,
        [
            SubmissionReceived(
                case_id=case_id,
                channel=Channel.MAILBOX,
                received_at=datetime.now(UTC),
                receipt_date=date(2025, 6, 3),
                mailbox=MailboxContent(mailbox="director", category="咨询", subject="s", body="b"),
            ),
            CaseAssigned(
                case_id=case_id,
                channel=Channel.MAILBOX,
                department_id="engineering",
                department_name="人防工程管理处",
                reason="r",
                assigned_on=date(2025, 6, 3),
            ),
        ],
    )
    token = mint_token(JWT_SECRET, sub="head", name="李督办", roles=(Role.DISCLOSURE_HEAD,))
    async with served(create_app(settings), "tracking") as url, chromium() as browser:
        context = await browser.new_context(base_url=url, locale="zh-CN")
        page = await context.new_page()

        signed_out = await page.request.get("/workbench/supervision", max_redirects=0)
        assert signed_out.status == 303, "signed out: to routing's sign-in (behind the front door)"

        await context.add_cookies(
            [
                {
                    "name": SESSION_COOKIE,
                    "value": token,
                    "url": f"{url}/workbench",
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )

        async def counted() -> bool:
            await page.goto("/workbench/supervision")
            return await page.get_by_role("rowheader", name="人防工程管理处").count() == 1

        await eventually(counted, "the letter to be counted")
        await page.get_by_label("开始日期").fill("2025-01-01")
        await page.get_by_label("结束日期").fill("2025-12-31")
        await page.get_by_label("渠道").select_option(label="领导信箱")
        await page.get_by_role("button", name="查询").click()
        await page.wait_for_load_state()
        assert "from=2025-01-01" in page.url
        assert "channel=mailbox" in page.url
        table = page.get_by_role("table")
        assert "2025年1月1日至2025年12月31日开始计时的事项" in await table.locator("caption").inner_text()
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="人防工程管理处"))
        cells = await row.get_by_role("cell").all_inner_texts()
        assert cells[:5] == ["领导信箱", "1", "1", "0", "1"], "one open letter, overdue since June 2025"
        await assert_accessible(page, "supervision page with a period")

        await page.get_by_label("渠道").select_option(label="依申请公开")
        await page.get_by_role("button", name="查询").click()
        await page.wait_for_load_state()
        assert await page.get_by_text("这一期间没有事项。").count() == 1

        # How the letter's deadline was counted, from its case page's link.
        await page.goto(f"/workbench/deadlines/{case_id}")
        headings = await page.get_by_role("heading", level=2).all_inner_texts()
        assert any(heading.startswith("答复期限") for heading in headings), headings
        assert await page.get_by_role("table").first.locator("tbody tr").count() >= 1
        await assert_accessible(page, "a case's deadlines")
        missing = await page.goto(f"/workbench/deadlines/{uuid.uuid4()}")
        assert missing is not None
        assert missing.status == 404
        await context.close()
