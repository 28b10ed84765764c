"""Schemathesis against each service's own OpenAPI document, served as ``make run`` serves it (uvicorn,
the real broker, each database): valid and invalid requests generated from the schema, with all its
checks — no server error (our 503 for a failed infrastructure would be one too, and there is none to
fail here); every status and header documented; every body as its schema says; what the schema allows
accepted and what it refuses refused; 401 without a token where one is needed; 405 with ``Allow`` for
a method a path does not take.

The requests carry a token with every role, so what lies behind the route guard is fuzzed as well (the
route matrix tests who may call what), and each service is first given real records — a case, a
consultation, a review item — whose ids fill the path parameters, so that the generated bodies reach
the use cases instead of stopping at 404. The seed is fixed so that a failure in CI is the same failure on
a laptop; ``CIVIC_FUZZ_SEED`` and ``CIVIC_FUZZ_EXAMPLES`` explore further.

What JSON Schema cannot state is taught to schemathesis in ``schemathesis_hooks.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.auth import mint_token
from shared.codes import Role
from shared.dates import today
from shared.topics import Topics
from tests.security.conftest import SERVICES
from tests.support import events as support
from tests.support.browser import served
from tests.support.kafka import RawProducer
from tests.support.polling import eventually
from tests.support.services import JWT_SECRET, settings_for

pytestmark = pytest.mark.kafka

SEED = os.environ.get("CIVIC_FUZZ_SEED", "20261201")
EXAMPLES = os.environ.get("CIVIC_FUZZ_EXAMPLES", "12")
SCHEMATHESIS = Path(sys.executable).with_name("st")
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
REPOSITORY = Path(__file__).parents[2]
SETTINGS = {
    # Enough room under intake's limits for the generated submissions to reach the use cases.
    "intake": {"submissions_per_client": 100_000, "lookup_misses_per_client": 100_000},
}


EVERYTHING = mint_token(JWT_SECRET, sub="fuzz", name="模糊测试", roles=list(Role), department="engineering")
AUTHORIZED = {"Authorization": f"Bearer {EVERYTHING}"}

Seed = Callable[[httpx.AsyncClient, RawProducer, Topics], Awaitable[dict[str, str]]]


async def _open_consultation(producer: RawProducer, topics: Topics) -> str:
    opened = support.consultation_opened()
    await producer.send_payloads(topics.consultation_events, [opened])
    return str(opened.consultation_id)


async def _status(
    client: httpx.AsyncClient, method: str, url: str, status: int, **kwargs: Any
) -> httpx.Response:
    async def answered() -> httpx.Response | None:
        response = await client.request(method, url, headers=AUTHORIZED, **kwargs)
        return response if response.status_code == status else None

    return await eventually(answered, f"{method} {url} to answer {status}")


async def seed_intake(client: httpx.AsyncClient, producer: RawProducer, topics: Topics) -> dict[str, str]:
    consultation_id = await _open_consultation(producer, topics)
    comment = {"body": "建议明确人防车位的收费标准。"}
    await _status(client, "POST", f"/api/v1/consultations/{consultation_id}/comments", 201, json=comment)
    letter = {
        "mailbox": "civil-air-defence",
        "category": "咨询",
        "subject": "小区地下人防工程能否停车",
        "body": "请问平时可以作为停车场使用吗？",
        "contact": {"name": "张三丰", "phone": "13812345678"},
        "publish_consent": True,
    }
    receipt = (await _status(client, "POST", "/api/v1/mailbox-messages", 201, json=letter)).json()
    return {"consultation_id": consultation_id, "tracking_code": receipt["tracking_code"]}


async def seed_routing(client: httpx.AsyncClient, producer: RawProducer, topics: Topics) -> dict[str, str]:
    letter = support.letter("人防车位", "车位能否出租？", mailbox="civil-air-defence")
    await producer.send_payloads(topics.case_events, [letter])
    await _status(client, "GET", f"/api/v1/cases/{letter.case_id}", 200)
    return {"case_id": str(letter.case_id), "department_id": "engineering"}


async def seed_tracking(client: httpx.AsyncClient, producer: RawProducer, topics: Topics) -> dict[str, str]:
    letter = support.letter("人防车位", "车位能否出租？")
    await producer.send_payloads(topics.case_events, [letter, support.assigned(letter)])
    await _status(client, "GET", f"/api/v1/cases/{letter.case_id}/deadlines", 200)
    return {"case_id": str(letter.case_id)}


async def seed_publishing(client: httpx.AsyncClient, producer: RawProducer, topics: Topics) -> dict[str, str]:
    day = today()
    consultation = {
        "title": "人防工程维护管理办法（征求意见稿）",
        "summary": "征求意见",
        "opens_on": day.isoformat(),
        "closes_on": (day + timedelta(days=30)).isoformat(),
        "draft_text": "第五条　人防工程平时使用应当保证战时功能。",
    }
    opened = await _status(client, "POST", "/api/v1/consultations", 201, json=consultation)
    letter = support.letter("人防车位", "我是张三丰，车位能否出租？")
    await producer.send_payloads(topics.case_events, [letter, *support.handled(letter, "可以出租。")])

    async def queued() -> str | None:
        items = (await client.get("/api/v1/reviews", headers=AUTHORIZED)).json()
        return next((item["id"] for item in items if item["subject_id"] == str(letter.case_id)), None)

    review_id = await eventually(queued, "the reply to wait for review")
    return {"consultation_id": opened.json()["id"], "review_id": review_id}


SEEDS: dict[str, Seed] = {
    "intake": seed_intake,
    "routing": seed_routing,
    "tracking": seed_tracking,
    "publishing": seed_publishing,
}


def configuration(known: dict[str, str]) -> str:
    """Schemathesis' configuration (TOML): our hooks, and the seeded records' ids for the path
    parameters (not a year: every year in range answers, and a pinned one would hide the generated
    years out of range)."""
    lines = [f"hooks = {json.dumps(str(HOOKS))}", "[parameters]"]
    lines += [f'"path.{name}" = {json.dumps(value)}' for name, value in known.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", list(SERVICES))
async def test_schemathesis_with_all_checks_finds_nothing(
    name: str, kafka_bootstrap: str, topics: Topics, database_url: str, tmp_path: Path, producer: RawProducer
) -> None:
    create, settings_class = SERVICES[name]
    settings = settings_for(settings_class, kafka_bootstrap, topics, database_url, **SETTINGS.get(name, {}))
    async with served(create(settings), name) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            known = await SEEDS[name](client, producer, topics)
        config = tmp_path / "schemathesis.toml"
        config.write_text(configuration(known))
        run = await asyncio.create_subprocess_exec(
            str(SCHEMATHESIS),
            "--config-file",
            str(config),
            "run",
            f"{url}/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            EXAMPLES,
            "--seed",
            SEED,
            "--workers",
            "1",
            "--no-color",
            "--header",
            f"Authorization: Bearer {EVERYTHING}",
            "--generation-database",
            "none",
            "--report-dir",
            str(tmp_path),
            cwd=tmp_path,
            env={
                **os.environ,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH")])),
            },
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await run.communicate()
    report = output.decode(errors="replace")
    print(report[-4000:])
    assert run.returncode == 0, f"schemathesis found failures in {name}:\n{report[-12000:]}"
