"""Every reading of a case's personal data by staff is kept — who, when, which case — for an admin."""

from __future__ import annotations

import httpx
import pytest

from shared.codes import Role
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support import events as support
from tests.support.kafka import RawProducer, TopicReader
from tests.support.services import assert_error, bearer

pytestmark = pytest.mark.kafka

ADMIN = bearer(Role.ADMIN)


async def test_staff_reading_a_case_is_recorded_and_an_admin_lists_it(
    routing: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = routing
    letter = support.letter("人防车位", "我是李雷，电话13811112222", mailbox="civil-air-defence")
    await producer.send_payloads(topics.case_events, [letter])
    await case_events.wait_for_event(str(letter.case_id), "case.assigned")
    handler = bearer(Role.HANDLER, department="engineering", sub="li-si")
    assert (await client.get("/api/v1/tasks", headers=handler)).status_code == 200
    assert (await client.get(f"/api/v1/cases/{letter.case_id}", headers=handler)).status_code == 200
    other = bearer(Role.HANDLER, department="policy", sub="sun-ba")
    assert (await client.get(f"/api/v1/cases/{letter.case_id}", headers=other)).status_code == 403

    assert_error(await client.get("/api/v1/access-log", headers=handler), 403, "forbidden")
    log = (
        await client.get("/api/v1/access-log", params={"case_id": str(letter.case_id)}, headers=ADMIN)
    ).json()
    assert [(e["actor_id"], e["what"]) for e in log] == [("li-si", "case"), ("li-si", "inbox")]
    assert all(e["case_id"] == str(letter.case_id) for e in log)
    assert "sun-ba" not in {e["actor_id"] for e in log}, "a refused reading read nothing"
    mine = (await client.get("/api/v1/access-log", params={"actor": "li-si"}, headers=ADMIN)).json()
    assert len(mine) == 2
