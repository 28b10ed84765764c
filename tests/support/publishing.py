"""Driving the publishing service through its API in tests: 三审 (review by three distinct reviewers),
consultations opened and closed by an admin, and adoption reports compiled and published."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx

from shared.codes import Role
from shared.dates import today
from shared.events import CaseReplied, EventPayload, SubmissionReceived
from shared.topics import Topics
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.services import bearer
from tests.support.state import lag

__all__ = [
    "ADMIN",
    "REVIEWERS",
    "approve_by_three",
    "close_consultation",
    "compiled_report",
    "open_consultation",
    "publish_adoption_report",
    "publish_replies",
    "waiting_review",
]

ADMIN = bearer(Role.ADMIN)
REVIEWERS = [bearer(Role.REVIEWER, sub=f"reviewer-{n}") for n in (1, 2, 3)]


# --- 三审 ---------------------------------------------------------------------------------------


async def waiting_review(client: httpx.AsyncClient, subject_id: UUID | str) -> dict[str, Any]:
    """The review item for a case or consultation, once it is in the queue."""

    async def queued() -> dict[str, Any] | None:
        items: list[dict[str, Any]] = (await client.get("/api/v1/reviews", headers=REVIEWERS[0])).json()
        return next((i for i in items if i["subject_id"] == str(subject_id)), None)

    return await eventually(queued, f"a review item for {subject_id}")


async def approve_by_three(client: httpx.AsyncClient, review_id: str) -> dict[str, Any]:
    """Each of the three reviewers approves; the review item as the last approval left it."""
    body: dict[str, Any] = {}
    for reviewer in REVIEWERS:
        response = await client.post(f"/api/v1/reviews/{review_id}/approve", headers=reviewer)
        assert response.status_code == 200, response.text
        body = response.json()
    return body


async def publish_replies(
    client: httpx.AsyncClient, producer: RawProducer, topics: Topics, events: Sequence[EventPayload]
) -> None:
    """Send ``events``, then approve every reply among them by three, one case at a time in the order
    they were replied: the publication order is the listing order."""
    await producer.send_payloads(topics.case_events, events)
    for case_id in dict.fromkeys(e.case_id for e in events if isinstance(e, CaseReplied)):
        await approve_by_three(client, (await waiting_review(client, case_id))["id"])


# --- consultations ----------------------------------------------------------------------------


async def open_consultation(
    client: httpx.AsyncClient,
    *,
    title: str = "人防工程平时使用管理办法（征求意见稿）",
    summary: str = "规范人防工程平时使用。",
    draft_text: str | None = "第五条　人防工程平时使用应当保证战时功能。",
    draft_url: str | None = None,
) -> str:
    """An admin opens a consultation today for 30 days; its id."""
    body: dict[str, Any] = {
        "title": title,
        "summary": summary,
        "opens_on": str(today()),
        "closes_on": str(today() + timedelta(days=30)),
    }
    if draft_text is not None:
        body["draft_text"] = draft_text
    if draft_url is not None:
        body["draft_url"] = draft_url
    response = await client.post("/api/v1/consultations", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    consultation_id: str = response.json()["id"]
    return consultation_id


async def close_consultation(client: httpx.AsyncClient, consultation_id: str) -> None:
    closed = await client.post(
        f"/api/v1/consultations/{consultation_id}/close", json={"reason": "提前截止（测试）"}, headers=ADMIN
    )
    assert closed.status_code == 200, closed.text


async def compiled_report(client: httpx.AsyncClient, consultation_id: str, what: str) -> dict[str, Any]:
    """The review item of the adoption report, once every comment is decided and it compiles."""

    async def compiled() -> dict[str, Any] | None:
        response = await client.post(
            f"/api/v1/consultations/{consultation_id}/adoption-report", headers=ADMIN
        )
        return response.json() if response.status_code == 201 else None

    return await eventually(compiled, what)


async def publish_adoption_report(
    client: httpx.AsyncClient,
    producer: RawProducer,
    topics: Topics,
    consultation_id: str,
    comments: Sequence[SubmissionReceived],
    decisions: Sequence[CaseReplied],
    *,
    what: str = "every comment decided and the report compiled",
) -> dict[str, Any]:
    """The comments arrive, the consultation closes, the decisions arrive, the report is compiled and
    approved by three reviewers; the review item as the last approval left it."""
    await producer.send_payloads(topics.case_events, comments)
    # Publishing has them all before the close: a report compiled earlier would leave them out.

    async def comments_in() -> bool:
        return await lag(producer.bootstrap_servers, f"{topics.prefix}publishing", topics.case_events) == 0

    await eventually(comments_in, "publishing to take in every comment")
    await close_consultation(client, consultation_id)
    await producer.send_payloads(topics.case_events, decisions)
    review = await compiled_report(client, consultation_id, what)
    return await approve_by_three(client, review["id"])
