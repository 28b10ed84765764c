"""The handler's actions on the real broker: each an event, each checked by the state machine."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest

from shared.calendar_data import default_calendar
from shared.codes import ApplicantType, Channel, ClockKind, DeliveryForm, DeliveryMethod, Rating, Role
from shared.dates import today
from shared.events import (
    CaseRated,
    DeadlineLapsed,
    DisclosureContent,
    MailboxContent,
    SubmissionReceived,
    SupplementReceived,
)
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import assert_error, bearer

pytestmark = pytest.mark.kafka

ENGINEERING = bearer(Role.HANDLER, department="engineering")
OPEN_GOVERNMENT = bearer(Role.HANDLER, department="open-government")


def letter(subject: str, mailbox: str = "civil-air-defence") -> SubmissionReceived:
    return SubmissionReceived(
        case_id=uuid4(),
        channel=Channel.MAILBOX,
        received_at=datetime.now(UTC),
        receipt_date=today(),
        mailbox=MailboxContent(mailbox=mailbox, category="咨询", subject=subject, body="来信内容"),
    )


def disclosure(received: date | None = None) -> SubmissionReceived:
    return SubmissionReceived(
        case_id=uuid4(),
        channel=Channel.DISCLOSURE_REQUEST,
        received_at=datetime.now(UTC),
        receipt_date=received or today(),
        disclosure=DisclosureContent(
            applicant_type=ApplicantType.NATURAL_PERSON,
            description="人防工程易地建设费收缴情况",
            delivery_form=DeliveryForm.ELECTRONIC,
            delivery_method=DeliveryMethod.ONLINE,
        ),
    )


async def arrive(
    client: httpx.AsyncClient,
    producer: RawProducer,
    topics: Topics,
    submission: SubmissionReceived,
    headers: dict[str, str],
) -> str:
    await producer.send_payloads(topics.case_events, [submission])

    async def listed() -> bool:
        tasks = (await client.get("/api/v1/tasks", headers=headers)).json()
        return any(t["case_id"] == str(submission.case_id) for t in tasks)

    await eventually(listed, "the case in the department's inbox")
    return f"/api/v1/cases/{submission.case_id}"


async def post(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    return await client.post(url, json=body, headers=headers)


async def test_accept_reply_close_each_emit_their_event(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = routing
    submission = letter("人防车位出租")
    url = await arrive(client, producer, topics, submission, ENGINEERING)
    assert_error(await post(client, f"{url}/close", {}, ENGINEERING), 409, "conflict")
    assert_error(
        await post(client, f"{url}/accept", {}, bearer(Role.HANDLER, department="policy")), 403, "forbidden"
    )
    accepted = await post(client, f"{url}/accept", {}, ENGINEERING)
    assert accepted.json()["state"] == "accepted"
    assert_error(await post(client, f"{url}/accept", {}, ENGINEERING), 409, "conflict")
    assert (await post(client, f"{url}/reply", {"text": "答复"}, ENGINEERING)).status_code == 200
    closed = await post(client, f"{url}/close", {}, ENGINEERING)
    assert closed.json()["state"] == "closed"
    await case_events.wait_for_event(str(submission.case_id), "case.closed")
    types = [e.type for e in case_events.events(str(submission.case_id))]
    # Its similarity is decided apart, once, whenever that consumer gets to it.
    assert types.count("case.clustered") == 1
    handled = [kind for kind in types if kind != "case.clustered"]
    assert handled == ["submission.received", "case.assigned", "case.accepted", "case.replied", "case.closed"]

    detail = (await client.get(url, headers=ENGINEERING)).json()
    assert detail["task"]["state"] == "closed"
    assert [(h["event"], h["summary"]) for h in detail["history"]] == [
        (
            "case.assigned",
            "转至人防工程管理处：rule engineering-mailbox (channel=mailbox, mailbox=civil-air-defence): 人防工程信箱",
        ),
        ("case.accepted", "签收"),
        ("case.replied", "答复：答复"),
        ("case.closed", "办结"),
    ]
    assert detail["history"][1]["actor"] == "测试用户（tester）"
    assert_error(await client.get(url, headers=bearer(Role.HANDLER, department="policy")), 403, "forbidden")


async def test_a_returned_case_goes_to_the_next_department_then_to_triage(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = routing
    # The mailbox rule sends it to 人防工程管理处; the keyword rule would send it to 指挥通信处.
    submission = letter("防空警报试鸣时间")
    url = await arrive(client, producer, topics, submission, ENGINEERING)
    assert_error(
        await post(client, f"{url}/return", {"reason": ""}, ENGINEERING), 422, "validation_error", "reason"
    )
    first = await post(client, f"{url}/return", {"reason": "警报属指挥通信处职责"}, ENGINEERING)
    assert first.status_code == 200, first.text
    await case_events.wait_for_event(str(submission.case_id), "case.returned")
    reassigned = (await case_events.wait_for_event(str(submission.case_id), "case.assigned", count=2))[-1]
    assert reassigned.data["department_id"] == "command-comms"
    assert reassigned.data["rule_id"] == "alarm-keywords"
    tasks = (await client.get("/api/v1/tasks", headers=ENGINEERING)).json()
    assert str(submission.case_id) not in {t["case_id"] for t in tasks}, (
        "the returning department still sees it"
    )

    comms = bearer(Role.HANDLER, department="command-comms")
    second = await post(client, f"{url}/return", {"reason": "不属本处"}, comms)
    assert second.status_code == 200, second.text
    to_triage = (await case_events.wait_for_event(str(submission.case_id), "case.assigned", count=3))[-1]
    assert to_triage.data["department_id"] == "triage"
    assert "returned 2 times" in to_triage.data["reason"]
    assert_error(
        await post(client, f"{url}/return", {"reason": "x"}, bearer(Role.HANDLER, department="triage")),
        409,
        "conflict",
    )


async def test_a_supplement_is_requested_once_within_seven_working_days(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = routing
    submission = disclosure()
    url = await arrive(client, producer, topics, submission, OPEN_GOVERNMENT)
    body = {"items": "请写明所需信息的文号或年份", "working_days": 10}
    assert_error(
        await post(client, f"{url}/request-supplement", body | {"working_days": 0}, OPEN_GOVERNMENT),
        422,
        "validation_error",
        "working_days",
    )
    response = await post(client, f"{url}/request-supplement", body, OPEN_GOVERNMENT)
    assert response.json()["state"] == "supplement_requested"
    (requested,) = await case_events.wait_for_event(str(submission.case_id), "supplement.requested")
    assert requested.data["due_date"] == str(default_calendar().add_working_days(today(), 10).due_date)
    assert requested.data["items"] == body["items"]
    assert_error(await post(client, f"{url}/request-supplement", body, OPEN_GOVERNMENT), 409, "conflict")

    await producer.send_payloads(
        topics.case_events,
        [
            SupplementReceived(
                case_id=submission.case_id, text="文号为济防发〔2025〕1号", receipt_date=today()
            )
        ],
    )

    async def back_in_hand() -> bool:
        tasks = (await client.get("/api/v1/tasks", headers=OPEN_GOVERNMENT)).json()
        return any(t["case_id"] == str(submission.case_id) and t["state"] == "accepted" for t in tasks)

    await eventually(back_in_hand, "the case back in the department's hands")

    late = disclosure(received=date(2026, 10, 9))
    late_url = await arrive(client, producer, topics, late, OPEN_GOVERNMENT)
    refused = await post(client, f"{late_url}/request-supplement", body, OPEN_GOVERNMENT)
    assert_error(refused, 409, "conflict")
    assert "7 working days" in refused.json()["error"]["message"]


async def test_a_third_party_is_consulted_and_answers(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = routing
    submission = disclosure()
    url = await arrive(client, producer, topics, submission, OPEN_GOVERNMENT)
    assert_error(await post(client, f"{url}/third-party-replied", {}, OPEN_GOVERNMENT), 409, "conflict")
    consulted = await post(
        client, f"{url}/consult-third-party", {"party": "某建设公司", "note": "涉及商业秘密"}, OPEN_GOVERNMENT
    )
    assert consulted.json()["state"] == "third_party_consulted"
    replied = await post(client, f"{url}/third-party-replied", {"note": "不同意公开"}, OPEN_GOVERNMENT)
    assert replied.json()["state"] == "accepted"
    await case_events.wait_for_event(str(submission.case_id), "third_party.replied")
    (consulted_event,) = await case_events.wait_for_event(str(submission.case_id), "third_party.consulted")
    assert consulted_event.data["party"] == "某建设公司"
    mailbox_url = await arrive(client, producer, topics, letter("人防工程"), ENGINEERING)
    assert_error(
        await post(client, f"{mailbox_url}/consult-third-party", {"party": "x"}, ENGINEERING), 409, "conflict"
    )


async def test_an_extension_needs_its_approver(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = routing
    request_url = await arrive(client, producer, topics, disclosure(), OPEN_GOVERNMENT)
    body = {"working_days": 20, "reason": "需调取历史档案"}
    assert_error(await post(client, f"{request_url}/extend", body, OPEN_GOVERNMENT), 403, "forbidden")
    head = bearer(Role.DISCLOSURE_HEAD, sub="head-zhao")
    assert_error(
        await post(client, f"{request_url}/extend", body | {"working_days": 21}, head),
        422,
        "validation_error",
        "working_days",
    )
    assert (await post(client, f"{request_url}/extend", body, head)).status_code == 200
    assert_error(await post(client, f"{request_url}/extend", body, head), 409, "conflict")

    letter_url = await arrive(client, producer, topics, letter("复杂问题"), ENGINEERING)
    assert_error(
        await post(client, f"{letter_url}/extend", {"working_days": 5, "reason": "复杂"}, ENGINEERING),
        403,
        "forbidden",
    )
    dept_head = bearer(Role.DEPARTMENT_HEAD, department="engineering")
    assert_error(
        await post(client, f"{letter_url}/extend", {"working_days": 11, "reason": "复杂"}, dept_head),
        422,
        "validation_error",
        "working_days",
    )
    extended = await post(
        client, f"{letter_url}/extend", {"working_days": 10, "reason": "需现场核查"}, dept_head
    )
    assert extended.status_code == 200, extended.text
    case_id = letter_url.rsplit("/", 1)[-1]
    (event,) = await case_events.wait_for_event(case_id, "deadline.extended")
    assert event.data == {
        "case_id": case_id,
        "working_days": 10,
        "reason": "需现场核查",
        "by": "测试用户（tester）",
    }


async def test_an_unsatisfied_rating_reopens_the_case(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = routing
    submission = letter("物业占用人防车位")
    url = await arrive(client, producer, topics, submission, ENGINEERING)
    assert (await post(client, f"{url}/reply", {"text": "已转物业处理"}, ENGINEERING)).status_code == 200
    rating = CaseRated(case_id=submission.case_id, rating=Rating.UNSATISFIED, comment="问题没有解决")
    (envelope,) = await producer.send_payloads(topics.case_events, [rating])
    await producer.send_event(topics.case_events, envelope)  # delivered twice: reopened once
    (reopened,) = await case_events.wait_for_event(str(submission.case_id), "case.reopened")
    assert reopened.data["reason"] == "市民对答复不满意：问题没有解决"

    async def replyable() -> httpx.Response | None:
        response = await post(client, f"{url}/reply", {"text": "经再次核实，已责令物业整改"}, ENGINEERING)
        return response if response.status_code == 200 else None

    await eventually(replyable, "the re-handled case to take a new reply")
    await case_events.settle(0.5)
    types = [e.type for e in case_events.events(str(submission.case_id))]
    assert types.count("case.reopened") == 1
    assert types.count("case.replied") == 2


async def test_an_abandoned_supplement_ends_in_other_no_supplement(
    routing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, _ = routing
    submission = disclosure()
    url = await arrive(client, producer, topics, submission, OPEN_GOVERNMENT)
    await post(client, f"{url}/request-supplement", {"items": "文号", "working_days": 5}, OPEN_GOVERNMENT)
    assert_error(
        await post(client, f"{url}/reply", {"text": "答复", "outcome": "disclosed"}, OPEN_GOVERNMENT),
        409,
        "conflict",
    )
    abandoned = {
        "text": "申请人逾期未补正，不再处理。",
        "outcome": "other.no_supplement",
        "reason": "《条例》第三十条",
    }
    # Only once tracking says the applicant's deadline passed unused (issue 15): before, 409 with the date.
    due = (await client.get(url, headers=OPEN_GOVERNMENT)).json()["task"]["supplement_due"]
    early = await post(client, f"{url}/reply", abandoned, OPEN_GOVERNMENT)
    assert_error(early, 409, "conflict")
    assert f"until {due}" in early.json()["error"]["message"]
    lapsed = DeadlineLapsed(
        case_id=submission.case_id, clock=ClockKind.SUPPLEMENT_DUE, due_date=date.fromisoformat(due)
    )
    await producer.send_payloads(topics.case_events, [lapsed], source="/civic/tracking")

    async def replied() -> bool:
        return (await post(client, f"{url}/reply", abandoned, OPEN_GOVERNMENT)).status_code == 200

    await eventually(replied, "other.no_supplement accepted once the deadline lapsed")


async def test_the_inbox_shows_tracking_cards_and_filters_by_channel(
    routing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    from shared.codes import ClockKind
    from shared.events import DeadlineBreached, DeadlineSet, DeadlineWarning

    client, _ = routing
    submission = letter("人防工程渗水")
    await arrive(client, producer, topics, submission, ENGINEERING)
    due, moved = date(2026, 12, 2), date(2026, 12, 16)

    def set_due(day: date) -> DeadlineSet:
        return DeadlineSet(
            case_id=submission.case_id,
            clock=ClockKind.REPLY,
            due_date=day,
            provisional=False,
            cause="case.assigned",
            note="n",
        )

    async def card_is(expected: str | None) -> bool:
        tasks = (await client.get("/api/v1/tasks", headers=ENGINEERING)).json()
        return any(
            t["case_id"] == str(submission.case_id) and t["card"] == expected and t["due_date"] for t in tasks
        )

    await producer.send_payloads(
        topics.case_events,
        [set_due(due), DeadlineWarning(case_id=submission.case_id, clock=ClockKind.REPLY, due_date=due)],
    )
    await eventually(lambda: card_is("yellow"), "a yellow card")
    await producer.send_payloads(
        topics.case_events,
        [DeadlineBreached(case_id=submission.case_id, clock=ClockKind.REPLY, due_date=due)],
    )
    await eventually(lambda: card_is("red"), "a red card")
    await producer.send_payloads(
        topics.case_events,
        [
            set_due(moved),
            DeadlineWarning(case_id=submission.case_id, clock=ClockKind.REPLY, due_date=due),
        ],  # a stale card
    )
    await eventually(lambda: card_is(None), "the card cleared by the new due date")
    import asyncio

    await asyncio.sleep(1.0)  # the stale warning behind it (same partition) has been read by now
    assert await card_is(None), "a card for the old due date came back"

    mailbox = (await client.get("/api/v1/tasks?channel=mailbox", headers=ENGINEERING)).json()
    assert str(submission.case_id) in {t["case_id"] for t in mailbox}
    assert (await client.get("/api/v1/tasks?channel=disclosure_request", headers=ENGINEERING)).json() == []
    assert_error(
        await client.get("/api/v1/tasks?channel=fax", headers=ENGINEERING),
        422,
        "validation_error",
        "query.channel",
    )


async def test_a_rejected_publication_shows_in_the_case_history(
    routing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    from shared.events import ReviewRejected

    client, _ = routing
    submission = letter("人防车位收费")
    url = await arrive(client, producer, topics, submission, ENGINEERING)
    assert (await post(client, f"{url}/reply", {"text": "答复"}, ENGINEERING)).status_code == 200
    await producer.send_payloads(
        topics.case_events,
        [
            ReviewRejected(
                case_id=submission.case_id,
                review_id=uuid4(),
                department_id="engineering",
                reviewer="审核员甲",
                reason="答复未写明收费依据",
            )
        ],
    )

    async def recorded() -> dict[str, Any] | None:
        detail: dict[str, Any] = (await client.get(url, headers=ENGINEERING)).json()
        return detail if detail["history"][-1]["event"] == "review.rejected" else None

    detail = await eventually(recorded, "the rejection in the case history")
    last = detail["history"][-1]
    assert (last["actor"], last["summary"]) == ("审核员甲", "答复公开审核未通过：答复未写明收费依据")
    assert detail["task"]["state"] == "replied", (
        "the citizen's reply stands; only its publication was refused"
    )
