"""Every topic the system uses, as the settings want it: created when missing, brought in line when not.

An existing install upgraded to a release that keeps the log for ever (or a changed setting) has its
topics altered in place, and every change is reported in a line an operator can read. What cannot be
changed in place is reported, not forced:

- fewer partitions than wanted: adding partitions moves keys to other partitions, so one case's events
  could be read out of order across the change — it is done only when asked (``add_partitions``), after
  the consumers have caught up;
- fewer partitions than wanted on a compacted topic (``case-keys``): never added — a key's tombstone
  would go to another partition than its old record, and an erased case's key would stay in the log;
- more partitions than wanted: Kafka cannot remove partitions;
- another replication factor: that needs a partition reassignment (``kafka-reassign-partitions.sh``).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from shared.kafka_security import client_options
from shared.settings import KafkaSecurity, TopicSettings
from shared.topics import ALL_TOPICS, Topics

__all__ = [
    "TopicPlan",
    "TopicReport",
    "TopicState",
    "create_missing_topics",
    "describe_topics",
    "ensure_topics",
    "plan_topics",
]

DYNAMIC_TOPIC_CONFIG = 1
"""DescribeConfigs' config source for a value set on the topic itself."""
APPLY_TIMEOUT_S = 15.0


@dataclass(frozen=True, slots=True)
class TopicPlan:
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str]


@dataclass(frozen=True, slots=True)
class TopicReport:
    created: list[str]
    changes: list[str]
    """What was altered, and what needs an operator (each a readable line)."""

    def lines(self) -> list[str]:
        return [*(f"created {name}" for name in self.created), *self.changes]


def plan_topics(topics: Topics, settings: TopicSettings) -> list[TopicPlan]:
    """Every topic and its dead-letter topic, with the partitions, replication and configuration wanted."""
    plans = []
    for spec in ALL_TOPICS:
        for name, partitions in (
            (topics.name(spec), settings.partitions(spec)),
            (topics.dlq(spec), settings.dlq_partitions),
        ):
            plans.append(TopicPlan(name, partitions, settings.replication_factor, settings.configs(spec)))
    return plans


async def ensure_topics(
    bootstrap_servers: str,
    plans: list[TopicPlan],
    *,
    add_partitions: bool = False,
    security: KafkaSecurity | None = None,
) -> TopicReport:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=15000, **client_options(security)
    )
    await admin.start()
    try:
        created = await _create_missing(admin, plans)
        changes: list[str] = []
        for plan in plans:
            if plan.name not in created:
                changes += await _bring_in_line(admin, plan, add_partitions=add_partitions)
        return TopicReport(created, changes)
    finally:
        await admin.close()


async def create_missing_topics(
    bootstrap_servers: str, plans: list[TopicPlan], *, security: KafkaSecurity | None = None
) -> list[str]:
    """Create the planned topics the cluster lacks and leave the others as they are; the names created."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=15000, **client_options(security)
    )
    await admin.start()
    try:
        return await _create_missing(admin, plans)
    finally:
        await admin.close()


async def _create_missing(admin: AIOKafkaAdminClient, plans: list[TopicPlan]) -> list[str]:
    existing = set(await admin.list_topics())
    missing = [plan for plan in plans if plan.name not in existing]
    if missing:
        with contextlib.suppress(TopicAlreadyExistsError):  # another job created them meanwhile
            await admin.create_topics(
                [
                    NewTopic(
                        name=plan.name,
                        num_partitions=plan.partitions,
                        replication_factor=plan.replication_factor,
                        topic_configs=plan.configs,
                    )
                    for plan in missing
                ]
            )
    return [plan.name for plan in missing]


@dataclass(frozen=True, slots=True)
class TopicState:
    """A planned topic as the cluster has it; ``partitions`` is 0 when the topic does not exist."""

    plan: TopicPlan
    partitions: int
    replication_factor: int
    configs: dict[str, str]
    """The effective value of each setting the plan sets (absent: the cluster does not know it)."""

    @property
    def exists(self) -> bool:
        return self.partitions > 0

    def differences(self) -> list[str]:
        """What differs from the plan: ``partitions``, ``replication factor``, configuration keys."""
        if not self.exists:
            return ["missing"]
        found = []
        if self.partitions != self.plan.partitions:
            found.append("partitions")
        if self.replication_factor != self.plan.replication_factor:
            found.append("replication factor")
        return found + [key for key, value in self.plan.configs.items() if self.configs.get(key) != value]


async def describe_topics(
    bootstrap_servers: str, plans: list[TopicPlan], *, security: KafkaSecurity | None = None
) -> list[TopicState]:
    """Each planned topic as the cluster has it, in the plans' order; changes nothing."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=15000, **client_options(security)
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        states = []
        for plan in plans:
            if plan.name not in existing:
                states.append(TopicState(plan, 0, 0, {}))
                continue
            (description,) = await admin.describe_topics([plan.name])
            partitions = description["partitions"]
            current, _ = await _configs(admin, plan.name)
            states.append(
                TopicState(
                    plan,
                    len(partitions),
                    len(partitions[0]["replicas"]) if partitions else 0,
                    {key: current[key] for key in plan.configs if key in current},
                )
            )
        return states
    finally:
        await admin.close()


async def _bring_in_line(admin: AIOKafkaAdminClient, plan: TopicPlan, *, add_partitions: bool) -> list[str]:
    changes: list[str] = []
    (description,) = await admin.describe_topics([plan.name])
    partitions = description["partitions"]
    replicas = len(partitions[0]["replicas"]) if partitions else 0
    if len(partitions) < plan.partitions:
        if plan.configs.get("cleanup.policy") == "compact":
            changes.append(
                f"{plan.name}: has {len(partitions)} partitions, settings want {plan.partitions}; a compacted "
                "topic keeps its partitions: a key's tombstone would land beside, not on, its old record "
                "(an erased case's key would stay in the log) — never added, even with --add-partitions"
            )
        elif add_partitions:
            await admin.create_partitions({plan.name: NewPartitions(plan.partitions)})
            changes.append(f"{plan.name}: partitions {len(partitions)} → {plan.partitions}")
        else:
            changes.append(
                f"{plan.name}: has {len(partitions)} partitions, settings want {plan.partitions}; adding "
                "partitions moves keys, so it is done only with --add-partitions, once consumers caught up"
            )
    elif len(partitions) > plan.partitions:
        changes.append(
            f"{plan.name}: has {len(partitions)} partitions, settings want {plan.partitions}; "
            "Kafka cannot remove partitions (left as it is)"
        )
    if replicas and replicas != plan.replication_factor:
        changes.append(
            f"{plan.name}: replication factor {replicas}, settings want {plan.replication_factor}; "
            "that needs a partition reassignment (kafka-reassign-partitions.sh), not done here"
        )
    current, dynamic = await _configs(admin, plan.name)
    differing = {key: value for key, value in plan.configs.items() if current.get(key) != value}
    if differing:
        # AlterConfigs replaces the topic's own settings as a whole: keep those an operator set.
        responses = await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, plan.name, configs={**dynamic, **plan.configs})]
        )
        for response in responses:
            for error_code, message, *_ in response.resources:
                if error_code:
                    raise for_code(error_code)(f"{plan.name}: altering its configuration failed: {message}")
        await _until_applied(admin, plan)
        changes += [
            f"{plan.name}: {key} {current.get(key, '(default)')} → {value}"
            for key, value in differing.items()
        ]
    return changes


async def _until_applied(admin: AIOKafkaAdminClient, plan: TopicPlan) -> None:
    """Wait until the broker answers with the new configuration: the controller applies it a moment later."""
    deadline = asyncio.get_running_loop().time() + APPLY_TIMEOUT_S
    while True:
        current, _ = await _configs(admin, plan.name)
        if all(current.get(key) == value for key, value in plan.configs.items()):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise KafkaError(f"{plan.name}: the broker still shows the old configuration")
        await asyncio.sleep(0.1)


async def _configs(admin: AIOKafkaAdminClient, topic: str) -> tuple[dict[str, str], dict[str, str]]:
    """The topic's effective configuration, and the part set on the topic itself."""
    (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    current: dict[str, str] = {}
    dynamic: dict[str, str] = {}
    for resource in response.resources:
        for name, value, _read_only, source, _sensitive, *_ in resource[4]:
            current[name] = value
            if source == DYNAMIC_TOPIC_CONFIG:
                dynamic[name] = value
    return current, dynamic
