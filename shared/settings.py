"""Settings parts every service composes. Values come from the environment, validated once at start.

Shared names have no service prefix (``KAFKA_BOOTSTRAP_SERVERS``, ``CIVIC_JWT_SECRET``,
``CIVIC_DATA_DIR``, ``CIVIC_TOPIC_PREFIX``, ``CIVIC_ENV``); a service's own settings carry its prefix
(``INTAKE_PORT``, ``ROUTING_DATABASE_URL`` ...).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.topics import Topics

__all__ = ["DEVELOPMENT_JWT_SECRET", "ServiceSettings"]

log = logging.getLogger(__name__)

DEVELOPMENT_JWT_SECRET = "civic-channels-development-secret-do-not-use-in-production"


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
    outbox_poll_seconds: float = Field(default=0.5, gt=0)

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> ServiceSettings:
        if self.environment == "production" and (
            self.jwt_secret is None or self.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET
        ):
            raise ValueError("CIVIC_JWT_SECRET must be set to a real secret when CIVIC_ENV=production")
        return self

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
