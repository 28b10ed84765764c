"""Races, run for real: the same decisions requested at the same moment, many rounds, on SQLite and
PostgreSQL. Exactly one outcome each time; never both; never stuck.

Every state change that depends on what was read is a compare-and-set or holds a row lock
(``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the unit of work takes the write lock before it reads).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
import pytest_asyncio
from sqlmodel import select

from services.publishing.app import create_app as publishing_app
from services.publishing.config import PublishingSettings
from services.publishing.db import PublishedReply
from services.routing.app import create_app as routing_app
from services.routing.config import RoutingSettings
from services.routing.db import Task
from services.tracking import alarms
from services.tracking.app import create_app as tracking_app
from services.tracking.config import TrackingSettings
from services.tracking.db import Clock
from shared.calendar_data import default_calendar
from shared.codes import ClockKind, ClockState, Role
from shared.events import CaseReplied, DeadlineSet, SubmissionReceived
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support import events as support
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.publishing import REVIEWERS, waiting_review
from tests.support.services import bearer, count_rows, in_process, settings_for

pytestmark = pytest.mark.kafka

ROUNDS = 6
FOURTH = bearer(Role.REVIEWER, sub="reviewer-4")


# --- 三审: the review queue ---------------------------------------------------------------------


@pytest_asyncio.fixture
async def publishing(
    kafka_bootstrap: str, topics: Topics, database_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    settings = settings_for(PublishingSettings, kafka_bootstrap, topics, database_url)
    async with in_process(publishing_app, settings) as running:
        yield running


async def _queued(
    client: httpx.AsyncClient,
    producer: RawProducer,
    topics: Topics,
    rounds: int,
    body: str = "小区车位怎么收费？",
) -> list[str]:
    """``rounds`` consented letters answered, each waiting for review; their review ids."""
    letters = [support.letter("人防车位", body) for _ in range(rounds)]
    await producer.send_payloads(
        topics.case_events, [e for letter in letters for e in (letter, *support.handled(letter, "答复"))]
    )
    return [(await waiting_review(client, letter.case_id))["id"] for letter in letters]


async def _decide(
    client: httpx.AsyncClient, review_id: str, *calls: tuple[str, dict[str, Any], dict[str, str]]
) -> list[int]:
    """The calls at the same moment; their statuses."""
    responses = await asyncio.gather(
        *(
            client.post(f"/api/v1/reviews/{review_id}/{verb}", json=body, headers=who)
            for verb, body, who in calls
        )
    )
    return [r.status_code for r in responses]


async def test_the_last_two_approvals_at_once_publish_exactly_once(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, runtime = publishing
    for review_id in await _queued(client, producer, topics, ROUNDS):
        assert (await _decide(client, review_id, ("approve", {}, REVIEWERS[0]))) == [200]
        statuses = await _decide(
            client, review_id, ("approve", {}, REVIEWERS[1]), ("approve", {}, REVIEWERS[2])
        )
        assert statuses == [200, 200], "both approvals count: neither is refused"
        item = (
            await client.get("/api/v1/reviews", params={"status": "published"}, headers=REVIEWERS[0])
        ).json()
        assert review_id in {i["id"] for i in item}, "three approvals, published — never stuck at two"
    assert await count_rows(runtime, PublishedReply) == ROUNDS


async def test_an_approval_and_a_rejection_at_once_have_one_outcome(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, runtime = publishing
    outcomes = []
    for review_id in await _queued(client, producer, topics, ROUNDS):
        for reviewer in REVIEWERS[:2]:
            assert (await _decide(client, review_id, ("approve", {}, reviewer))) == [200]
        statuses = await _decide(
            client, review_id, ("approve", {}, REVIEWERS[2]), ("reject", {"reason": "收费依据写错了"}, FOURTH)
        )
        assert sorted(statuses) == [200, 409], statuses
        published = (
            await client.get("/api/v1/reviews", params={"status": "published"}, headers=FOURTH)
        ).json()
        rejected = (await client.get("/api/v1/reviews", params={"status": "rejected"}, headers=FOURTH)).json()
        state = (review_id in {i["id"] for i in published}, review_id in {i["id"] for i in rejected})
        assert state in ((True, False), (False, True)), f"one outcome, never both: {state}"
        outcomes.append("published" if state[0] else "rejected")
    assert await count_rows(runtime, PublishedReply) == outcomes.count("published")


async def test_masking_more_and_the_final_approval_at_once_never_publish_what_was_masked(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, runtime = publishing
    ids = await _queued(client, producer, topics, ROUNDS, body="我的邻居小芳也想知道车位怎么收费。")
    for review_id in ids:
        assert (await _decide(client, review_id, ("approve", {}, REVIEWERS[0]))) == [200]
        statuses = await _decide(
            client, review_id, ("approve", {"mask": ["小芳"]}, REVIEWERS[1]), ("approve", {}, REVIEWERS[2])
        )
        assert statuses == [200, 200]
    async with runtime.database.session() as session:
        published = (await session.exec(select(PublishedReply))).all()
    assert len(published) == ROUNDS
    assert all("小芳" not in row.question for row in published), "a mask made at the last moment holds"


# --- routing: a reply and a return --------------------------------------------------------------


async def test_a_reply_and_a_return_at_once_have_one_outcome(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    settings = settings_for(RoutingSettings, kafka_bootstrap, topics, database_url)
    handler = bearer(Role.HANDLER, department="command-comms")
    async with in_process(routing_app, settings) as (client, _):
        letters = [support.letter("防空警报", "警报试鸣声音太小", mailbox="director") for _ in range(ROUNDS)]
        await producer.send_payloads(topics.case_events, letters)
        for letter in letters:
            await case_events.wait_for_event(str(letter.case_id), "case.assigned")
            url = f"/api/v1/cases/{letter.case_id}"
            reply, returned = await asyncio.gather(
                client.post(f"{url}/reply", json={"text": "已安排检修。"}, headers=handler),
                client.post(f"{url}/return", json={"reason": "不属本处"}, headers=handler),
            )
            # The loser is refused: 409 (the case moved on) or 403 (it is another department's now).
            statuses = sorted([reply.status_code, returned.status_code])
            assert statuses in ([200, 403], [200, 409]), (reply.text, returned.text)
            task = (await client.get(url, headers=handler)).json() if reply.status_code == 200 else None
            if task is not None:
                assert task["task"]["state"] == "replied"
            else:
                again = await client.post(f"{url}/reply", json={"text": "迟到的答复"}, headers=handler)
                assert again.status_code == 403, "returned: the department answers it no more"


async def test_a_deadline_and_a_reply_at_once_leave_the_task_as_a_replay_would(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    """Tracking's word on the due date reaches routing while a handler replies: whichever transaction
    comes second reads what the first wrote (the task is held), so the task keeps the reply's state and
    the deadline's date, and its time is its latest event's — what a replay of the log rebuilds."""
    settings = settings_for(RoutingSettings, kafka_bootstrap, topics, database_url)
    handler = bearer(Role.HANDLER, department="command-comms")
    async with in_process(routing_app, settings) as (client, runtime):
        letters = [
            support.letter("防空警报", "警报试鸣声音太小", mailbox="director") for _ in range(ROUNDS * 2)
        ]
        await producer.send_payloads(topics.case_events, letters)
        for n, letter in enumerate(letters):
            await case_events.wait_for_event(str(letter.case_id), "case.assigned")
            due = date(2027, 1, 4) + timedelta(days=n)
            deadline = DeadlineSet(
                case_id=letter.case_id,
                clock=ClockKind.REPLY,
                due_date=due,
                provisional=False,
                cause="case.assigned",
                note="自转办之日起5个工作日",
            )
            reply, _ = await asyncio.gather(
                client.post(
                    f"/api/v1/cases/{letter.case_id}/reply", json={"text": "已安排检修。"}, headers=handler
                ),
                producer.send_payloads(topics.case_events, [deadline]),
            )
            assert reply.status_code == 200, reply.text
            (replied,) = await case_events.wait_for_event(str(letter.case_id), "case.replied")
            (set_,) = await case_events.wait_for_event(str(letter.case_id), "deadline.set")

            async def both_applied(case: SubmissionReceived = letter, day: date = due) -> Task | None:
                async with runtime.database.session() as session:
                    task = await session.get(Task, str(case.case_id))
                return task if task is not None and task.due_date == day else None

            task = await eventually(both_applied, "the deadline applied to the task")
            assert task.state == "replied", "the reply is not undone by the deadline's copy of the task"
            assert task.updated_at == max(replied.time, set_.time), "its time is its latest event's"


# --- tracking: a reply against a recount and against the due check ---------------------------------


async def _replied_cases(
    client: httpx.AsyncClient, producer: RawProducer, topics: Topics, case_events: TopicReader, received: date
) -> list[SubmissionReceived]:
    letters = [support.letter("咨询", "人防车位", on=received) for _ in range(ROUNDS * 3)]
    await producer.send_payloads(
        topics.case_events, [support.assigned(case, reason="规则") for case in letters]
    )
    for letter in letters:
        await case_events.wait_for_event(str(letter.case_id), "deadline.set", count=2)
    return letters


async def _states(runtime: ServiceRuntime, cases: list[SubmissionReceived]) -> dict[UUID, str]:
    async with runtime.database.session() as session:
        clocks = (await session.exec(select(Clock).where(Clock.kind == ClockKind.REPLY.value))).all()
    return {UUID(c.case_id): c.state for c in clocks if UUID(c.case_id) in {x.case_id for x in cases}}


def _reply(letter: SubmissionReceived, on: date) -> CaseReplied:
    return support.replied(letter, "已答复", on=on)


async def test_a_reply_is_never_undone_by_a_calendar_recount_running_at_the_same_moment(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    admin = bearer(Role.ADMIN)
    received = date(2026, 12, 21)  # the reply clocks reach into 2027
    async with in_process(tracking_app, settings) as (client, runtime):
        letters = await _replied_cases(client, producer, topics, case_events, received)

        async def notices() -> None:
            for n in range(4):  # the year announced, corrected, corrected again…
                body = {
                    "holidays": ["2027-01-01", f"2027-01-0{4 + n}"],
                    "extra_workdays": [],
                    "status": "announced",
                }
                assert (
                    await client.put("/api/v1/calendar/2027", json=body, headers=admin)
                ).status_code == 200

        await asyncio.gather(
            notices(),
            producer.send_payloads(
                topics.case_events, [_reply(case, received + timedelta(days=3)) for case in letters]
            ),
        )

        async def all_stopped() -> dict[UUID, str] | None:
            states = await _states(runtime, letters)
            return states if set(states.values()) == {ClockState.STOPPED.value} else None

        await eventually(all_stopped, "every replied clock stopped, whatever the recounts did")
        await case_events.settle(1.0)
        assert set((await _states(runtime, letters)).values()) == {ClockState.STOPPED.value}


async def test_a_reply_is_never_undone_by_the_due_check_running_at_the_same_moment(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    settings = settings_for(TrackingSettings, kafka_bootstrap, topics, database_url, alarm_check_seconds=3600)
    received = date(2026, 11, 2)  # overdue by the day the check counts from
    check_day = date(2026, 11, 25)
    async with in_process(tracking_app, settings) as (client, runtime):
        letters = await _replied_cases(client, producer, topics, case_events, received)
        calendar = default_calendar()
        replies_sent = asyncio.Event()

        async def checks() -> None:
            """The due check, again and again, until every reply is in (none left running)."""
            while True:
                await alarms.raise_alarms(runtime, calendar, on=check_day)
                states = await _states(runtime, letters)
                if replies_sent.is_set() and ClockState.RUNNING.value not in states.values():
                    return

        async def replies() -> None:
            await producer.send_payloads(
                topics.case_events, [_reply(case, received + timedelta(days=3)) for case in letters]
            )
            replies_sent.set()

        await asyncio.wait_for(asyncio.gather(checks(), replies()), timeout=120)

        async def all_stopped() -> dict[UUID, str] | None:
            states = await _states(runtime, letters)
            return states if set(states.values()) == {ClockState.STOPPED.value} else None

        await eventually(all_stopped, "every replied clock stopped, whatever the due check did")
