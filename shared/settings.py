"""Settings parts every service composes. Values come from the environment, validated once at start.

Shared names have no service prefix (``KAFKA_BOOTSTRAP_SERVERS``, ``CIVIC_JWT_SECRET``,
``CIVIC_DATA_DIR``, ``CIVIC_TOPIC_PREFIX``, ``CIVIC_ENV``); a service's own settings carry its prefix
(``INTAKE_PORT``, ``ROUTING_DATABASE_URL`` ...).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.auth import SessionPolicy
from shared.topics import CALENDAR_EVENTS, CASE_EVENTS, CASE_KEYS, CONSULTATION_EVENTS, Topics, TopicSpec

__all__ = ["DEVELOPMENT_JWT_SECRET", "DEVELOPMENT_KEY_SECRET", "ServiceSettings", "TopicSettings"]

log = logging.getLogger(__name__)

DEVELOPMENT_JWT_SECRET = "civic-channels-development-secret-do-not-use-in-production"
DEVELOPMENT_KEY_SECRET = "civic-channels-development-key-secret-do-not-use-in-production"


class ServiceSettings(BaseSettings):
    """What every service needs: where Kafka is, where its data lives, how tokens are checked."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = Field(
        default="development", validation_alias="CIVIC_ENV"
    )
    data_dir: Path = Field(default=Path(".run"), validation_alias="CIVIC_DATA_DIR")
    kafka_bootstrap_servers: str = Field(default="127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    topic_prefix: str = Field(default="", validation_alias="CIVIC_TOPIC_PREFIX")
    jwt_secret: SecretStr | None = Field(default=None, validation_alias="CIVIC_JWT_SECRET")
    key_secret: SecretStr | None = Field(
        default=None,
        validation_alias="CIVIC_KEY_SECRET",
        description="Wraps each case's data key (`shared.sealing`); the same in every service.",
    )

    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default: a SQLite file in the data folder."
    )
    sqlite_busy_seconds: float = Field(
        default=30,
        gt=0,
        description="How long a SQLite write waits for another writer before giving up (503).",
    )
    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    consumer_attempts: int = Field(
        default=3, ge=1, description="Tries of one event before it is dead-lettered."
    )
    consumer_backoff_seconds: float = Field(default=0.2, ge=0)
    consumer_batch_size: int = Field(
        default=200, ge=1, description="Most events a consumer takes in one transaction."
    )
    consumer_batch_wait_ms: int = Field(
        default=50, ge=1, description="How long a consumer waits for a batch to fill once idle."
    )
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    replay_progress_every: int = Field(
        default=10_000,
        gt=0,
        validation_alias="CIVIC_REPLAY_PROGRESS_EVERY",
        description="Events between two progress lines of a replay.",
    )

    session_idle_minutes: float = Field(
        default=30,
        gt=0,
        validation_alias="CIVIC_SESSION_IDLE_MINUTES",
        description="A staff sign-in ends after this long without a page.",
    )
    session_hours: float = Field(
        default=8,
        gt=0,
        validation_alias="CIVIC_SESSION_HOURS",
        description="A staff sign-in ends this long after it began, whatever.",
    )
    staff_sign_in_url: str = Field(
        default="/workbench/login",
        validation_alias="CIVIC_STAFF_SIGN_IN_URL",
        description="Where a staff page sends someone not signed in: routing's sign-in, behind the front door.",
    )

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> ServiceSettings:
        if self.environment == "production" and (
            self.jwt_secret is None or self.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET
        ):
            raise ValueError("CIVIC_JWT_SECRET must be set to a real secret when CIVIC_ENV=production")
        if self.environment == "production" and (
            self.key_secret is None or self.key_secret.get_secret_value() == DEVELOPMENT_KEY_SECRET
        ):
            raise ValueError("CIVIC_KEY_SECRET must be set to a real secret when CIVIC_ENV=production")
        return self

    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(
            idle=timedelta(minutes=self.session_idle_minutes), absolute=timedelta(hours=self.session_hours)
        )

    @property
    def topics(self) -> Topics:
        return Topics(prefix=self.topic_prefix)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service_name}.db').resolve()}"

    @property
    def jwt_key(self) -> str:
        if self.jwt_secret is None:
            log.warning(
                "CIVIC_JWT_SECRET is not set: using the development secret; never do this in production"
            )
            return DEVELOPMENT_JWT_SECRET
        return self.jwt_secret.get_secret_value()

    @property
    def case_key_secret(self) -> str:
        if self.key_secret is None:
            return DEVELOPMENT_KEY_SECRET
        return self.key_secret.get_secret_value()


class TopicSettings(BaseSettings):
    """How the topics are laid out and kept (prefix ``CIVIC_TOPICS_``), read by whatever creates them.

    The topics are the system of record: their records are kept for ever (``retention.ms=-1``), the
    dead letters too. The defaults suit the single local broker; a cluster of three brokers (compose,
    production) takes ``CIVIC_TOPICS_REPLICATION_FACTOR=3`` and ``CIVIC_TOPICS_MIN_INSYNC_REPLICAS=2``,
    so an acknowledged event survives the loss of any one broker.
    """

    model_config = SettingsConfigDict(env_prefix="CIVIC_TOPICS_", extra="ignore", frozen=True)

    replication_factor: int = Field(default=1, ge=1)
    min_insync_replicas: int = Field(default=1, ge=1)
    case_events_partitions: int = Field(default=CASE_EVENTS.partitions, ge=1)
    consultation_events_partitions: int = Field(default=CONSULTATION_EVENTS.partitions, ge=1)
    calendar_events_partitions: int = Field(default=CALENDAR_EVENTS.partitions, ge=1)
    case_keys_partitions: int = Field(default=CASE_KEYS.partitions, ge=1)
    dlq_partitions: int = Field(default=1, ge=1)
    retention_ms: int = Field(default=-1, ge=-1, description="-1: for ever (the log is the system of record)")
    compacted_segment_ms: int = Field(
        default=3_600_000, ge=1, description="A compacted topic rolls its segment this often (an hour)."
    )
    compaction_lag_ms: int = Field(
        default=86_400_000,
        ge=1,
        description="An erased case's key stays in the log at most this long after the erasure (a day).",
    )

    @model_validator(mode="after")
    def _enough_replicas(self) -> TopicSettings:
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError("min_insync_replicas cannot exceed replication_factor")
        return self

    def partitions(self, spec: TopicSpec) -> int:
        return {
            CASE_EVENTS.name: self.case_events_partitions,
            CONSULTATION_EVENTS.name: self.consultation_events_partitions,
            CALENDAR_EVENTS.name: self.calendar_events_partitions,
            CASE_KEYS.name: self.case_keys_partitions,
        }[spec.name]

    def configs(self, spec: TopicSpec | None = None) -> dict[str, str]:
        """The topic-level configuration of a topic (and its dead-letter topic).

        A compacted topic (``case-keys``) keeps the newest record of each case for ever, and Kafka
        removes the older ones — an erased case's key — within ``compaction_lag_ms`` of the erasure
        once a newer segment has rolled (``segment_ms``)."""
        kept = {
            "retention.ms": str(self.retention_ms),
            "retention.bytes": "-1",
            "min.insync.replicas": str(self.min_insync_replicas),
        }
        if spec is not None and spec.compacted:
            return {
                **kept,
                "cleanup.policy": "compact",
                "segment.ms": str(self.compacted_segment_ms),
                "max.compaction.lag.ms": str(self.compaction_lag_ms),
                "min.cleanable.dirty.ratio": "0.01",
            }
        return {"cleanup.policy": "delete", **kept}
