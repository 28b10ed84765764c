"""The cases under supervision (督办事项) in headless Chromium, checked with axe-core: a supervisor
sees every department's, unread until the department head reads the notice; a department head sees
their own department's only."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from deploy.kafka.local import create_topics
from services.tracking.app import create_app
from services.tracking.config import TrackingSettings
from shared.codes import Channel, Role
from shared.events import (
    CaseAssigned,
    CaseSupervised,
    CaseSupervisionAcknowledged,
    EventPayload,
    MailboxContent,
    SubmissionReceived,
)
from shared.topics import Topics
from tests.support.browser import assert_accessible, chromium, served, signed_in_as
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.services import settings_for

pytestmark = [pytest.mark.kafka, pytest.mark.browser]


def supervised_letter(department: tuple[str, str], reason: str) -> list[EventPayload]:
    case_id = uuid.uuid4()
    on = date(2026, 11, 2)
    return [
        SubmissionReceived(
            case_id=case_id,
            channel=Channel.MAILBOX,
            received_at=datetime.now(UTC),
            receipt_date=on,
            mailbox=MailboxContent(mailbox="director", category="投诉", subject="s", body="b"),
        ),
        CaseAssigned(
            case_id=case_id,
            channel=Channel.MAILBOX,
            department_id=department[0],
            department_name=department[1],
            reason="r",
            assigned_on=on,
        ),
        CaseSupervised(
            case_id=case_id,
            department_id=department[0],
            department_name=department[1],
            unsatisfied=2,
            reason=reason,
            supervised_on=date(2026, 11, 20),
        ),
    ]


async def test_supervisors_see_every_supervised_case_and_heads_their_own(
    kafka_bootstrap: str, tmp_path: Path, producer: RawProducer
) -> None:
    topics = Topics(f"svc{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    settings = settings_for(
        TrackingSettings,
        kafka_bootstrap,
        topics,
        f"sqlite+aiosqlite:///{tmp_path}/tracking.db",
        alarm_check_seconds=3600,
    )
    engineering = supervised_letter(("engineering", "人防工程管理处"), "市民第2次对答复不满意")
    policy = supervised_letter(("policy", "政策法规处"), "市民第3次对答复不满意")
    read = CaseSupervisionAcknowledged(
        case_id=policy[0].case_id,  # type: ignore[attr-defined]
        department_id="policy",
        unsatisfied=2,
        acknowledged_on=date(2026, 11, 21),
        by="钱七（qian-qi）",
    )
    await producer.send_payloads(topics.case_events, [*engineering, *policy, read])
    async with served(create_app(settings), "tracking") as url, chromium() as browser:
        supervisor = await signed_in_as(browser, url, Role.ADMIN, sub="zhou-jiu", name="周九")
        page = await supervisor.new_page()

        async def both_listed() -> bool:
            await page.goto("/workbench/supervision")
            await page.get_by_role("link", name="督办事项").click()
            await page.wait_for_load_state()
            return "共 2 件" in await page.locator(
                "caption"
            ).inner_text() and "已阅" in await page.inner_text("main")

        await eventually(both_listed, "both supervised cases, one read")
        rows = page.get_by_role("row")
        engineering_row = rows.filter(has=page.get_by_role("rowheader", name="人防工程管理处"))
        assert "市民第2次对答复不满意" in await engineering_row.inner_text()
        assert "未阅" in await engineering_row.inner_text()
        assert "已阅（钱七（qian-qi））" in await rows.filter(has_text="政策法规处").inner_text()
        await assert_accessible(page, "cases under supervision")
        await supervisor.close()

        head = await signed_in_as(browser, url, Role.DEPARTMENT_HEAD, department="engineering", sub="wang-wu")
        page = await head.new_page()
        await page.goto("/workbench/supervision/cases")
        assert "共 1 件" in await page.locator("caption").inner_text()
        assert await page.get_by_role("rowheader", name="政策法规处").count() == 0
        await assert_accessible(page, "a department head's cases under supervision")
        await head.close()
