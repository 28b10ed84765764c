"""The calendar as data, windows, consultation clocks, cards from two instances, and the replay —
against the real broker and a real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import pytest_asyncio
from sqlmodel import col, select

from services.tracking import alarms
from services.tracking.app import create_app
from services.tracking.config import TrackingSettings
from services.tracking.db import Clock
from services.tracking.replay import replay_plan
from shared.calendar_data import default_calendar
from shared.codes import Channel, Role
from shared.events import (
    AdoptionReportPublished,
    CaseAccepted,
    CaseAssigned,
    ConsultationClosed,
    DeadlineExtended,
    Envelope,
    SubmissionReceived,
    ThirdPartyConsulted,
    ThirdPartyReplied,
)
from shared.replay import replay
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support import events as support
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import bearer, in_process, settings_for

pytestmark = pytest.mark.kafka

ADMIN = bearer(Role.ADMIN)


def of_clock(kind: str, cause: str | None = None) -> Callable[[Envelope], bool]:
    return lambda e: e.data.get("clock") == kind and (cause is None or e.data.get("cause") == cause)


@pytest_asyncio.fixture
async def calendar_events(kafka_bootstrap: str, topics: Topics) -> AsyncIterator[TopicReader]:
    reader = await TopicReader(kafka_bootstrap, topics.calendar_events).start()
    yield reader
    await reader.stop()


def disclosure(received: date) -> SubmissionReceived:
    return support.disclosure_request(on=received, description="2025年人防工程易地建设费收缴情况")


def letter_and_assignment(assigned_on: date) -> tuple[SubmissionReceived, CaseAssigned]:
    letter = support.letter("防空警报", "试鸣时间", on=assigned_on, mailbox="director")
    return letter, support.assigned(letter, reason="关键词")


async def clocks_of(client: httpx.AsyncClient, case_id: UUID) -> dict[str, dict[str, Any]]:
    body = (await client.get(f"/api/v1/cases/{case_id}/deadlines", headers=ADMIN)).json()
    return {c["kind"]: c for c in body.get("clocks", [])}


# --- the calendar ---------------------------------------------------------------------------------

NOTICE_2027 = {
    "holidays": ["2027-01-01"],
    "extra_workdays": [],
    "status": "announced",
    "source": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
}


async def test_announcing_a_year_recounts_the_open_clocks_that_reach_into_it(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    calendar_events: TopicReader,
    topics: Topics,
) -> None:
    client, _ = tracking
    december = disclosure(date(2026, 12, 25))  # reaches into 2027, not yet announced
    november = disclosure(date(2026, 11, 2))  # due 2026-11-30: 2027 does not matter
    await producer.send_payloads(topics.case_events, [december, november])
    (before,) = await case_events.wait_for_event(
        str(december.case_id), "deadline.set", where=of_clock("reply")
    )
    assert (before.data["due_date"], before.data["provisional"]) == ("2027-01-22", True)
    await case_events.wait_for_event(str(november.case_id), "deadline.set", where=of_clock("reply"))
    assert (await client.get("/api/v1/calendar/2027")).json()["status"] == "provisional"

    stored = await client.put("/api/v1/calendar/2027", json=NOTICE_2027, headers=ADMIN)
    assert stored.status_code == 200, stored.text
    assert stored.json()["status"] == "announced"
    (announced,) = await calendar_events.wait_for_event("2027", "calendar.updated")
    assert announced.data["holidays"] == ["2027-01-01"]

    # New Year's Day 2027 (a Friday) is now a holiday: the 20th working day moves from Jan 22 to Jan 25.
    (moved,) = await case_events.wait_for_event(
        str(december.case_id), "deadline.set", where=of_clock("reply", "calendar.updated")
    )
    assert (moved.data["old_due_date"], moved.data["due_date"], moved.data["provisional"]) == (
        "2027-01-22",
        "2027-01-25",
        False,
    )
    assert moved.data["note"] == "2027年节假日安排已公布，答复期限由2027年1月22日调整为2027年1月25日"
    # The 7-day supplement window too: Dec 28–31, Jan 4, 5, 6.
    (window,) = await case_events.wait_for_event(
        str(december.case_id), "deadline.set", where=of_clock("supplement_window", "calendar.updated")
    )
    assert (window.data["old_due_date"], window.data["due_date"]) == ("2027-01-05", "2027-01-06")

    clocks = await clocks_of(client, december.case_id)
    assert (clocks["reply"]["due_date"], clocks["reply"]["provisional"]) == ("2027-01-25", False)
    assert clocks["reply"]["ledger"][-1]["cause"] == "calendar.updated"

    # Storing the same year again moves nothing; a clock that never touched 2027 was never recounted.
    again = await client.put("/api/v1/calendar/2027", json=NOTICE_2027, headers=ADMIN)
    assert again.json()["revision"] > stored.json()["revision"]
    await calendar_events.wait_for_event("2027", "calendar.updated", count=2)
    await case_events.settle(1.0)
    recounted = [
        e for e in case_events.events() if e.type == "deadline.set" and e.data["cause"] == "calendar.updated"
    ]
    assert {e.subject for e in recounted} == {str(december.case_id)}
    assert len(recounted) == 2

    listed = {y["year"]: y for y in (await client.get("/api/v1/calendar")).json()}
    assert listed[2027]["source"] == NOTICE_2027["source"]
    assert listed[2026]["status"] == "announced"
    assert "2026-10-01" in listed[2026]["holidays"]
    unknown = (await client.get("/api/v1/calendar/2031")).json()
    assert (unknown["status"], unknown["revision"], unknown["holidays"]) == ("provisional", None, [])


async def test_a_recount_goes_a_chunk_a_transaction_and_counts_every_clock_once(
    kafka_bootstrap: str,
    topics: Topics,
    database_url: str,
    producer: RawProducer,
    case_events: TopicReader,
    calendar_events: TopicReader,
) -> None:
    """Two open clocks a chunk: the notice recounts the first chunk and leaves a bookmark
    (``calendar.recount_continued``) that carries the recount on, until every clock reaching into the
    year is counted again — each once, however the chunks fall."""
    settings = settings_for(
        TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600, recount_chunk=2
    )
    requests = [disclosure(date(2026, 12, day)) for day in (21, 22, 23, 24, 25)]
    async with in_process(create_app, settings) as (client, _):
        await producer.send_payloads(topics.case_events, requests)
        for request in requests:
            await case_events.wait_for_event(str(request.case_id), "deadline.set", where=of_clock("reply"))
        stored = await client.put("/api/v1/calendar/2027", json=NOTICE_2027, headers=ADMIN)
        assert stored.status_code == 200, stored.text
        # Every reply clock reaches into 2027; the 7-day supplement window of a request received on
        # 23, 24 or 25 December too (those of the 21st and 22nd end on 30 and 31 December).
        for request in requests:
            await case_events.wait_for_event(
                str(request.case_id), "deadline.set", where=of_clock("reply", "calendar.updated")
            )
        for request in requests[2:]:
            await case_events.wait_for_event(
                str(request.case_id), "deadline.set", where=of_clock("supplement_window", "calendar.updated")
            )
        # eight open clocks reach into 2027, two a chunk: four bookmarks (the fifth chunk finds none)
        bookmarks = await calendar_events.wait_for_event("2027", "calendar.recount_continued", count=4)
        after = [b.data["after_clock_id"] for b in bookmarks]
        assert after == sorted(after)
        assert len(set(after)) == 4
        (announced,) = await calendar_events.wait_for_event("2027", "calendar.updated")
        assert {b.data["cause_id"] for b in bookmarks} == {str(announced.id)}
        for request in requests:
            clocks = await clocks_of(client, request.case_id)
            assert clocks["reply"]["provisional"] is False
            assert [e["cause"] for e in clocks["reply"]["ledger"]].count("calendar.updated") == 1
    recounted = [
        e for e in case_events.events() if e.type == "deadline.set" and e.data["cause"] == "calendar.updated"
    ]
    assert len(recounted) == 8


@pytest.mark.parametrize(
    ("year", "body", "headers", "status", "field"),
    [
        pytest.param(
            2027, {**NOTICE_2027, "holidays": ["2026-12-31"]}, ADMIN, 422, "holidays", id="other-year"
        ),
        pytest.param(
            2027,
            {**NOTICE_2027, "extra_workdays": ["2027-01-04"]},
            ADMIN,
            422,
            "extra_workdays",
            id="weekday-as-调休",
        ),
        pytest.param(
            2027,
            {**NOTICE_2027, "extra_workdays": ["2027-01-02"], "holidays": ["2027-01-02"]},
            ADMIN,
            422,
            "extra_workdays",
            id="both",
        ),
        pytest.param(
            2027, {**NOTICE_2027, "holidays": ["2027-02-30"]}, ADMIN, 422, "holidays", id="not-a-date"
        ),
        pytest.param(2027, {**NOTICE_2027, "status": "final"}, ADMIN, 422, "status", id="unknown-status"),
        pytest.param(1999, NOTICE_2027, ADMIN, 422, "path.year", id="year-out-of-range"),
        pytest.param(
            2027, NOTICE_2027, bearer(Role.HANDLER, department="engineering"), 403, None, id="not-admin"
        ),
        pytest.param(2027, NOTICE_2027, {}, 401, None, id="no-token"),
    ],
)
async def test_a_bad_calendar_is_refused_and_nothing_is_stored(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
    year: int,
    body: dict[str, Any],
    headers: dict[str, str],
    status: int,
    field: str | None,
) -> None:
    client, _ = tracking
    response = await client.put(f"/api/v1/calendar/{year}", json=body, headers=headers)
    assert response.status_code == status, response.text
    if field is not None:
        fields = [d.get("field") or d.get("loc", [None])[-1] for d in response.json()["error"]["details"]]
        assert any(f == field or str(f).startswith(f"{field}.") for f in fields), response.json()
    assert (await client.get("/api/v1/calendar/2027")).json()["status"] == "provisional"


# --- windows and consultation clocks ------------------------------------------------------------


async def test_the_return_window_stops_on_acceptance_and_lapses_without_a_red_card(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    client, runtime = tracking
    accepted_letter, accepted_assignment = letter_and_assignment(date(2026, 11, 19))
    idle_letter, idle_assignment = letter_and_assignment(date(2026, 11, 19))
    await producer.send_payloads(
        topics.case_events,
        [
            accepted_letter,
            accepted_assignment,
            CaseAccepted(case_id=accepted_letter.case_id, department_id="engineering"),
            idle_letter,
            idle_assignment,
        ],
    )
    (window,) = await case_events.wait_for_event(
        str(idle_letter.case_id), "deadline.set", where=of_clock("return_window")
    )
    assert window.data["due_date"] == "2026-11-23"  # Thu Nov 19 → Fri 20, Mon 23

    async def accepted() -> dict[str, Any] | None:
        clocks = await clocks_of(client, accepted_letter.case_id)
        window = clocks.get("return_window")
        return window if window and window["state"] == "stopped" else None

    stopped = await eventually(accepted, "the accepted letter's return window to stop")
    assert stopped["ledger"][-1]["note"].endswith("已签收，不再退回")

    # On Tue Nov 24 the idle letter's return window has run out: stopped, recorded, no card.
    assert await alarms.raise_alarms(runtime, default_calendar(), on=date(2026, 11, 24)) == 0
    clocks = await clocks_of(client, idle_letter.case_id)
    assert clocks["return_window"]["state"] == "stopped"
    assert clocks["return_window"]["ledger"][-1]["note"] == "退回期限已于2026年11月23日届满"
    assert clocks["reply"]["state"] == "running"
    await case_events.settle(0.5)
    assert not [e for e in case_events.events(str(idle_letter.case_id)) if e.type == "deadline.breached"]


async def test_the_adoption_report_clock_runs_from_the_close_until_the_report_is_published(
    tracking: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    case_events: TopicReader,
    topics: Topics,
) -> None:
    from shared.events import CommentContent

    client, _ = tracking
    consultation_id = uuid4()
    comment = SubmissionReceived(
        case_id=uuid4(),
        channel=Channel.CONSULTATION_COMMENT,
        received_at=datetime.now(UTC),
        receipt_date=date(2026, 9, 1),
        comment=CommentContent(
            consultation_id=consultation_id, body="建议", consultation_closes_on=date(2026, 9, 30)
        ),
    )
    await producer.send_payloads(topics.case_events, [comment])
    (planned,) = await case_events.wait_for_event(str(comment.case_id), "deadline.set")
    # 15 working days after Sep 30; Oct 1–7 off, Sat Oct 10 worked → Oct 8, 9, 10, 12–16, 19–23, 26, 27.
    assert planned.data["due_date"] == "2026-10-27"

    # Closed early, on Fri Sep 25: due 15 working days later (Sep 28–30, Oct 8, 9, Sat 10, 12–16, 19–22).
    await producer.send_payloads(
        topics.consultation_events,
        [ConsultationClosed(consultation_id=consultation_id, closed_on=date(2026, 9, 25))],
    )
    (whole,) = await case_events.wait_for_event(str(consultation_id), "deadline.set")
    assert (whole.data["clock"], whole.data["due_date"]) == ("adoption_report", "2026-10-22")
    (moved,) = await case_events.wait_for_event(
        str(comment.case_id), "deadline.set", where=of_clock("adoption_report", "consultation.closed")
    )
    assert (moved.data["old_due_date"], moved.data["due_date"]) == ("2026-10-27", "2026-10-22")

    await producer.send_payloads(
        topics.consultation_events,
        [
            AdoptionReportPublished(
                consultation_id=consultation_id, received=1, adopted=1, partially_adopted=0, not_adopted=0
            )
        ],
    )

    async def published() -> dict[str, Any] | None:
        clocks = await clocks_of(client, consultation_id)
        return clocks if clocks["adoption_report"]["state"] == "stopped" else None

    clocks = await eventually(published, "the adoption report clock to stop")
    assert clocks["adoption_report"]["ledger"][-1]["note"].endswith("采纳情况已公布，计时停止")
    assert (await clocks_of(client, comment.case_id))["adoption_report"]["state"] == "stopped"


# --- cards from two instances -------------------------------------------------------------------


async def test_two_tracking_instances_send_each_card_once(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    letters = [letter_and_assignment(date(2026, 11, 19)) for _ in range(5)]  # due Thu 2026-11-26
    overdue = [disclosure(date(2026, 10, 9)) for _ in range(5)]  # due 2026-11-05
    calendar = default_calendar()
    async with (
        in_process(create_app, settings) as (_, first),
        in_process(create_app, settings) as (_, second),
    ):
        await producer.send_payloads(topics.case_events, [*(e for pair in letters for e in pair), *overdue])
        for case in [letter.case_id for letter, _ in letters] + [o.case_id for o in overdue]:
            await case_events.wait_for_event(str(case), "deadline.set", where=of_clock("reply"))
        sent = await asyncio.gather(
            *(
                alarms.raise_alarms(runtime, calendar, on=date(2026, 11, 25))
                for runtime in (first, second, first)
            ),
            return_exceptions=True,
        )
        counts = [n for n in sent if isinstance(n, int)]
        if len(counts) < len(sent):  # SQLite lets one writer through; the others fail and try next time
            assert "sqlite" in database_url, sent
            counts.append(await alarms.raise_alarms(runtime=second, calendar=calendar, on=date(2026, 11, 25)))
        assert sum(counts) == 10, sent
    await case_events.settle(1.5)
    cards = [e for e in case_events.events() if e.type in ("deadline.warning", "deadline.breached")]
    decisions = {(e.subject, e.type, e.data["due_date"]) for e in cards}
    assert len(decisions) == 10
    assert len({e.id for e in cards}) == 10, "each card decided once, by one instance"


# --- replay -------------------------------------------------------------------------------------


async def snapshot(runtime: ServiceRuntime) -> list[tuple[Any, ...]]:
    async with runtime.database.session() as session:
        clocks = (await session.exec(select(Clock).order_by(col(Clock.case_id), col(Clock.kind)))).all()
    return [
        (
            c.case_id,
            c.kind,
            c.start_date,
            c.working_days,
            c.extension_days,
            c.paused_days,
            c.due_date,
            c.provisional,
            c.state,
            c.stopped_on,
            c.on_time,
        )
        for c in clocks
    ]


async def test_a_replay_from_offset_zero_gives_the_same_clocks_and_repeats_no_card(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    calendar = default_calendar()
    letter, assignment = letter_and_assignment(date(2026, 11, 19))
    replied_letter, replied_assignment = letter_and_assignment(date(2026, 11, 2))
    paused = disclosure(date(2026, 11, 2))
    late = disclosure(date(2026, 10, 9))
    events = [
        letter,
        assignment,
        replied_letter,
        replied_assignment,
        support.replied(replied_letter, "已答复", on=date(2026, 11, 6)),
        paused,
        ThirdPartyConsulted(case_id=paused.case_id, party="某公司", consulted_on=date(2026, 11, 9)),
        ThirdPartyReplied(case_id=paused.case_id, replied_on=date(2026, 11, 16)),
        DeadlineExtended(case_id=paused.case_id, working_days=10, reason="需调取档案"),
        late,
    ]
    async with in_process(create_app, settings) as (client, runtime):
        await producer.send_payloads(topics.case_events, events)
        await case_events.wait_for_event(
            str(paused.case_id), "deadline.set", count=3, where=of_clock("reply")
        )

        async def replied() -> bool:
            clocks = await clocks_of(client, replied_letter.case_id)
            return bool(clocks.get("reply", {}).get("state") == "stopped")

        await eventually(replied, "the replied letter's clock to stop")
        await case_events.wait_for_event(str(late.case_id), "deadline.set", where=of_clock("reply"))
        await case_events.wait_for_event(str(letter.case_id), "deadline.set", where=of_clock("reply"))
        # One clock per transaction: every chunk is carded, once.
        assert await alarms.raise_alarms(runtime, calendar, on=date(2026, 11, 25), chunk=1) == 2
        assert await alarms.raise_alarms(runtime, calendar, on=date(2026, 11, 25), chunk=1) == 0
        before = await snapshot(runtime)
    assert "breached" in {row[8] for row in before}
    assert "stopped" in {row[8] for row in before}
    await case_events.settle(1.0)
    cards_before = {
        e.id for e in case_events.events() if e.type.startswith("deadline.") and e.type != "deadline.set"
    }
    published_before = len(case_events.events())

    result = await replay(replay_plan(settings), settings)
    assert result.applied == len(events)
    assert result.rows["tracking_clock"] == len(before)

    async with in_process(create_app, settings) as (_, runtime):
        assert await snapshot(runtime) == before
        assert await alarms.raise_alarms(runtime, calendar, on=date(2026, 11, 25)) == 0
        assert await alarms.raise_alarms(runtime, calendar, on=date(2026, 11, 26)) == 0, "yellow stays sent"
    await case_events.settle(1.5)
    assert len(case_events.events()) == published_before, "the replay published nothing"
    assert {
        e.id for e in case_events.events() if e.type.startswith("deadline.") and e.type != "deadline.set"
    } == (cards_before)
