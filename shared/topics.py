"""The one place that spells each Kafka topic name (ARCHITECTURE §2).

A deployment may put a prefix in front of every name (``CIVIC_TOPIC_PREFIX``) so that several
environments — or several test sessions — share one cluster without seeing each other's events.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ALL_TOPICS",
    "CALENDAR_EVENTS",
    "CASE_EVENTS",
    "CASE_KEYS",
    "CONSULTATION_EVENTS",
    "TopicSpec",
    "Topics",
]

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A topic and how it is laid out. ``key`` names the aggregate whose id is the message key."""

    name: str
    partitions: int
    key: str
    compacted: bool = False
    """Kafka keeps only the newest record of each key (``cleanup.policy=compact``)."""


CASE_EVENTS = TopicSpec("case-events", partitions=6, key="case id")
CONSULTATION_EVENTS = TopicSpec("consultation-events", partitions=3, key="consultation id")
CALENDAR_EVENTS = TopicSpec("calendar-events", partitions=1, key="year")
CASE_KEYS = TopicSpec("case-keys", partitions=6, key="case id", compacted=True)
"""Each case's data key (`shared.sealing`); compacted, so an erased case's key leaves the log."""

ALL_TOPICS: tuple[TopicSpec, ...] = (CASE_EVENTS, CONSULTATION_EVENTS, CALENDAR_EVENTS, CASE_KEYS)


@dataclass(frozen=True, slots=True)
class Topics:
    """Topic names as one deployment sees them."""

    prefix: str = ""

    def name(self, spec: TopicSpec) -> str:
        return f"{self.prefix}{spec.name}"

    def dlq(self, spec: TopicSpec) -> str:
        return f"{self.prefix}{spec.name}{DLQ_SUFFIX}"

    @property
    def case_events(self) -> str:
        return self.name(CASE_EVENTS)

    @property
    def consultation_events(self) -> str:
        return self.name(CONSULTATION_EVENTS)

    @property
    def calendar_events(self) -> str:
        return self.name(CALENDAR_EVENTS)

    def layout(self) -> dict[str, int]:
        """Every topic with its dead-letter topic, and their partition counts."""
        layout: dict[str, int] = {}
        for spec in ALL_TOPICS:
            layout[self.name(spec)] = spec.partitions
            layout[self.dlq(spec)] = 1
        return layout
