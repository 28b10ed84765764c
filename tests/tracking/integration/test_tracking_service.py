"""Tracking against the real broker and a real database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlmodel import select

from services.tracking.app import create_app
from services.tracking.config import TrackingSettings
from services.tracking.db import Clock
from shared.codes import ApplicantType, DeliveryForm, DeliveryMethod, Role
from shared.events import (
    Envelope,
    SubmissionReceived,
    SubmissionRefused,
)
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support import events as support
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import assert_error, bearer, in_process, settings_for

pytestmark = pytest.mark.kafka

ENGINEERING = bearer(Role.HANDLER, department="engineering")


def clock(kind: str) -> Callable[[Envelope], bool]:
    """Selects the ``deadline.set`` events of one clock kind."""
    return lambda event: event.data.get("clock") == kind


REPLY = clock("reply")


def disclosure(received: date) -> SubmissionReceived:
    return support.disclosure_request(
        ApplicantType.BUSINESS,
        on=received,
        description="人防工程竣工验收备案信息",
        delivery_form=DeliveryForm.PAPER,
        delivery_method=DeliveryMethod.POST,
    )


async def test_a_disclosure_request_is_due_20_working_days_after_receipt(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    client, _ = tracking
    # Received Friday 2025-09-26: Sunday Sep 28 and Saturday Oct 11 are 调休 working days, the
    # National Day and Mid-Autumn break (Oct 1–8) is not counted → the 20th working day is 2025-10-30.
    submission = disclosure(date(2025, 9, 26))
    await producer.send_payloads(topics.case_events, [submission])
    (deadline,) = await case_events.wait_for_event(str(submission.case_id), "deadline.set", where=REPLY)
    assert deadline.source == "/civic/tracking"
    assert deadline.data["clock"] == "reply"
    assert deadline.data["due_date"] == "2025-10-30"
    assert deadline.data["provisional"] is False
    assert deadline.data["cause"] == "submission.received"
    assert "20个工作日" in deadline.data["note"]

    clocks = (
        await client.get(f"/api/v1/cases/{submission.case_id}/deadlines", headers=bearer(Role.ADMIN))
    ).json()
    reply, window = clocks["clocks"]
    assert (reply["kind"], reply["due_date"], reply["state"]) == ("reply", "2025-10-30", "running")
    assert reply["ledger"][0]["cause"] == "submission.received"
    assert reply["ledger"][0]["new_due_date"] == "2025-10-30"
    # The notice to supplement must go out within 7 working days: Sep 28, 29, 30, Oct 9, 10, 11, 13.
    assert (window["kind"], window["due_date"], window["state"]) == (
        "supplement_window",
        "2025-10-13",
        "running",
    )


async def test_a_deadline_reaching_an_unannounced_year_is_provisional(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    submission = disclosure(date(2026, 12, 25))
    await producer.send_payloads(topics.case_events, [submission])
    (deadline,) = await case_events.wait_for_event(str(submission.case_id), "deadline.set", where=REPLY)
    assert deadline.data["due_date"] == "2027-01-22"
    assert deadline.data["provisional"] is True
    assert "暂定" in deadline.data["note"]


async def test_a_mailbox_letter_is_due_5_working_days_after_assignment_and_stops_when_replied(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    client, _ = tracking
    letter = support.letter("s", "b", on=date(2026, 9, 30), mailbox="director", category="咨询")
    case_id = letter.case_id
    assigned = support.assigned(letter, reason="r")
    # Assigned Wed 2026-09-30; Oct 1–7 off, Sat Oct 10 worked → Oct 8, 9, 10, 12, 13: due 2026-10-13.
    await producer.send_payloads(topics.case_events, [letter, assigned, assigned])  # the assignment twice
    (deadline,) = await case_events.wait_for_event(str(case_id), "deadline.set", where=REPLY)
    assert deadline.data["due_date"] == "2026-10-13"
    assert deadline.data["cause"] == "case.assigned"

    await producer.send_payloads(
        topics.case_events,
        [support.replied(letter, on=date(2026, 10, 9))],
    )

    async def stopped() -> dict[str, Any] | None:
        body: dict[str, Any] = (
            await client.get(f"/api/v1/cases/{case_id}/deadlines", headers=ENGINEERING)
        ).json()
        return body if all(c["state"] == "stopped" for c in body["clocks"]) else None

    clocks = await eventually(stopped, "the clocks to stop")
    clock, window = sorted(clocks["clocks"], key=lambda c: str(c["kind"]))
    assert (clock["kind"], clock["state"]) == ("reply", "stopped")
    assert window["kind"] == "return_window"
    other_department = bearer(Role.HANDLER, department="policy")
    assert_error(
        await client.get(f"/api/v1/cases/{case_id}/deadlines", headers=other_department), 403, "forbidden"
    )
    assert [entry["cause"] for entry in clock["ledger"]] == ["case.assigned", "case.replied"]
    assert clock["ledger"][-1]["note"] == "10月9日已答复，计时停止"
    await case_events.settle(0.5)
    # The repeated assignment event was processed once: one reply clock, one return window.
    assert len([e for e in case_events.events(str(case_id)) if e.type == "deadline.set"]) == 2


async def test_a_comment_waits_for_the_adoption_report_after_the_consultation_closes(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    submission = support.comment(uuid4(), "意见", on=date(2026, 3, 2), closes_on=date(2026, 3, 31))
    await producer.send_payloads(topics.case_events, [submission])
    (deadline,) = await case_events.wait_for_event(str(submission.case_id), "deadline.set")
    assert deadline.data["clock"] == "adoption_report"
    # 15 working days after Tue 2026-03-31, Qingming (Apr 4–6) not counted → 2026-04-22.
    assert deadline.data["due_date"] == "2026-04-22"


async def test_a_comment_intake_refused_owes_nothing(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    client, runtime = tracking
    submission = support.comment(uuid4(), "意见", on=date(2026, 3, 2), closes_on=date(2026, 3, 31))
    await producer.send_payloads(topics.case_events, [submission])
    await case_events.wait_for_event(str(submission.case_id), "deadline.set")
    refused = SubmissionRefused(
        case_id=submission.case_id, reason="意见征集已截止", refused_on=date(2026, 4, 1)
    )
    await producer.send_payloads(topics.case_events, [refused])
    url = f"/api/v1/cases/{submission.case_id}/deadlines"

    async def stopped() -> dict[str, Any] | None:
        (clock,) = (await client.get(url, headers=bearer(Role.ADMIN))).json()["clocks"]
        return clock if clock["state"] == "stopped" else None

    clock = await eventually(stopped, "the adoption-report clock to stop")
    assert clock["ledger"][-1]["note"] == "不予受理，计时停止"
    async with runtime.database.session() as session:
        row = (await session.exec(select(Clock).where(Clock.case_id == str(submission.case_id)))).one()
    assert (row.stopped_on, row.on_time) == (date(2026, 4, 1), None), "not counted as answered"


async def test_deadlines_need_a_token_and_a_known_case(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, _ = tracking
    assert_error(await client.get(f"/api/v1/cases/{uuid4()}/deadlines"), 401, "unauthorized")
    assert_error(
        await client.get(f"/api/v1/cases/{uuid4()}/deadlines", headers=bearer(Role.REVIEWER)),
        403,
        "forbidden",
    )
    assert_error(
        await client.get(f"/api/v1/cases/{uuid4()}/deadlines", headers=bearer(Role.ADMIN)), 404, "not_found"
    )


async def test_the_reply_clock_pauses_for_a_third_party_and_moves_with_an_extension(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    from shared.events import DeadlineExtended, ThirdPartyConsulted, ThirdPartyReplied

    client, _ = tracking
    submission = disclosure(date(2026, 11, 2))  # Monday; 20 working days → Monday 2026-11-30
    case = str(submission.case_id)
    await producer.send_payloads(topics.case_events, [submission])
    (first,) = await case_events.wait_for_event(case, "deadline.set", where=REPLY)
    assert first.data["due_date"] == "2026-11-30"

    await producer.send_payloads(
        topics.case_events,
        [
            ThirdPartyConsulted(case_id=submission.case_id, party="某公司", consulted_on=date(2026, 11, 9)),
            # Nov 10–13 and 16: five working days waiting, not counted → 2026-12-07
            ThirdPartyReplied(case_id=submission.case_id, replied_on=date(2026, 11, 16)),
            DeadlineExtended(
                case_id=submission.case_id, working_days=10, reason="需调取档案"
            ),  # → 2026-12-21
        ],
    )
    (third_party,) = await case_events.wait_for_event(case, "deadline.set", where=clock("third_party"))
    moves = await case_events.wait_for_event(case, "deadline.set", count=3, where=REPLY)
    resumed, extended = moves[1], moves[2]
    assert (third_party.data["clock"], third_party.data["due_date"]) == ("third_party", "2026-11-30")
    assert (resumed.data["old_due_date"], resumed.data["due_date"]) == ("2026-11-30", "2026-12-07")
    assert "5个工作日不计入" in resumed.data["note"]
    assert (extended.data["old_due_date"], extended.data["due_date"], extended.data["cause"]) == (
        "2026-12-07",
        "2026-12-21",
        "deadline.extended",
    )
    body = (await client.get(f"/api/v1/cases/{case}/deadlines", headers=bearer(Role.ADMIN))).json()
    clocks = {c["kind"]: c for c in body["clocks"]}
    assert (clocks["reply"]["due_date"], clocks["reply"]["state"]) == ("2026-12-21", "running")
    assert clocks["third_party"]["state"] == "stopped"
    assert [e["cause"] for e in clocks["reply"]["ledger"]] == [
        "submission.received",
        "third_party.consulted",
        "third_party.replied",
        "deadline.extended",
    ]


async def test_a_supplement_restarts_the_reply_clock_from_the_day_it_arrives(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    from shared.events import SupplementReceived, SupplementRequested

    client, _ = tracking
    submission = disclosure(date(2026, 11, 2))
    case = str(submission.case_id)
    requested = SupplementRequested(
        case_id=submission.case_id, items="文号", due_date=date(2026, 11, 13), requested_on=date(2026, 11, 4)
    )
    received = SupplementReceived(case_id=submission.case_id, text="文号为…", receipt_date=date(2026, 11, 20))
    await producer.send_payloads(topics.case_events, [submission, requested])

    async def paused() -> dict[str, Any] | None:
        body: dict[str, Any] = (
            await client.get(f"/api/v1/cases/{case}/deadlines", headers=bearer(Role.ADMIN))
        ).json()
        return body if body.get("clocks") and body["clocks"][0]["state"] == "paused" else None

    body = await eventually(paused, "the reply clock to pause while the supplement is awaited")
    window = body["clocks"][1]
    assert (window["kind"], window["state"]) == ("supplement_window", "stopped"), (
        "the notice went out in time"
    )
    assert window["ledger"][-1]["note"] == "11月4日已告知补正"
    await producer.send_payloads(topics.case_events, [received])
    restarted = (await case_events.wait_for_event(case, "deadline.set", count=2, where=REPLY))[-1]
    assert (restarted.data["old_due_date"], restarted.data["due_date"]) == ("2026-11-30", "2026-12-18")
    assert restarted.data["note"].startswith("补正材料于11月20日收到，重新计算20个工作日")


async def test_yellow_and_red_cards_are_sent_exactly_once_even_across_a_restart(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    from services.tracking import alarms
    from shared.calendar_data import default_calendar

    calendar = default_calendar()
    letter = support.letter("s", "b", on=date(2026, 11, 19), mailbox="director", category="咨询")
    letter_id = letter.case_id
    assigned = support.assigned(letter, reason="r")  # 5 working days → due Thursday 2026-11-26
    overdue = disclosure(date(2026, 10, 9))  # 20 working days (Sat Oct 10 is worked) → due 2026-11-05
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    async with in_process(create_app, settings) as (_, runtime):
        await producer.send_payloads(topics.case_events, [letter, assigned, overdue])
        await case_events.wait_for_event(str(letter_id), "deadline.set", where=REPLY)
        await case_events.wait_for_event(str(overdue.case_id), "deadline.set", where=REPLY)
        assert await alarms.raise_alarms(runtime, calendar, on=date(2026, 11, 25)) == 2
        assert await alarms.raise_alarms(runtime, calendar, on=date(2026, 11, 25)) == 0
    async with in_process(create_app, settings) as (_, runtime):  # restarted: the cards are remembered
        assert await alarms.raise_alarms(runtime, calendar, on=date(2026, 11, 25)) == 0
        assert await alarms.raise_alarms(runtime, calendar, on=date(2026, 11, 26)) == 0, (
            "yellow once per due date"
        )
        assert (
            await alarms.raise_alarms(runtime, calendar, on=date(2026, 11, 27)) == 1
        )  # the letter is now late
    warning = (await case_events.wait_for_event(str(letter_id), "deadline.warning"))[0]
    assert warning.data["due_date"] == "2026-11-26"
    late = (await case_events.wait_for_event(str(letter_id), "deadline.breached"))[0]
    assert late.data["due_date"] == "2026-11-26"
    red = (await case_events.wait_for_event(str(overdue.case_id), "deadline.breached"))[0]
    assert red.data["due_date"] == "2026-11-05"
    await case_events.settle(1.0)

    def cards(
        case_id: object, kind: str
    ) -> set[str]:  # the transport is at least once: count decisions (ids)
        return {str(e.id) for e in case_events.events(str(case_id)) if e.type == kind}

    assert len(cards(overdue.case_id, "deadline.breached")) == 1
    assert len(cards(letter_id, "deadline.warning")) == 1
    assert len(cards(letter_id, "deadline.breached")) == 1
    assert not cards(overdue.case_id, "deadline.warning")


async def test_a_letter_sent_back_for_re_handling_gets_a_new_reply_period(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    from shared.calendar_data import default_calendar
    from shared.dates import today
    from shared.events import CaseReopened

    client, _ = tracking
    letter = support.letter("s", "b", on=date(2026, 11, 2), mailbox="director", category="投诉")
    case_id = letter.case_id
    assigned = support.assigned(letter, reason="r")
    answer = support.replied(letter, on=date(2026, 11, 4))
    reopened = CaseReopened(case_id=case_id, reason="来信人不满意：问题未解决")
    await producer.send_payloads(topics.case_events, [letter, assigned, answer, reopened])
    (again,) = await case_events.wait_for_event(
        str(case_id), "deadline.set", where=lambda e: e.data["cause"] == "case.reopened"
    )
    expected = default_calendar().add_working_days(today(), 5).due_date
    assert (again.data["clock"], again.data["due_date"], again.data["old_due_date"]) == (
        "reply",
        expected.isoformat(),
        None,
    )
    assert "发回重办" in again.data["note"]
    clocks = (await client.get(f"/api/v1/cases/{case_id}/deadlines", headers=ENGINEERING)).json()
    reply = next(c for c in clocks["clocks"] if c["kind"] == "reply")
    assert reply["state"] == "running"
    assert [e["cause"] for e in reply["ledger"]] == ["case.assigned", "case.replied", "case.reopened"]
