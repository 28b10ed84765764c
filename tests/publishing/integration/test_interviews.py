"""Online interviews (在线访谈) from the schedule to the citizen told, on the real broker and each
database: publishing and intake in-process side by side, each with its own database.

An admin schedules (publishing announces it); a citizen sends questions through intake with a tracking
code; moderators select, group and answer them, and close the interview; the transcript goes through
三审, masked; once published it is public with its figures — and never a question nobody selected —
``interview.transcript_published`` names the selected askers' cases, and each asker's tracking page
says what became of the question."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.intake.app import create_app as create_intake
from services.intake.config import IntakeSettings
from services.publishing.app import create_app as create_publishing
from services.publishing.config import PublishingSettings
from shared.codes import Role
from shared.topics import Topics
from tests.support.databases import Databases
from tests.support.interviews import schedule
from tests.support.kafka import TopicReader
from tests.support.polling import eventually
from tests.support.publishing import ADMIN, approve_by_three, waiting_review
from tests.support.services import assert_error, bearer, in_process, settings_for

pytestmark = pytest.mark.kafka

MODERATOR = bearer(Role.MODERATOR, sub="moderator-1")
REVIEWER = bearer(Role.REVIEWER, sub="reviewer-9")


@pytest_asyncio.fixture
async def both(
    kafka_bootstrap: str, topics: Topics, databases: Databases
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    intake_settings = settings_for(IntakeSettings, kafka_bootstrap, topics, await databases.new("intake"))
    publishing_settings = settings_for(
        PublishingSettings, kafka_bootstrap, topics, await databases.new("publishing")
    )
    async with (
        in_process(create_intake, intake_settings) as (intake, _),
        in_process(create_publishing, publishing_settings) as (publishing, _),
    ):
        yield intake, publishing


@pytest_asyncio.fixture
async def participation_events(kafka_bootstrap: str, topics: Topics) -> AsyncIterator[TopicReader]:
    reader = await TopicReader(kafka_bootstrap, topics.consultation_events).start()
    yield reader
    await reader.stop()


async def ask(intake: httpx.AsyncClient, interview_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A question, once intake has heard of the interview."""

    async def accepted() -> dict[str, Any] | None:
        response = await intake.post(f"/api/v1/interviews/{interview_id}/questions", json=body)
        return response.json() if response.status_code == 201 else None

    return await eventually(accepted, "intake to take questions for the interview")


async def test_an_interview_from_its_schedule_to_the_askers_told(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
    participation_events: TopicReader,
) -> None:
    intake, publishing = both
    assert_error(
        await publishing.post("/api/v1/interviews", json=schedule(), headers=MODERATOR), 403, "forbidden"
    )
    scheduled = await publishing.post("/api/v1/interviews", json=schedule(), headers=ADMIN)
    assert scheduled.status_code == 201, scheduled.text
    interview_id = scheduled.json()["id"]
    await participation_events.wait_for_event(interview_id, "interview.scheduled")

    chosen = await ask(
        intake,
        interview_id,
        {
            "body": "我是王建华，电话13912345678。小区人防工程能否平时用作停车场？",
            "contact": {"name": "王建华", "phone": "13912345678"},
        },
    )
    left_out = await ask(intake, interview_id, {"body": "另一个问题：这次访谈有录像吗？"})
    assert chosen["tracking_code"] != left_out["tracking_code"]

    async def both_questions() -> list[dict[str, Any]] | None:
        response = await publishing.get(f"/api/v1/interviews/{interview_id}/questions", headers=MODERATOR)
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()
        return found if len(found) == 2 else None

    questions = {
        q["case_id"]: q for q in await eventually(both_questions, "publishing to take up both questions")
    }
    assert questions[chosen["case_id"]]["asker_name"] == "王建华"
    assert_error(await publishing.get(f"/api/v1/interviews/{interview_id}/questions"), 401, "unauthorized")
    assert_error(
        await publishing.get(f"/api/v1/interviews/{interview_id}/questions", headers=REVIEWER),
        403,
        "forbidden",
    )

    base = f"/api/v1/interviews/{interview_id}"
    selecting = await publishing.post(
        f"{base}/questions/{chosen['case_id']}/moderation",
        json={"selected": True, "group": "平时使用"},
        headers=MODERATOR,
    )
    assert selecting.status_code == 200, selecting.text
    unselected = await publishing.post(
        f"{base}/questions/{left_out['case_id']}/answer", json={"answer": "有。"}, headers=MODERATOR
    )
    assert_error(unselected, 409, "conflict")
    answered = await publishing.post(
        f"{base}/questions/{chosen['case_id']}/answer",
        json={"answer": "王建华您好：经备案后可以平时用作停车场，须保证战时功能。"},
        headers=MODERATOR,
    )
    assert answered.json()["figures"] == {"received": 2, "selected": 1, "answered": 1}
    assert_error(await publishing.post(f"{base}/transcript", headers=MODERATOR), 409, "conflict")

    closed = await publishing.post(f"{base}/close", headers=MODERATOR)
    assert closed.json()["status"] == "closed"
    await participation_events.wait_for_event(interview_id, "interview.closed")

    async def refused_now() -> bool:
        response = await intake.post(f"{base}/questions", json={"body": "来晚的问题"})
        return response.status_code == 409

    await eventually(refused_now, "intake to take no more questions once the interview closed")

    sent = await publishing.post(f"{base}/transcript", headers=MODERATOR)
    assert sent.status_code == 201, sent.text
    review = await waiting_review(publishing, interview_id)
    assert review["kind"] == "interview_transcript"
    assert "王建华" not in str(review["content"])
    assert "13912345678" not in str(review["content"])
    assert_error(await publishing.get(f"{base}/transcript"), 404, "not_found")
    await approve_by_three(publishing, review["id"])

    (published,) = await participation_events.wait_for_event(interview_id, "interview.transcript_published")
    assert published.data["selected"] == [chosen["case_id"]]
    assert (published.data["received"], published.data["answered"]) == (2, 1)

    transcript = (await publishing.get(f"{base}/transcript")).json()
    text = str(transcript)
    assert "王建华" not in text
    assert "13912345678" not in text
    assert "这次访谈有录像吗" not in text, "a question nobody selected is never public"
    (group,) = transcript["groups"]
    assert group["name"] == "平时使用"
    assert group["questions"][0]["asker"] == "王*华"
    assert transcript["figures"] == {"received": 2, "selected": 1, "answered": 1}
    listed = (await publishing.get("/api/v1/interviews")).json()
    assert [(i["id"], i["published"], i["figures"]["received"]) for i in listed] == [(interview_id, True, 2)]
    assert "这次访谈有录像吗" not in str(listed)

    async def told(code: str, status: str) -> bool:
        found: str = (await intake.get(f"/api/v1/cases/{code}")).json()["status"]
        return found == status

    await eventually(lambda: told(chosen["tracking_code"], "answered"), "the selected asker's page")
    await eventually(lambda: told(left_out["tracking_code"], "not_selected"), "the other asker's page")
