"""Several third parties consulted at once (OGI Art. 32), on the real broker: each numbered, the one
that answered named, and the case back in the department's hands when the last one answers or its
days pass unanswered (as tracking's red card for that party's clock says)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from shared.codes import ClockKind
from shared.events import DeadlineBreached
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.routing.integration.test_handler_actions import OPEN_GOVERNMENT, arrive, disclosure, post
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import assert_error

pytestmark = pytest.mark.kafka


async def test_several_third_parties_each_named_and_the_case_goes_on_after_the_last(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = routing
    submission = disclosure()
    case_id = str(submission.case_id)
    url = await arrive(client, producer, topics, submission, OPEN_GOVERNMENT)
    for party in ("某建设公司", "某设计院", "某监理公司"):
        consulted = await post(client, f"{url}/consult-third-party", {"party": party}, OPEN_GOVERNMENT)
        assert consulted.json()["state"] == "third_party_consulted"
    events = await case_events.wait_for_event(case_id, "third_party.consulted", count=3)
    assert [e.data["party_id"] for e in events] == ["1", "2", "3"]
    task = (await client.get(url, headers=OPEN_GOVERNMENT)).json()["task"]
    assert task["third_parties"] == {"1": "waiting", "2": "waiting", "3": "waiting"}

    unnamed = await post(client, f"{url}/third-party-replied", {"note": "同意"}, OPEN_GOVERNMENT)
    assert_error(unnamed, 422, "validation_error", "party_id")
    answered = await post(client, f"{url}/third-party-replied", {"party_id": "2"}, OPEN_GOVERNMENT)
    assert answered.json()["state"] == "third_party_consulted"  # 1 and 3 are still waited for
    (reply_event,) = await case_events.wait_for_event(case_id, "third_party.replied")
    assert reply_event.data["party_id"] == "2"
    again = await post(client, f"{url}/third-party-replied", {"party_id": "2"}, OPEN_GOVERNMENT)
    assert_error(again, 422, "validation_error", "party_id")

    # Party 1's 15 working days pass unanswered: tracking's red card for its clock.
    due = date(2026, 12, 31)
    card = DeadlineBreached(
        case_id=submission.case_id, clock=ClockKind.THIRD_PARTY, due_date=due, party_id="1"
    )
    await producer.send_payloads(topics.case_events, [card], source="/civic/tracking")

    async def lapsed() -> dict[str, str] | None:
        parties: dict[str, str] = (await client.get(url, headers=OPEN_GOVERNMENT)).json()["task"][
            "third_parties"
        ]
        return parties if parties["1"] == "lapsed" else None

    assert await eventually(lapsed, "party 1 lapsed") == {"1": "lapsed", "2": "answered", "3": "waiting"}
    detail = (await client.get(url, headers=OPEN_GOVERNMENT)).json()
    assert detail["task"]["state"] == "third_party_consulted"  # party 3 is within its days
    assert any(
        "第三方1逾期未答复" in line["summary"] and "第三十二条" in line["summary"]
        for line in detail["history"]
    )

    last = await post(client, f"{url}/third-party-replied", {"note": "不同意公开"}, OPEN_GOVERNMENT)
    assert last.json()["state"] == "accepted"  # the only one still waited for: no need to name it


async def test_the_case_goes_on_by_itself_when_the_last_partys_days_pass(
    routing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, _ = routing
    submission = disclosure()
    url = await arrive(client, producer, topics, submission, OPEN_GOVERNMENT)
    await post(client, f"{url}/consult-third-party", {"party": "某建设公司"}, OPEN_GOVERNMENT)
    card = DeadlineBreached(
        case_id=submission.case_id, clock=ClockKind.THIRD_PARTY, due_date=date(2026, 12, 31), party_id="1"
    )
    await producer.send_payloads(topics.case_events, [card], source="/civic/tracking")

    async def back_in_hand() -> bool:
        return bool((await client.get(url, headers=OPEN_GOVERNMENT)).json()["task"]["state"] == "accepted")

    await eventually(back_in_hand, "the case out of third_party_consulted once its only party lapsed")
    replied = await post(
        client, f"{url}/reply", {"text": "经审查，予以公开。", "outcome": "disclosed"}, OPEN_GOVERNMENT
    )
    assert replied.status_code == 200
