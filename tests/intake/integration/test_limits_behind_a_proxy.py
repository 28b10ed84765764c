"""Limits behind a reverse proxy, shared by every intake instance: two intake processes on one database,
requests through a trusted proxy — each citizen has a bucket of their own, wherever their requests land."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest

from deploy.kafka.local import create_topics, free_port
from deploy.processes import start_services, stop_services
from services.intake.limits import client_address
from shared.topics import Topics
from tests.support.services import JWT_SECRET

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

LETTER = {
    "mailbox": "director",
    "category": "咨询",
    "subject": "经代理的来信",
    "body": "请问防空警报试鸣的时间？",
    "contact": {"name": "王五"},
}


def _scope(peer: str, forwarded: str | None = None) -> dict[str, object]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return {"client": (peer, 50000), "headers": headers}


def test_the_client_is_the_address_a_trusted_proxy_forwards() -> None:
    from ipaddress import ip_network

    trusted = [ip_network("127.0.0.1/32"), ip_network("10.0.0.0/8")]
    assert client_address(_scope("127.0.0.1", "203.0.113.7, 10.0.0.2"), trusted) == "203.0.113.7"
    assert client_address(_scope("127.0.0.1", "198.51.100.1, 203.0.113.7"), trusted) == "203.0.113.7", (
        "the nearest untrusted hop: what a client claims before it is not believed"
    )
    assert client_address(_scope("198.51.100.9", "203.0.113.7"), trusted) == "198.51.100.9", (
        "a header from anyone but a trusted proxy is ignored"
    )
    assert client_address(_scope("127.0.0.1"), trusted) == "127.0.0.1"
    assert client_address(_scope("127.0.0.1", "203.0.113.7"), []) == "127.0.0.1"


async def test_two_intake_instances_share_each_clients_limit(kafka_bootstrap: str, tmp_path: Path) -> None:
    topics = Topics(f"px{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)
    env = {
        "CIVIC_JWT_SECRET": JWT_SECRET,
        "CIVIC_ENV": "test",
        "INTAKE_SUBMISSIONS_PER_CLIENT": "3",
        "INTAKE_TRUSTED_PROXIES": '["127.0.0.1"]',
    }
    first = start_services(
        bootstrap_servers=kafka_bootstrap,
        data_dir=tmp_path,
        ports={"intake": free_port()},
        topic_prefix=topics.prefix,
        extra_env=env,
    )
    instances = first
    try:
        await first[0].wait_healthy(timeout=90)
        instances = first + start_services(
            bootstrap_servers=kafka_bootstrap,
            data_dir=tmp_path,
            ports={"intake": free_port()},
            topic_prefix=topics.prefix,
            extra_env=env,
            instance="2",
        )
        await asyncio.gather(*(i.wait_healthy(timeout=90) for i in instances))
        async with httpx.AsyncClient(timeout=30) as http:

            async def send(n: int, citizen: str) -> httpx.Response:
                url = f"{instances[n % 2].url}/api/v1/mailbox-messages"
                return await http.post(url, json=LETTER, headers={"X-Forwarded-For": citizen})

            statuses = [(await send(n, "203.0.113.7")).status_code for n in range(4)]
            assert statuses == [201, 201, 201, 429], "three per client, counted across both instances"
            refused = await send(5, "203.0.113.7")
            assert refused.status_code == 429
            assert int(refused.headers["Retry-After"]) > 0
            assert (await send(6, "198.51.100.9")).status_code == 201, (
                "another citizen has a bucket of their own"
            )
    finally:
        stop_services(instances)
