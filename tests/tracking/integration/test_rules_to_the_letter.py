"""The disclosure clocks to the letter (issue 15), on the real broker and each database: the
applicant's supplement deadline is a clock that lapses when unused; several third parties each have
their own 15 working days, and when the last one's pass unanswered the due check's red card lets the
reply clock go on by itself (OGI Art. 32) — once, across a restart, and again in a replay; supervision counts a clock paused
for a party past its days as overdue until then."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from services.tracking import alarms, supervision
from services.tracking.app import create_app
from services.tracking.config import TrackingSettings
from services.tracking.replay import replay_plan
from services.tracking.schemas import StatsQuery
from shared.auth import Principal
from shared.calendar_data import default_calendar
from shared.codes import ClockKind, Role
from shared.events import (
    Envelope,
    SubmissionReceived,
    SupplementRequested,
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

CALENDAR = default_calendar()
ADMIN = Principal(sub="admin-1", name="管理员", roles=frozenset({Role.ADMIN}))


def request() -> SubmissionReceived:
    """Received Monday 2 November 2026: the reply is due 30 November."""
    return support.disclosure_request(on=date(2026, 11, 2), description="人防工程竣工验收备案信息")


def of(clock: ClockKind, party: str | None = None) -> Callable[[Envelope], bool]:
    """Selects the deadline events of one clock (of a third party's, that party's)."""
    return lambda e: e.data.get("clock") == clock.value and e.data.get("party_id") == party


def decisions(events: list[Envelope]) -> set[str]:
    """The transport is at least once: count decisions (event ids)."""
    return {str(e.id) for e in events}


async def deadlines(runtime: ServiceRuntime, case_id: UUID) -> dict[tuple[str, str | None], dict[str, Any]]:
    body = await supervision.case_deadlines(runtime, case_id, ADMIN)
    return {(c.kind.value, c.party_id): c.model_dump(mode="json") for c in body.clocks}


async def test_the_applicants_supplement_deadline_lapses_once_when_unused(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    submission = request()
    case = str(submission.case_id)
    asked = SupplementRequested(
        case_id=submission.case_id,
        items="文号",
        due_date=date(2026, 11, 11),
        requested_on=date(2026, 11, 4),
        working_days=5,
    )
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    async with in_process(create_app, settings) as (_, runtime):
        await producer.send_payloads(topics.case_events, [submission, asked])
        (set_,) = await case_events.wait_for_event(case, "deadline.set", where=of(ClockKind.SUPPLEMENT_DUE))
        assert (set_.data["due_date"], set_.data["cause"]) == ("2026-11-11", "supplement.requested")
        assert (
            set_.data["note"]
            == "11月4日告知补正，申请人补正期限按5个工作日计算（当日不计），2026年11月11日到期"
        )
        await alarms.raise_alarms(runtime, CALENDAR, on=date(2026, 11, 11))  # its last day: no lapse yet
        await alarms.raise_alarms(runtime, CALENDAR, on=date(2026, 11, 12))
        (lapsed,) = await case_events.wait_for_event(
            case, "deadline.lapsed", where=of(ClockKind.SUPPLEMENT_DUE)
        )
        assert lapsed.data["due_date"] == "2026-11-11"
        clock = (await deadlines(runtime, submission.case_id))[("supplement_due", None)]
        assert clock["state"] == "stopped"
        assert clock["ledger"][-1]["note"] == "申请人补正期限已于2026年11月11日届满，未收到补正材料"
    async with in_process(create_app, settings) as (_, runtime):  # restarted: the lapse is remembered
        await alarms.raise_alarms(runtime, CALENDAR, on=date(2026, 11, 13))
    await case_events.settle(1.0)
    supplement_due = of(ClockKind.SUPPLEMENT_DUE)
    lapses = [e for e in case_events.events(case) if e.type == "deadline.lapsed" and supplement_due(e)]
    assert len(decisions(lapses)) == 1


async def test_the_reply_clock_goes_on_by_itself_when_the_last_third_partys_days_pass(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    submission = request()
    case, case_id = str(submission.case_id), submission.case_id
    consulted = [
        ThirdPartyConsulted(
            case_id=case_id, party="某建设公司", consulted_on=date(2026, 11, 4), party_id="1"
        ),
        ThirdPartyConsulted(case_id=case_id, party="某设计院", consulted_on=date(2026, 11, 5), party_id="2"),
        ThirdPartyReplied(case_id=case_id, replied_on=date(2026, 11, 10), party_id="2"),
    ]
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    async with in_process(create_app, settings) as (_, runtime):
        await producer.send_payloads(
            topics.case_events,
            [submission, support.assigned(submission, support.OPEN_GOVERNMENT, reason="r")],
        )
        await producer.send_payloads(topics.case_events, consulted)
        (one,) = await case_events.wait_for_event(case, "deadline.set", where=of(ClockKind.THIRD_PARTY, "1"))
        (two,) = await case_events.wait_for_event(case, "deadline.set", where=of(ClockKind.THIRD_PARTY, "2"))
        assert (one.data["due_date"], two.data["due_date"]) == ("2026-11-25", "2026-11-26")

        async def answered() -> bool:
            clocks = await deadlines(runtime, case_id)
            return bool(clocks[("third_party", "2")]["state"] == "stopped")

        await eventually(answered, "party 2's answer applied")
        clocks = await deadlines(runtime, case_id)
        assert (clocks[("reply", None)]["state"], clocks[("third_party", "1")]["state"]) == (
            "paused",
            "running",
        )

        # 26 November: party 1's 15 working days ended yesterday, unanswered — the wait no longer hides
        # the case from supervision, until the due check lets the reply clock go on.
        stats = await supervision.supervision_stats(
            runtime, CALENDAR, ADMIN, StatsQuery.model_validate({}), on=date(2026, 11, 26)
        )
        assert stats.total.overdue == 1
        assert await alarms.raise_alarms(runtime, CALENDAR, on=date(2026, 11, 26)) == 1  # party 1's red card
        (card,) = await case_events.wait_for_event(
            case, "deadline.breached", where=of(ClockKind.THIRD_PARTY, "1")
        )
        assert card.data["due_date"] == "2026-11-25"
        resumed = (
            await case_events.wait_for_event(case, "deadline.set", count=2, where=of(ClockKind.REPLY))
        )[-1]
        # 4–25 November waited: 15 working days not counted → 35 working days from 2 November
        assert (resumed.data["old_due_date"], resumed.data["due_date"], resumed.data["cause"]) == (
            "2026-11-30",
            "2026-12-21",
            "deadline.breached",
        )
        assert "第三方（1）自2026年11月4日起15个工作日内未答复" in resumed.data["note"]
        assert "《政府信息公开条例》第三十二条" in resumed.data["note"]
        clocks = await deadlines(runtime, case_id)
        assert (clocks[("reply", None)]["state"], clocks[("third_party", "1")]["state"]) == (
            "running",
            "breached",
        )
        assert clocks[("reply", None)]["ledger"][-1]["cause"] == "deadline.breached"
        stats = await supervision.supervision_stats(
            runtime, CALENDAR, ADMIN, StatsQuery.model_validate({}), on=date(2026, 11, 26)
        )
        assert stats.total.overdue == 0
    async with in_process(create_app, settings) as (client, runtime):  # restarted: nothing sent again
        assert await alarms.raise_alarms(runtime, CALENDAR, on=date(2026, 11, 27)) == 0
        body = (await client.get(f"/api/v1/cases/{case}/deadlines", headers=bearer(Role.ADMIN))).json()
        assert sorted((c["kind"], c["party_id"]) for c in body["clocks"] if c["kind"] == "third_party") == [
            ("third_party", "1"),
            ("third_party", "2"),
        ]
        before = await deadlines(runtime, case_id)
    await replay(replay_plan(settings), settings)  # the card's projection lets the clock go on again
    async with in_process(create_app, settings) as (_, runtime):
        assert await deadlines(runtime, case_id) == before
        assert await alarms.raise_alarms(runtime, CALENDAR, on=date(2026, 11, 27)) == 0
    await case_events.settle(1.0)
    events = case_events.events(case)
    assert len(decisions([e for e in events if e.type == "deadline.breached"])) == 1
    resumptions = [
        e for e in events if e.type == "deadline.set" and e.data.get("cause") == "deadline.breached"
    ]
    assert len(decisions(resumptions)) == 1
