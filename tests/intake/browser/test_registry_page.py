"""The registry (来件登记) in headless Chromium, checked with axe-core: a clerk registers a disclosure
request that came by post — without how it came, or with a date in the future, the page says so next
to the field — and a letter; each receipt shows the tracking code, and the case's receipt date is the
one the clerk entered (OGI Art. 31). An admin's erasure page refuses an unknown case."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from deploy.kafka.local import create_topics
from services.intake.app import create_app
from services.intake.config import IntakeSettings
from shared.auth import SESSION_COOKIE
from shared.codes import Role
from shared.dates import cn_date, today
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, posted, served
from tests.support.services import settings_for
from tests.support.staff import session_cookie

pytestmark = [pytest.mark.kafka, pytest.mark.browser]


async def test_a_clerk_registers_what_came_by_post(kafka_bootstrap: str, tmp_path: Path) -> None:
    topics = Topics(f"reg{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    settings = settings_for(
        IntakeSettings, kafka_bootstrap, topics, f"sqlite+aiosqlite:///{tmp_path}/intake.db"
    )
    signed = today() - timedelta(days=3)
    async with served(create_app(settings), "intake") as url, chromium() as browser:
        context = await browser.new_context(base_url=url, locale="zh-CN")
        clerk = session_cookie(Role.STAFF, department="general-office", sub="qian-clerk", name="钱登记")
        await context.add_cookies(
            [{"name": SESSION_COOKIE, "value": clerk, "url": f"{url}/workbench", "sameSite": "Lax"}]
        )
        page = await context.new_page()

        await page.goto("/workbench/registry")
        await assert_accessible(page, "registry")
        await page.get_by_role("link", name="登记政府信息公开申请").click()
        await page.wait_for_load_state()
        await assert_accessible(page, "registry: disclosure request")
        await page.get_by_label("申请人类型").select_option(label="商业企业")
        await page.get_by_label("单位名称").fill("济南某建设有限公司")
        await page.get_by_label("联系电话").fill("0531-86123456")
        await page.get_by_label("通信地址").fill("历下区某路1号")
        await page.get_by_label("所需信息的内容描述").fill("某小区防空地下室竣工验收备案信息")
        await page.get_by_label("信息的提供形式").select_option(label="纸质")
        await page.get_by_label("信息的获取方式").select_option(label="邮寄")
        await page.get_by_label("收件日期").fill((today() + timedelta(days=2)).isoformat())
        assert await posted(page, "登记") == 422
        assert "请选择来件方式" in await page.locator("#registry-received_via-error").inner_text()
        assert await page.get_by_label("单位名称").input_value() == "济南某建设有限公司", (
            "what was typed is kept"
        )
        await assert_accessible(page, "registry: refused")
        await page.get_by_label("来件方式").select_option(label="邮寄（签收）")
        assert await posted(page, "登记") == 422
        assert "收件日期不能晚于今天" in await page.locator("#registry-received_at-error").inner_text()
        await page.get_by_label("收件日期").fill(signed.isoformat())
        assert await posted(page, "登记") == 201
        code = await page.locator(".tracking-code").inner_text()
        receipt = await page.locator(".summary-list").inner_text()
        assert cn_date(signed) in receipt, "the receipt date is the day the post was signed for (OGI Art. 31)"
        await assert_accessible(page, "registry: receipt")

        await page.goto("/workbench/registry/mailbox")
        await page.get_by_label("来件方式").select_option(label="当面提交")
        await page.get_by_label("收件日期").fill(today().isoformat())
        await page.get_by_label("信箱和类别").select_option(index=1)
        await page.get_by_label("标题").fill("小区人防工程能否停车")
        await page.get_by_label("内容").fill("请问小区地下人防工程平时可以作为停车场吗？")
        await page.get_by_label("姓名").fill("张三丰")
        assert await posted(page, "登记") == 201
        letter_code = await page.locator(".tracking-code").inner_text()

        async with httpx.AsyncClient(base_url=url) as client:
            for tracking_code in (code, letter_code):
                case = await client.get(f"/api/v1/cases/{tracking_code}")
                assert case.status_code == 200, "the citizen follows it with the code on the receipt"
                assert case.json()["status"] == "received"

        handler = await browser.new_context(base_url=url)
        other = session_cookie(Role.HANDLER, department="engineering")
        await handler.add_cookies(
            [{"name": SESSION_COOKIE, "value": other, "url": f"{url}/workbench", "sameSite": "Lax"}]
        )
        refused = await (await handler.new_page()).goto("/workbench/registry/disclosure")
        assert refused is not None
        assert refused.status == 403, "registering is the registry's"
        await handler.close()

        admin = await browser.new_context(base_url=url, locale="zh-CN")
        cookie = session_cookie(Role.ADMIN, department="general-office")
        await admin.add_cookies(
            [{"name": SESSION_COOKIE, "value": cookie, "url": f"{url}/workbench", "sameSite": "Lax"}]
        )
        page = await admin.new_page()
        await page.goto("/workbench/erasures")
        await assert_accessible(page, "erasures")
        await page.get_by_label("事项编号").fill(str(uuid.uuid4()))
        await page.get_by_label("删除理由").fill("当事人申请删除")
        assert await posted(page, "删除个人信息") == 404
        assert "没有这个事项" in await page.get_by_role("alert").inner_text()
        await admin.close()
        await context.close()
