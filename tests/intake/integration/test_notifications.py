"""Citizens told by email and SMS (告知), against the real broker, each database, a real SMTP server
(aiosmtpd on loopback) and a stand-in for the SMS gateway."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import pytest_asyncio
from sqlmodel import col, select

from deploy.mail_catcher import MailCatcher
from services.intake.app import create_app
from services.intake.config import IntakeSettings, SmsGatewaySettings, SmtpSettings
from services.intake.db import Notification
from services.intake.erasure import erase_on_request
from services.intake.schemas import ErasureCreate
from shared.auth import Principal
from shared.codes import Channel, Role
from shared.dates import today
from shared.events import (
    AdoptionReportPublished,
    CaseAssigned,
    CaseReplied,
    ConsultationOpened,
    EventPayload,
    InterviewScheduled,
    InterviewTranscriptPublished,
    NoticeIssued,
    SupplementRequested,
    new_event,
)
from shared.notices import NoticeKind
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support.kafka import RawProducer
from tests.support.notifications import (
    SMS_TOKEN,
    SmsGateway,
    mail_catcher,
    mails_to,
    sms_gateway,
    wait_for_mail,
)
from tests.support.polling import eventually
from tests.support.services import assert_error, in_process, settings_for

pytestmark = pytest.mark.kafka

__all__ = ["mail_catcher", "sms_gateway"]  # fixtures

OFFICE = "市国防动员办公室"
EMAIL = "zsf@example.com"
MOBILE = "13912345678"
LETTER: dict[str, Any] = {
    "mailbox": "civil-air-defence",
    "category": "咨询",
    "subject": "小区地下人防工程能否停车",
    "body": "请问我们小区的地下人防工程平时可以作为停车场使用吗？",
    "contact": {"name": "张三丰", "email": EMAIL},
    "notify_by": "email",
}
APPLICATION: dict[str, Any] = {
    "applicant": {
        "type": "natural_person",
        "name": "李四",
        "id_number": "11010519491231002X",
        "phone": "139-1234-5678",
    },
    "description": "2025年本市新建防空地下室易地建设费收缴情况",
    "delivery_form": "electronic",
    "delivery_method": "online",
    "notify_by": "sms",
}
ADMIN = Principal(sub="admin-1", name="管理员", roles=frozenset({Role.ADMIN}))

Intake = tuple[httpx.AsyncClient, ServiceRuntime]


@pytest_asyncio.fixture
async def intake(
    kafka_bootstrap: str,
    topics: Topics,
    database_url: str,
    mail_catcher: MailCatcher,
    sms_gateway: SmsGateway,
) -> AsyncIterator[Intake]:
    settings = settings_for(
        IntakeSettings,
        kafka_bootstrap,
        topics,
        database_url,
        smtp=SmtpSettings(
            host="127.0.0.1", port=mail_catcher.port, sender="noreply@civic.example", timeout_seconds=5
        ),
        sms=SmsGatewaySettings(url=sms_gateway.url, token=SMS_TOKEN, timeout_seconds=5),
        office_name=OFFICE,
        portal_url="http://portal.example",
        notify_poll_seconds=0.1,
        notify_backoff_seconds=0.2,
    )
    async with in_process(create_app, settings) as running:
        yield running


async def _submit(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> str:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["case_id"]
    return case_id


def _assigned(case_id: str, channel: Channel = Channel.MAILBOX) -> CaseAssigned:
    return CaseAssigned(
        case_id=UUID(case_id),
        channel=channel,
        department_id="engineering",
        department_name="工程建设科",
        reason="按分办规则",
        assigned_on=today(),
    )


def _replied(case_id: str) -> CaseReplied:
    return CaseReplied(
        case_id=UUID(case_id),
        channel=Channel.MAILBOX,
        department_id="engineering",
        department_name="工程建设科",
        text="张三丰您好：平时可以作为停车场使用。",
        replied_on=today(),
    )


async def _rows(runtime: ServiceRuntime, case_id: str) -> list[Notification]:
    async with runtime.database.session() as session:
        found = await session.exec(
            select(Notification).where(Notification.case_id == case_id).order_by(col(Notification.id))
        )
        return list(found.all())


async def test_a_letter_with_an_email_is_told_of_its_assignment_by_mail(
    intake: Intake, producer: RawProducer, topics: Topics, mail_catcher: MailCatcher
) -> None:
    client, runtime = intake
    case_id = await _submit(client, "/api/v1/mailbox-messages", LETTER)

    await producer.send_payloads(topics.case_events, [_assigned(case_id)])

    (mail,) = await wait_for_mail(mail_catcher, EMAIL)
    assert mail["From"] == "noreply@civic.example"
    assert mail["Subject"] == f"已转办｜{OFFICE}"
    text = mail.get_content()
    assert (
        f"您于{today().year}年{today().month}月{today().day}日向人防工程信箱的来信已转至工程建设科办理。"
        in text
    )
    assert "http://portal.example/track" in text
    assert OFFICE in text
    for private in ("张三丰", "停车", "人防工程能否"):  # nothing the letter said
        assert private not in text
    (row,) = await _rows(runtime, case_id)
    assert (row.state, row.attempts, row.event_type) == ("sent", 1, "case.assigned")


async def test_a_disclosure_request_is_told_of_its_supplement_notice_by_sms_once(
    intake: Intake, producer: RawProducer, topics: Topics, sms_gateway: SmsGateway
) -> None:
    client, _ = intake
    case_id = await _submit(client, "/api/v1/disclosure-requests", APPLICATION)
    due = today() + timedelta(days=15)
    requested = SupplementRequested(
        case_id=UUID(case_id), items="请写明李四所需文件的文号", due_date=due, requested_on=today()
    )
    # routing sends the step and its notice (补正告知书) together: the applicant is told once, by the notice
    notice = NoticeIssued(
        case_id=UUID(case_id),
        notice_id=uuid4(),
        kind=NoticeKind.SUPPLEMENT,
        year=today().year,
        sequence=5,
        number=f"国动办依申告〔{today().year}〕第5号",
        issued_on=today(),
        receipt_date=today(),
        office="某市国防动员办公室",
        reconsideration_body="某市人民政府",
        court="某市中级人民法院",
        reconsideration_days=60,
        litigation_months=6,
        items=requested.items,
        working_days=10,
        due_date=due,
    )
    await producer.send_payloads(topics.case_events, [requested, notice])

    (texted,) = await sms_gateway.wait_for(MOBILE)
    assert texted.authorization == f"Bearer {SMS_TOKEN}"
    assert texted.body["text"].startswith(f"【{OFFICE}】您于")
    assert (
        f"提交的政府信息公开申请需要补正材料，请于{due.year}年{due.month}月{due.day}日前"
        in texted.body["text"]
    )
    assert f"《政府信息公开申请补正告知书》（国动办依申告〔{today().year}〕第5号）" in texted.body["text"]
    assert "李四" not in texted.body["text"]


async def test_a_mail_server_down_then_up_delivers_the_message_once(
    intake: Intake, producer: RawProducer, topics: Topics, mail_catcher: MailCatcher
) -> None:
    client, runtime = intake
    mail_catcher.stop()
    case_id = await _submit(client, "/api/v1/mailbox-messages", LETTER)
    await producer.send_payloads(topics.case_events, [_assigned(case_id)])

    async def refused_twice() -> Notification | None:
        rows = await _rows(runtime, case_id)
        return rows[0] if rows and rows[0].attempts >= 2 and rows[0].state == "pending" else None

    row = await eventually(refused_twice, "two refused attempts")
    assert row.failure is not None
    assert row.failure.startswith("SMTP server not reached")
    metrics = (await client.get("/metrics")).text
    assert re.search(r'^civic_notifications\{state="pending"\} 1\.0$', metrics, re.MULTILINE), metrics

    mail_catcher.start()
    (assigned,) = await wait_for_mail(mail_catcher, EMAIL)
    assert assigned["Subject"].startswith("已转办")

    # The reply's message comes after the assignment's: once it is in, the assignment's had its chance.
    await producer.send_payloads(topics.case_events, [_replied(case_id)])
    await wait_for_mail(mail_catcher, EMAIL, count=2)
    subjects = [m["Subject"] for m in mails_to(mail_catcher, EMAIL)]
    assert subjects == [f"已转办｜{OFFICE}", f"已答复｜{OFFICE}"]

    async def both_sent() -> list[str] | None:
        # the mail is caught before the sender records it sent, in its own transaction
        states = [r.state for r in await _rows(runtime, case_id)]
        return states if "sending" not in states else None

    assert await eventually(both_sent, "both rows recorded as sent") == ["sent", "sent"]


async def test_the_same_event_delivered_twice_is_one_message(
    intake: Intake, producer: RawProducer, topics: Topics, mail_catcher: MailCatcher
) -> None:
    client, runtime = intake
    case_id = await _submit(client, "/api/v1/mailbox-messages", LETTER)
    assignment = new_event(_assigned(case_id), source="/tests")

    await producer.send_event(topics.case_events, assignment)
    await producer.send_event(topics.case_events, assignment)  # redelivered
    await producer.send_payloads(topics.case_events, [_replied(case_id)])  # the marker behind it

    async def reply_told() -> bool:
        return any(m["Subject"].startswith("已答复") for m in mails_to(mail_catcher, EMAIL))

    await eventually(reply_told, "the reply's mail")
    assert [m["Subject"] for m in mails_to(mail_catcher, EMAIL)] == [f"已转办｜{OFFICE}", f"已答复｜{OFFICE}"]
    assert [r.event_id for r in await _rows(runtime, case_id)] == [
        str(assignment.id),
        await _reply_id(runtime, case_id),
    ]


async def _reply_id(runtime: ServiceRuntime, case_id: str) -> str:
    rows = await _rows(runtime, case_id)
    return next(r.event_id for r in rows if r.event_type == "case.replied")


async def test_each_commenter_who_chose_a_way_is_told_of_the_adoption_report(
    intake: Intake, producer: RawProducer, topics: Topics, mail_catcher: MailCatcher, sms_gateway: SmsGateway
) -> None:
    client, runtime = intake
    consultation_id = uuid4()
    title = "人防工程维护管理办法（征求意见稿）"
    opened = ConsultationOpened(
        consultation_id=consultation_id,
        title=title,
        summary="征求意见",
        opens_on=today() - timedelta(days=1),
        closes_on=today() + timedelta(days=29),
    )
    await producer.send_payloads(topics.consultation_events, [opened])
    path = f"/api/v1/consultations/{consultation_id}/comments"

    async def open_for_comments() -> httpx.Response | None:
        response = await client.post(
            path, json={"body": "建议明确收费标准。", "contact": {"email": EMAIL}, "notify_by": "email"}
        )
        return response if response.status_code == 201 else None

    await eventually(open_for_comments, "the consultation open in intake")
    await _submit(
        client, path, {"body": "建议延长开放时间。", "contact": {"phone": MOBILE}, "notify_by": "sms"}
    )
    silent = await _submit(client, path, {"body": "赞成。", "contact": {"email": "quiet@example.com"}})
    report: list[EventPayload] = [
        AdoptionReportPublished(
            consultation_id=consultation_id, received=3, adopted=1, partially_adopted=1, not_adopted=1
        )
    ]
    (envelope,) = await producer.send_payloads(topics.consultation_events, report)

    (mail,) = await wait_for_mail(mail_catcher, EMAIL)
    (texted,) = await sms_gateway.wait_for(MOBILE)
    figures = "收到意见3条，采纳1条，部分采纳1条，未采纳1条"
    assert f"对《{title}》提出的意见，征求意见采纳情况已公布：{figures}" in mail.get_content()
    assert figures in texted.body["text"]
    async with runtime.database.session() as session:
        rows = (
            await session.exec(select(Notification).where(Notification.event_id == str(envelope.id)))
        ).all()
    assert sorted(r.notify_by for r in rows) == ["email", "sms"]
    assert silent not in {r.case_id for r in rows}
    assert mails_to(mail_catcher, "quiet@example.com") == []


async def test_each_selected_asker_is_told_the_interview_transcript_is_out(
    intake: Intake, producer: RawProducer, topics: Topics, mail_catcher: MailCatcher
) -> None:
    client, runtime = intake
    interview_id = uuid4()
    title = "人防工程平时使用与维护"
    scheduled = InterviewScheduled(
        interview_id=interview_id,
        title=title,
        guest="郑为民",
        starts_at=datetime.now(UTC) + timedelta(days=1),
        ends_at=datetime.now(UTC) + timedelta(days=1, hours=2),
    )
    await producer.send_payloads(topics.consultation_events, [scheduled])
    path = f"/api/v1/interviews/{interview_id}/questions"

    async def taking_questions() -> httpx.Response | None:
        response = await client.post(
            path, json={"body": "人防工程能否改作停车场？", "contact": {"email": EMAIL}, "notify_by": "email"}
        )
        return response if response.status_code == 201 else None

    selected = (await eventually(taking_questions, "the interview taking questions in intake")).json()[
        "case_id"
    ]
    passed_over = await _submit(
        client,
        path,
        {"body": "维护费用谁出？", "contact": {"email": "other@example.com"}, "notify_by": "email"},
    )
    published = InterviewTranscriptPublished(
        interview_id=interview_id,
        title=title,
        published_on=today(),
        received=2,
        selected=(UUID(selected),),
        answered=1,
    )
    (envelope,) = await producer.send_payloads(topics.consultation_events, [published])

    (mail,) = await wait_for_mail(mail_catcher, EMAIL)
    assert f"为在线访谈《{title}》提出的问题已在访谈中答复" in mail.get_content()
    async with runtime.database.session() as session:
        rows = (
            await session.exec(select(Notification).where(Notification.event_id == str(envelope.id)))
        ).all()
    assert [r.case_id for r in rows] == [selected]
    assert passed_over not in {r.case_id for r in rows}
    assert mails_to(mail_catcher, "other@example.com") == []


async def test_a_way_without_its_address_is_refused_naming_the_field(intake: Intake) -> None:
    client, _ = intake
    by_sms = {**LETTER, "notify_by": "sms"}  # an email given, no mobile
    assert_error(
        await client.post("/api/v1/mailbox-messages", json=by_sms), 422, "validation_error", "notify_by"
    )
    landline = {**APPLICATION, "applicant": {**APPLICATION["applicant"], "phone": "0531-12345678"}}
    assert_error(
        await client.post("/api/v1/disclosure-requests", json=landline), 422, "validation_error", "notify_by"
    )


async def test_erasure_leaves_no_address_in_the_notification_outbox(
    intake: Intake, producer: RawProducer, topics: Topics, mail_catcher: MailCatcher
) -> None:
    client, runtime = intake
    mail_catcher.stop()  # nothing goes out: the rows wait
    case_id = await _submit(client, "/api/v1/mailbox-messages", LETTER)
    await producer.send_payloads(topics.case_events, [_assigned(case_id), _replied(case_id)])

    async def both_waiting() -> list[Notification] | None:
        rows = await _rows(runtime, case_id)
        return rows if len(rows) == 2 and all(r.attempts >= 1 for r in rows) else None

    await eventually(both_waiting, "both notifications tried")

    async def erased() -> bool:  # the reply must have reached the view: erasure needs a concluded case
        try:
            await erase_on_request(
                runtime,
                ErasureCreate(case_id=UUID(case_id), reason="本人申请删除"),
                ADMIN,
                retention_days=3650,
            )
        except Exception as exc:
            if "still open" in str(exc):
                return False
            raise
        return True

    await eventually(erased, "the case concluded and erased")

    async def settled() -> list[Notification] | None:  # an attempt under way when it was erased ends
        rows = await _rows(runtime, case_id)
        return rows if all(r.state != "sending" for r in rows) else None

    rows = await eventually(settled, "no attempt under way")
    assert [(r.state, r.address) for r in rows] == [("withdrawn", None), ("withdrawn", None)]
