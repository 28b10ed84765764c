"""Topics as the system of record: kept for ever, laid out by settings, brought in line on upgrade."""

from __future__ import annotations

import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from pydantic import ValidationError

from deploy.kafka.topics import ensure_topics, plan_topics
from shared.settings import TopicSettings
from shared.topics import CASE_EVENTS, CASE_KEYS, Topics

pytestmark = pytest.mark.kafka


async def _describe(bootstrap: str, topic: str) -> tuple[int, int, dict[str, str]]:
    """Partitions, replication factor and effective configuration of ``topic``."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (description,) = await admin.describe_topics([topic])
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    configs = {name: value for resource in response.resources for name, value, *_ in resource[4]}
    partitions = description["partitions"]
    return len(partitions), len(partitions[0]["replicas"]), configs


def fresh() -> Topics:
    return Topics(f"tp{uuid.uuid4().hex[:8]}-")


async def test_every_topic_and_dead_letter_topic_keeps_its_records_for_ever(kafka_bootstrap: str) -> None:
    topics = fresh()
    settings = TopicSettings(case_events_partitions=4)
    report = await ensure_topics(kafka_bootstrap, plan_topics(topics, settings))
    assert sorted(report.created) == sorted(p.name for p in plan_topics(topics, settings))
    assert report.changes == []
    assert len(report.created) == 8
    for name in report.created:
        partitions, replicas, configs = await _describe(kafka_bootstrap, name)
        assert (configs["retention.ms"], configs["retention.bytes"]) == ("-1", "-1"), name
        # case-keys keeps each case's newest record: an erased case's key leaves the log
        compacted = name.startswith(topics.name(CASE_KEYS))
        assert configs["cleanup.policy"] == ("compact" if compacted else "delete"), name
        if compacted:
            assert configs["max.compaction.lag.ms"] == str(settings.compaction_lag_ms)
        assert configs["min.insync.replicas"] == "1"
        assert replicas == 1
        if name == topics.case_events:
            assert partitions == 4
    again = await ensure_topics(kafka_bootstrap, plan_topics(topics, settings))
    assert (again.created, again.changes) == ([], []), "a second run changes nothing"


async def test_an_installed_topic_is_altered_in_place_and_the_change_is_said(kafka_bootstrap: str) -> None:
    """A release 0.1 install: Kafka's default week of retention, and a setting an operator added."""
    topics = fresh()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(
                    topics.case_events,
                    6,
                    1,
                    topic_configs={"retention.ms": "604800000", "segment.ms": "3600000"},
                )
            ]
        )
    finally:
        await admin.close()
    report = await ensure_topics(kafka_bootstrap, plan_topics(topics, TopicSettings()))
    assert topics.case_events not in report.created
    assert f"{topics.case_events}: retention.ms 604800000 → -1" in report.changes
    _, _, configs = await _describe(kafka_bootstrap, topics.case_events)
    assert configs["retention.ms"] == "-1"
    assert configs["segment.ms"] == "3600000", "the operator's own setting is kept"


async def test_partitions_grow_only_when_asked_and_replication_is_reported(kafka_bootstrap: str) -> None:
    topics = fresh()
    await ensure_topics(kafka_bootstrap, plan_topics(topics, TopicSettings()))
    wider = TopicSettings(case_events_partitions=CASE_EVENTS.partitions + 2)
    report = await ensure_topics(kafka_bootstrap, plan_topics(topics, wider))
    (line,) = [c for c in report.changes if c.startswith(topics.case_events + ":")]
    assert "--add-partitions" in line
    assert (await _describe(kafka_bootstrap, topics.case_events))[0] == CASE_EVENTS.partitions
    grown = await ensure_topics(kafka_bootstrap, plan_topics(topics, wider), add_partitions=True)
    assert f"{topics.case_events}: partitions 6 → 8" in grown.changes
    assert (await _describe(kafka_bootstrap, topics.case_events))[0] == 8
    fewer = await ensure_topics(kafka_bootstrap, plan_topics(topics, TopicSettings()))
    assert any("cannot remove partitions" in c for c in fewer.changes)

    replicated = plan_topics(topics, TopicSettings(replication_factor=3))
    reported = await ensure_topics(kafka_bootstrap, replicated)
    assert any("replication factor 1, settings want 3" in c for c in reported.changes)
    assert (await _describe(kafka_bootstrap, topics.case_events))[1] == 1, "nothing reassigned"


async def test_a_compacted_topic_never_gains_partitions(kafka_bootstrap: str) -> None:
    """An erased case's key is removed by a tombstone on the key's partition: with more partitions the
    tombstone would land on another, and the key would stay in the log."""
    topics = fresh()
    await ensure_topics(kafka_bootstrap, plan_topics(topics, TopicSettings()))
    wider = TopicSettings(case_keys_partitions=CASE_KEYS.partitions + 2)
    report = await ensure_topics(kafka_bootstrap, plan_topics(topics, wider), add_partitions=True)
    (line,) = [c for c in report.changes if c.startswith(topics.name(CASE_KEYS) + ":")]
    assert "never added" in line
    assert (await _describe(kafka_bootstrap, topics.name(CASE_KEYS)))[0] == CASE_KEYS.partitions


def test_min_insync_replicas_cannot_exceed_the_replication_factor() -> None:
    with pytest.raises(ValidationError, match="min_insync_replicas"):
        TopicSettings(replication_factor=1, min_insync_replicas=2)
    assert TopicSettings(replication_factor=3, min_insync_replicas=2).configs()["min.insync.replicas"] == "2"
