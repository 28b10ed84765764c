"""A comment is judged by when it arrived, not by when intake heard of the close: publishing closes a
consultation at an instant, the event reaches intake a little later, and every comment intake accepted
in between is taken back (不予受理, ``submission.refused``) with the reason on the citizen's page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest

from services.intake.db import Submission
from shared.dates import today
from shared.events import ConsultationClosed
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support import events as support
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually
from tests.support.services import assert_error

pytestmark = pytest.mark.kafka


async def _open(producer: RawProducer, topics: Topics) -> str:
    opened = support.consultation_opened()
    await producer.send_payloads(topics.consultation_events, [opened])
    return str(opened.consultation_id)


async def _comment(client: httpx.AsyncClient, consultation_id: str, body: str) -> dict[str, str]:
    url = f"/api/v1/consultations/{consultation_id}/comments"

    async def accepted() -> dict[str, str] | None:
        response = await client.post(url, json={"body": body})
        return response.json() if response.status_code == 201 else None

    return await eventually(accepted, "intake to take comments on the consultation")


async def _received_at(runtime: ServiceRuntime, case_id: str) -> datetime:
    async with runtime.database.session() as session:
        submission = await session.get(Submission, case_id)
    assert submission is not None
    return submission.received_at


async def test_a_comment_received_after_the_close_is_refused_by_its_time_stamp(
    intake: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, runtime = intake
    consultation_id = await _open(producer, topics)
    other_id = await _open(producer, topics)
    in_time = await _comment(client, consultation_id, "建议明确人防车位的收费标准。")
    late = await _comment(client, consultation_id, "建议增加维护资金的公示。")
    elsewhere = await _comment(client, other_id, "另一项征集的意见。")

    # Publishing closed it between the two comments; intake hears of it only now.
    closed_at = (
        await _received_at(runtime, in_time["case_id"])
        + (await _received_at(runtime, late["case_id"]) - await _received_at(runtime, in_time["case_id"])) / 2
    )
    close = ConsultationClosed(consultation_id=UUID(consultation_id), closed_on=today(), closed_at=closed_at)
    await producer.send_payloads(topics.consultation_events, [close, close])  # delivered twice

    (refused,) = await case_events.wait_for_event(late["case_id"], "submission.refused")
    assert "不纳入本次意见征集" in refused.data["reason"]
    assert refused.data["refused_on"] == today().isoformat()

    page = (await client.get(f"/api/v1/cases/{late['tracking_code']}")).json()
    assert page["status"] == "refused"
    assert page["due_date"] is None
    assert page["timeline"][-1]["title"] == "未予受理"
    assert page["timeline"][-1]["detail"] == refused.data["reason"]
    assert (await client.get(f"/api/v1/cases/{in_time['tracking_code']}")).json()["status"] == "received"
    assert (await client.get(f"/api/v1/cases/{elsewhere['tracking_code']}")).json()["status"] == "received"

    after = await client.post(f"/api/v1/consultations/{consultation_id}/comments", json={"body": "又一条"})
    assert_error(after, 409, "conflict")

    # A marker behind the second delivery: once it is applied, the second close has been too.
    marker = await _open(producer, topics)
    await _comment(client, marker, "标记")
    assert len(case_events.events(late["case_id"])) == 2, "received, then refused once"
    for comment in (in_time, elsewhere):
        assert [e.type for e in case_events.events(comment["case_id"])] == ["submission.received"]


async def test_a_supplement_or_rating_is_refused_once_the_comment_was(
    intake: tuple[httpx.AsyncClient, ServiceRuntime],
    producer: RawProducer,
    topics: Topics,
    case_events: TopicReader,
) -> None:
    client, _ = intake
    consultation_id = await _open(producer, topics)
    late = await _comment(client, consultation_id, "截止后的意见。")
    close = ConsultationClosed(
        consultation_id=UUID(consultation_id),
        closed_on=today(),
        closed_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    await producer.send_payloads(topics.consultation_events, [close])
    await case_events.wait_for_event(late["case_id"], "submission.refused")

    async def refused() -> bool:
        status: str = (await client.get(f"/api/v1/cases/{late['tracking_code']}")).json()["status"]
        return status == "refused"

    await eventually(refused, "the citizen view to say refused")
    supplement = await client.post(f"/api/v1/cases/{late['tracking_code']}/supplement", json={"text": "补充"})
    assert_error(supplement, 409, "conflict")
