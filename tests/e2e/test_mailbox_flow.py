"""End to end: the four services as real processes on the real broker.

A citizen writes to a mailbox; routing assigns the letter; tracking sets the reply deadline; the
handler replies; the citizen sees the reply; publishing publishes it with personal data masked.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from deploy.kafka.local import create_topics, free_port
from deploy.processes import ServiceProcess, start_services, stop_services
from shared.codes import Role
from shared.sealing import SEALED
from shared.topics import Topics
from tests.support.kafka import TopicReader
from tests.support.polling import eventually
from tests.support.services import JWT_SECRET, bearer

REVIEWERS = [bearer(Role.REVIEWER, sub=f"reviewer-{n}") for n in (1, 2, 3)]

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]


@pytest_asyncio.fixture
async def system(
    kafka_bootstrap: str, tmp_path: Path
) -> AsyncIterator[tuple[dict[str, ServiceProcess], Topics]]:
    topics = Topics(f"e2e{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    ports = {name: free_port() for name in ("intake", "routing", "tracking", "publishing")}
    services = start_services(
        bootstrap_servers=kafka_bootstrap,
        data_dir=tmp_path,
        ports=ports,
        topic_prefix=topics.prefix,
        extra_env={"CIVIC_JWT_SECRET": JWT_SECRET, "CIVIC_ENV": "test"},
    )
    try:
        await asyncio.gather(*(s.wait_healthy(timeout=90) for s in services))
        yield {s.name: s for s in services}, topics
    except BaseException:
        for service in services:
            print(f"----- {service.name} -----\n{service.log_tail(200)}")
        raise
    finally:
        stop_services(services)


async def test_a_letter_goes_from_the_citizen_to_a_published_masked_reply(
    system: tuple[dict[str, ServiceProcess], Topics], kafka_bootstrap: str
) -> None:
    services, topics = system
    intake, routing, tracking, publishing = (
        services[n].url for n in ("intake", "routing", "tracking", "publishing")
    )
    events = await TopicReader(kafka_bootstrap, topics.case_events).start()
    try:
        async with httpx.AsyncClient(timeout=15) as http:
            # 1. The citizen writes.
            response = await http.post(
                f"{intake}/api/v1/mailbox-messages",
                json={
                    "mailbox": "civil-air-defence",
                    "category": "咨询",
                    "subject": "小区人防工程能否作为停车场",
                    "body": "我是赵六一，住在历下区，电话 139-0531-2468。请问小区地下人防工程平时能否停车？",
                    "contact": {"name": "赵六一", "phone": "13905312468"},
                    "publish_consent": True,
                },
            )
            assert response.status_code == 201, response.text
            receipt = response.json()
            case_id, code = receipt["case_id"], receipt["tracking_code"]

            async def view() -> dict[str, Any]:
                result: dict[str, Any] = (await http.get(f"{intake}/api/v1/cases/{code}")).json()
                return result

            # 2. Routing assigns it; tracking sets the reply clock.
            await events.wait_for_event(case_id, "submission.received")
            (assigned,) = await events.wait_for_event(case_id, "case.assigned")
            assert assigned.data["department_id"] == "engineering"
            assert assigned.data["rule_id"] == "engineering-mailbox"
            (deadline,) = await events.wait_for_event(
                case_id, "deadline.set", where=lambda e: e.data["clock"] == "reply"
            )
            (window,) = await events.wait_for_event(
                case_id, "deadline.set", where=lambda e: e.data["clock"] == "return_window"
            )
            assert window.data["due_date"] < deadline.data["due_date"], "2 working days to return, 5 to reply"

            async def assigned_with_due_date() -> dict[str, Any] | None:
                current = await view()
                return current if current["due_date"] else None

            citizen = await eventually(assigned_with_due_date, "the citizen to see department and due date")
            assert citizen["status"] == "assigned"
            assert citizen["department"] == "人防工程管理处"
            assert citizen["due_date"] == deadline.data["due_date"]
            assert citizen["reply"] is None

            # 3. The handler finds it in the department inbox and replies.
            handler = bearer(Role.HANDLER, department="engineering", sub="handler-li")

            async def in_inbox() -> list[dict[str, Any]]:
                tasks: list[dict[str, Any]] = (
                    await http.get(f"{routing}/api/v1/tasks", headers=handler)
                ).json()
                return [t for t in tasks if t["case_id"] == case_id and t["due_date"]]

            (task,) = await eventually(in_inbox, "the task with its due date in the inbox")
            assert task["due_date"] == deadline.data["due_date"]
            other = bearer(Role.HANDLER, department="policy")
            refused = await http.post(
                f"{routing}/api/v1/cases/{case_id}/reply", json={"text": "x"}, headers=other
            )
            assert refused.status_code == 403
            reply_text = "赵六一您好：经核实，人防工程平时可依法用于停车，详询0531-86001234。"
            replied = await http.post(
                f"{routing}/api/v1/cases/{case_id}/reply", json={"text": reply_text}, headers=handler
            )
            assert replied.status_code == 200, replied.text

            # 4. The citizen reads the reply; the clock stops; publishing publishes it masked.
            (replied_event,) = await events.wait_for_event(case_id, "case.replied")
            # On the wire the reply travels sealed with the case's key (it quotes the writer).
            assert replied_event.data["text"] == SEALED
            assert replied_event.personaldata is not None
            assert reply_text.encode() not in replied_event.model_dump_json().encode()

            async def reply_visible() -> dict[str, Any] | None:
                current = await view()
                return current if current["status"] == "replied" else None

            citizen = await eventually(reply_visible, "the citizen to see the reply")
            assert citizen["reply"] == reply_text
            assert "handler-li" not in str(citizen)

            # 5. Three reviewers (三审) read the masked version and approve it; only then is it public.
            async def in_review() -> list[dict[str, Any]]:
                items: list[dict[str, Any]] = (
                    await http.get(f"{publishing}/api/v1/reviews", headers=REVIEWERS[0])
                ).json()
                return [i for i in items if i["subject_id"] == case_id]

            (review,) = await eventually(in_review, "the reply in the review queue")
            assert "赵六一" not in str(review["content"])
            assert (await http.get(f"{publishing}/api/v1/replies")).json()["total"] == 0
            for reviewer in REVIEWERS:
                approved = await http.post(
                    f"{publishing}/api/v1/reviews/{review['id']}/approve", headers=reviewer
                )
                assert approved.status_code == 200, approved.text
            assert approved.json()["status"] == "published"
            (published,) = await events.wait_for_event(case_id, "case.published")

            async def published_reply() -> list[dict[str, Any]]:
                page = (await http.get(f"{publishing}/api/v1/replies")).json()
                return [item for item in page["items"] if item["id"] == published.data["publication_id"]]

            (item,) = await eventually(published_reply, "the published reply")
            assert (
                item["question"]
                == "我是赵*一，住在历下区，电话 139****2468。请问小区地下人防工程平时能否停车？"
            )
            assert item["reply"] == "赵*一您好：经核实，人防工程平时可依法用于停车，详询0531-******34。"
            assert item["department"] == "人防工程管理处"

            async def clock_stopped() -> dict[str, Any] | None:
                body = (
                    await http.get(f"{tracking}/api/v1/cases/{case_id}/deadlines", headers=handler)
                ).json()
                return body if all(c["state"] == "stopped" for c in body["clocks"]) else None

            await eventually(clock_stopped, "the reply clock to stop")

            async def timeline_complete() -> dict[str, Any] | None:
                current = await view()
                return current if current["timeline"][-1]["event"] == "case.published" else None

            citizen = await eventually(timeline_complete, "the timeline to show publication")
            assert [e["event"] for e in citizen["timeline"]] == [
                "submission.received",
                "case.assigned",
                "deadline.set",
                "case.replied",
                "case.published",
            ]
        kinds = [e.type for e in events.events(case_id)]
        assert kinds.count("case.clustered") == 1, kinds  # similarity, decided apart, at any point
        assert [kind for kind in kinds if kind != "case.clustered"] == [
            "submission.received",
            "case.assigned",
            "deadline.set",  # the 2-working-day return window and the 5-working-day reply clock
            "deadline.set",
            "case.replied",
            "case.published",
        ]
    finally:
        await events.stop()


async def test_every_service_serves_health_openapi_and_asyncapi(
    system: tuple[dict[str, ServiceProcess], Topics],
) -> None:
    services, topics = system
    async with httpx.AsyncClient(timeout=10) as http:
        for name, service in services.items():
            health = await http.get(f"{service.url}/health")
            assert health.json() == {"status": "ok", "service": name}
            openapi = (await http.get(f"{service.url}/openapi.json")).json()
            assert any(path.startswith("/api/v1/") for path in openapi["paths"]), name
            asyncapi = (await http.get(f"{service.url}/asyncapi.json")).json()
            assert asyncapi["asyncapi"].startswith("3."), name
            addresses = {channel["address"] for channel in asyncapi["channels"].values()}
            assert topics.case_events in addresses, name
