"""The four services as processes on their own topics and databases, for the tests that run the whole
office and then look behind it (replay, erasure): their settings, their replay plans, at rest."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploy.kafka.local import create_topics, free_port
from deploy.processes import ServiceProcess, start_services
from shared.replay import ReplayPlan
from shared.settings import ServiceSettings, TopicSettings
from shared.topics import Topics
from tests.support.databases import Databases
from tests.support.office import SERVICES
from tests.support.state import at_rest

GROUPS = {
    "intake": {
        "intake-case-view": "case-events",
        "intake-consultations": "consultation-events",
        "intake-notify-cases": "case-events",
        "intake-notify-consultations": "consultation-events",
    },
    "routing": {
        "routing": "case-events",
        "routing-similarity": "case-events",
        "routing-calendar": "calendar-events",
        "routing-case-keys": "case-keys",
    },
    "tracking": {
        "tracking": "case-events",
        "tracking-consultations": "consultation-events",
        "tracking-calendar": "calendar-events",
    },
    "publishing": {
        "publishing": "case-events",
        "publishing-calendar": "calendar-events",
        "publishing-case-keys": "case-keys",
    },
}
"""Every consumer group of every service, and its topic."""


@dataclass
class Installation:
    """Four services' databases, their topics and the settings a replay of each runs with."""

    topics: Topics
    data_dir: Path
    urls: dict[str, str]
    env: dict[str, str]
    bootstrap: str
    manifest: dict[str, Any] = field(default_factory=dict)

    def settings(self, service: str) -> ServiceSettings:
        module = importlib.import_module(f"services.{service}.config")
        settings_type = getattr(module, f"{service.capitalize()}Settings")
        secrets = {
            name: self.env[name] for name in ("CIVIC_JWT_SECRET", "CIVIC_KEY_SECRET") if name in self.env
        }
        settings: ServiceSettings = settings_type(
            KAFKA_BOOTSTRAP_SERVERS=self.bootstrap,
            CIVIC_TOPIC_PREFIX=self.topics.prefix,
            database_url=self.urls[service],
            **secrets,
        )
        return settings

    def plan(self, service: str) -> ReplayPlan:
        plan: ReplayPlan = importlib.import_module(f"services.{service}.replay").replay_plan(
            self.settings(service)
        )
        return plan

    def groups(self) -> dict[str, str]:
        return {
            f"{self.topics.prefix}{group}": f"{self.topics.prefix}{topic}"
            for groups in GROUPS.values()
            for group, topic in groups.items()
        }

    def start(self) -> list[ServiceProcess]:
        return start_services(
            bootstrap_servers=self.bootstrap,
            data_dir=self.data_dir,
            ports={name: free_port() for name in SERVICES},
            topic_prefix=self.topics.prefix,
            extra_env=self.env,
        )

    async def rest(self) -> None:
        await at_rest(self.bootstrap, self.groups(), list(self.urls.values()))


async def install(
    bootstrap: str,
    databases: Databases,
    folder: Path,
    env: dict[str, str],
    *,
    prefix: str,
    topic_settings: TopicSettings | None = None,
) -> Installation:
    """Fresh topics (``prefix`` and a random part) and a database per service on the backend at hand."""
    topics = Topics(f"{prefix}{uuid.uuid4().hex[:8]}-")
    await create_topics(bootstrap, topics, topic_settings)
    env = dict(env)
    urls = {}
    for service in SERVICES:
        if databases.backend == "sqlite":
            urls[service] = f"sqlite+aiosqlite:///{folder / f'{service}.db'}"
        else:
            urls[service] = await databases.new(service)
            env[f"{service.upper()}_DATABASE_URL"] = urls[service]
    return Installation(topics, folder, urls, env, bootstrap)


async def running(services: list[ServiceProcess]) -> None:
    """Until every service answers its health check; their logs printed if one does not."""
    try:
        await asyncio.gather(*(s.wait_healthy(timeout=90) for s in services))
    except BaseException:
        for service in services:
            print(f"----- {service.label} -----\n{service.log_tail(80)}")
        raise
