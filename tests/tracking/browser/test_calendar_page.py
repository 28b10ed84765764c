"""The calendar's year editor (工作日历) in headless Chromium, checked with axe-core: an admin enters next
year's notice — a date outside the year and a weekday as 调休 are refused next to their field, what was
typed is kept — and once stored the year is announced (the API says so) and the list shows it."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import httpx
import pytest

from deploy.kafka.local import create_topics
from services.tracking.app import create_app
from services.tracking.config import TrackingSettings
from shared.auth import SESSION_COOKIE
from shared.codes import Role
from shared.dates import today
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, posted, served
from tests.support.services import settings_for
from tests.support.staff import session_cookie

pytestmark = [pytest.mark.kafka, pytest.mark.browser]


async def test_an_admin_enters_next_years_notice(kafka_bootstrap: str, tmp_path: Path) -> None:
    topics = Topics(f"cal{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    settings = settings_for(
        TrackingSettings,
        kafka_bootstrap,
        topics,
        f"sqlite+aiosqlite:///{tmp_path}/tracking.db",
        alarm_check_seconds=3600,
    )
    year = today().year + 1
    async with served(create_app(settings), "tracking") as url, chromium() as browser:
        context = await browser.new_context(base_url=url, locale="zh-CN")
        cookie = session_cookie(Role.ADMIN, department="general-office", sub="zhou-admin", name="周管理")
        await context.add_cookies(
            [{"name": SESSION_COOKIE, "value": cookie, "url": f"{url}/workbench", "sameSite": "Lax"}]
        )
        page = await context.new_page()

        await page.goto("/workbench/calendar")
        await assert_accessible(page, "calendar years")
        await page.get_by_role("link", name=f"录入 {year} 年的节假日安排").click()
        await page.wait_for_load_state()
        await assert_accessible(page, "calendar year")

        await page.get_by_label("法定节假日").fill(f"{year}-01-01\n{year - 1}-12-31")
        assert await posted(page, f"保存 {year} 年日历") == 422
        assert (
            f"{year - 1}-12-31 不在 {year} 年内"
            in await page.locator("#calendar-holidays-error").inner_text()
        )
        assert f"{year - 1}-12-31" in await page.get_by_label("法定节假日").input_value(), (
            "what was typed is kept"
        )
        await assert_accessible(page, "calendar year, refused")

        monday = next(
            day for day in (date(year, 1, d) for d in range(4, 11)) if day.weekday() == 0
        ).isoformat()
        await page.get_by_label("法定节假日").fill(f"{year}-01-01，{year}-02-06、{year}-02-07")
        await page.get_by_label("调休上班日").fill(monday)
        assert await posted(page, f"保存 {year} 年日历") == 422
        assert "是工作日" in await page.locator("#calendar-extra_workdays-error").inner_text()

        await page.get_by_label("调休上班日").fill("")
        await page.get_by_label("依据").fill("国办发明电〔2026〕X号")
        assert await posted(page, f"保存 {year} 年日历") == 303
        assert "已保存" in await page.get_by_role("status").inner_text()
        row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=str(year), exact=True))
        assert "已公布" in await row.inner_text()
        await context.close()

        async with httpx.AsyncClient(base_url=url) as client:
            stored = (await client.get(f"/api/v1/calendar/{year}")).json()
        assert stored["status"] == "announced"
        assert stored["holidays"] == [f"{year}-01-01", f"{year}-02-06", f"{year}-02-07"]
        assert stored["source"] == "国办发明电〔2026〕X号"
