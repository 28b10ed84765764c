"""Two routing processes on one PostgreSQL database, in one consumer group: each case's events reach
Kafka in the order their actions committed, though the actions alternate between the two instances."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from deploy.kafka.local import create_topics, free_port
from deploy.processes import ServiceProcess, start_services, stop_services
from shared.codes import Role
from shared.topics import Topics
from tests.support.databases import Databases
from tests.support.events import disclosure_request
from tests.support.kafka import RawProducer, TopicReader
from tests.support.services import JWT_SECRET, bearer

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

HANDLER = bearer(Role.HANDLER, department="open-government", sub="zhao-liu")
STEPS: list[tuple[str, dict[str, object], tuple[str, ...]]] = [
    ("accept", {}, ("case.accepted",)),
    ("consult-third-party", {"party": "某建设公司"}, ("third_party.consulted",)),
    ("third-party-replied", {"note": "同意公开"}, ("third_party.replied",)),
    # the reply's notice (答复告知书) is issued in the reply's transaction
    ("reply", {"text": "予以公开。", "outcome": "disclosed"}, ("case.replied", "notice.issued")),
    ("close", {}, ("case.closed",)),
]
CASES = 60


@pytest_asyncio.fixture
async def two_routings(
    kafka_bootstrap: str, postgres_databases: Databases, tmp_path: Path
) -> AsyncIterator[tuple[list[ServiceProcess], Topics]]:
    topics = Topics(f"two{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    env = {
        "CIVIC_JWT_SECRET": JWT_SECRET,
        "CIVIC_ENV": "test",
        "ROUTING_DATABASE_URL": await postgres_databases.new("routing"),
    }
    first = start_services(
        bootstrap_servers=kafka_bootstrap,
        data_dir=tmp_path,
        ports={"routing": free_port()},
        topic_prefix=topics.prefix,
        extra_env=env,
    )
    await first[0].wait_healthy(timeout=90)  # the first migrates and seeds; the second finds it done
    second = start_services(
        bootstrap_servers=kafka_bootstrap,
        data_dir=tmp_path,
        ports={"routing": free_port()},
        topic_prefix=topics.prefix,
        extra_env=env,
        instance="2",
    )
    instances = [*first, *second]
    try:
        await asyncio.gather(*(s.wait_healthy(timeout=90) for s in instances))
        yield instances, topics
    except BaseException:
        for instance in instances:
            print(f"----- {instance.label} -----\n{instance.log_tail(100)}")
        raise
    finally:
        stop_services(instances)


async def test_a_cases_events_keep_commit_order_across_two_instances(
    two_routings: tuple[list[ServiceProcess], Topics], kafka_bootstrap: str, producer: RawProducer
) -> None:
    instances, topics = two_routings
    requests = [disclosure_request() for _ in range(CASES)]
    events = await TopicReader(kafka_bootstrap, topics.case_events).start()
    try:
        await producer.send_payloads(topics.case_events, requests)
        for request in requests:
            await events.wait_for_event(str(request.case_id), "case.assigned", timeout=60)

        async with httpx.AsyncClient(timeout=30) as http:

            async def work(case_id: str) -> None:
                """Each step on the other instance, each after the previous one committed."""
                for n, (action, body, _) in enumerate(STEPS):
                    url = f"{instances[n % 2].url}/api/v1/cases/{case_id}/{action}"
                    response = await http.post(url, json=body, headers=HANDLER)
                    assert response.status_code == 200, response.text

            await asyncio.gather(*(work(str(r.case_id)) for r in requests))
        for request in requests:
            await events.wait_for_event(str(request.case_id), "case.closed", timeout=60)
    finally:
        await events.stop()

    # the receipt (登记回执) is issued with the assignment
    expected = ["case.assigned", "notice.issued", *(event for _, _, emitted in STEPS for event in emitted)]
    for request in requests:
        seen: list[str] = []
        ids: set[uuid.UUID] = set()
        for envelope in events.events(str(request.case_id)):
            if envelope.source == "/civic/routing" and envelope.id not in ids:  # a re-send keeps its place
                ids.add(envelope.id)
                seen.append(envelope.type)
        # Similarity is decided apart from the actions (its own consumer group), once, at any point.
        assert seen.count("case.clustered") == 1, f"case {request.case_id}: {seen}"
        actions = [kind for kind in seen if kind != "case.clustered"]
        assert actions == expected, f"case {request.case_id}: {seen}"
