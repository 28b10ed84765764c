"""The handler's inbox a page at a time, on the real broker and each database: open work by default
(a concluded case only when its state is asked for), soonest due first, the pages numbered from how
many match, and only the cases shown logged as read (个人信息查阅记录)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest
from sqlmodel import col, func, select

from services.routing import handlers
from services.routing.db import PersonalDataAccess
from shared.auth import Principal
from shared.codes import Channel, Role
from shared.dates import today
from shared.events import MailboxContent, SubmissionReceived
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support.kafka import RawProducer, TopicReader
from tests.support.services import bearer

pytestmark = pytest.mark.kafka

HANDLER = Principal(sub="li-si", name="李四", roles=frozenset({Role.HANDLER}), department="engineering")


def letter(subject: str) -> SubmissionReceived:
    return SubmissionReceived(
        case_id=uuid4(),
        channel=Channel.MAILBOX,
        received_at=datetime.now(UTC),
        receipt_date=today(),
        mailbox=MailboxContent(
            mailbox="civil-air-defence", category="咨询", subject=subject, body="人防工程"
        ),
    )


async def test_the_inbox_pages_open_work_and_logs_what_it_shows(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, runtime = routing
    letters = [letter(f"人防工程咨询 {n}") for n in range(5)]
    await producer.send_payloads(topics.case_events, letters)
    for sent in letters:
        await case_events.wait_for_event(str(sent.case_id), "case.assigned")
    closed = letters[0]
    handler = bearer(Role.HANDLER, department="engineering", sub="li-si")
    answered = await client.post(
        f"/api/v1/cases/{closed.case_id}/reply", headers=handler, json={"text": "已答复。"}
    )
    assert answered.status_code == 200, answered.text
    assert (
        await client.post(f"/api/v1/cases/{closed.case_id}/close", headers=handler, json={})
    ).status_code == 200

    first = await handlers.inbox_page(runtime, HANDLER, page=1, size=3)
    second = await handlers.inbox_page(runtime, HANDLER, page=2, size=3)
    assert (first.total, first.pages, len(first.tasks), len(second.tasks)) == (4, 2, 3, 1)
    shown = {task.case_id for task in first.tasks + second.tasks}
    assert shown == {str(sent.case_id) for sent in letters[1:]}, "open work only, each once"
    beyond = await handlers.inbox_page(runtime, HANDLER, page=9, size=3)
    assert beyond.page == 2, "a page past the last shows the last"

    concluded = await handlers.inbox_page(runtime, HANDLER, state="closed", size=3)
    assert [task.case_id for task in concluded.tasks] == [str(closed.case_id)]

    async with runtime.database.session() as session:
        read = (
            await session.exec(
                select(func.count())
                .select_from(PersonalDataAccess)
                .where(col(PersonalDataAccess.actor_id) == "li-si", col(PersonalDataAccess.what) == "inbox")
            )
        ).one()
    assert read == 3 + 1 + 1 + 1, "each page logs the cases it shows, no more"
