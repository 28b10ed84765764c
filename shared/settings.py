"""Settings parts every service composes. Values come from the environment, validated once at start.

Shared names have no service prefix (``KAFKA_BOOTSTRAP_SERVERS``, ``CIVIC_JWT_SECRET``,
``CIVIC_DATA_DIR``, ``CIVIC_TOPIC_PREFIX``, ``CIVIC_ENV``); a service's own settings carry its prefix
(``INTAKE_PORT``, ``ROUTING_DATABASE_URL`` ...).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.auth import SessionPolicy
from shared.topics import CALENDAR_EVENTS, CASE_EVENTS, CASE_KEYS, CONSULTATION_EVENTS, Topics, TopicSpec

__all__ = [
    "DEVELOPMENT_JWT_SECRET",
    "DEVELOPMENT_KEY_SECRET",
    "ClusterSettings",
    "KafkaSecurity",
    "ServiceSettings",
    "TopicSettings",
]

log = logging.getLogger(__name__)

DEVELOPMENT_JWT_SECRET = "civic-channels-development-secret-do-not-use-in-production"
DEVELOPMENT_KEY_SECRET = "civic-channels-development-key-secret-do-not-use-in-production"


KafkaProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"]
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


class KafkaSecurity(BaseSettings):
    """How every Kafka client of a process proves who it is and checks the broker (prefix ``KAFKA_``):
    a service's broker (its consumers and the outbox relay's producer), the admin client that creates
    topics, and the tools (dead letters, replay). Plain by default, as the local broker is;
    `shared.kafka_security` turns it into each client's arguments.

    - ``SSL`` / ``SASL_SSL``: TLS, the broker's certificate checked against ``ssl_ca_file`` (else the
      system's CAs) and, unless ``ssl_check_hostname`` is false, its name; a client certificate
      (``ssl_cert_file``, ``ssl_key_file``) for brokers that want mutual TLS.
    - ``SASL_*`` with ``PLAIN`` or ``SCRAM-SHA-256/512``: ``sasl_username`` and ``sasl_password``.
    - ``SASL_*`` with ``OAUTHBEARER``: an access token from the identity provider's token endpoint
      (OAuth 2.0 client credentials: ``oauth_token_url``, ``oauth_client_id``, ``oauth_client_secret``,
      ``oauth_scope``), renewed before it expires.

    Inconsistent combinations are refused at start, naming the variables; secrets are never shown
    (not in errors either: ``hide_input_in_errors``).
    """

    model_config = SettingsConfigDict(
        env_prefix="KAFKA_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    security_protocol: KafkaProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_ca_file: Path | None = Field(
        default=None,
        description="PEM file of the CA that signs the brokers' certificates; default: the system's.",
    )
    ssl_cert_file: Path | None = Field(
        default=None, description="This client's certificate (PEM), for mutual TLS."
    )
    ssl_key_file: Path | None = Field(
        default=None, description="Its private key (PEM), unless in the certificate file."
    )
    ssl_key_password: SecretStr | None = None
    ssl_check_hostname: bool = Field(
        default=True,
        description="Check that the broker's certificate names the host; false still checks the CA.",
    )
    oauth_token_url: str | None = Field(
        default=None, description="The identity provider's token endpoint (https; http only on loopback)."
    )
    oauth_client_id: str | None = None
    oauth_client_secret: SecretStr | None = None
    oauth_scope: str | None = None
    oauth_extensions: dict[str, str] = Field(
        default_factory=dict,
        description="SASL extensions sent with the token, JSON (Confluent Cloud: logicalCluster, identityPoolId).",
    )

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol in ("SASL_PLAINTEXT", "SASL_SSL")

    def summary(self) -> str:
        """What a log line or an error may say of it: protocol, mechanism, user or client — no secret."""
        if self.sasl_mechanism == "OAUTHBEARER":
            return f"{self.security_protocol} OAUTHBEARER as client {self.oauth_client_id}"
        if self.sasl_mechanism is not None:
            return f"{self.security_protocol} {self.sasl_mechanism} as {self.sasl_username}"
        return self.security_protocol

    def ssl_context(self) -> ssl.SSLContext:
        """Verifies the broker against the CA file (else the system's CAs), and presents the client
        certificate if there is one."""
        context = ssl.create_default_context(cafile=str(self.ssl_ca_file) if self.ssl_ca_file else None)
        context.check_hostname = self.ssl_check_hostname
        if self.ssl_cert_file is not None:
            context.load_cert_chain(
                self.ssl_cert_file,
                self.ssl_key_file,
                password=self.ssl_key_password.get_secret_value() if self.ssl_key_password else None,
            )
        return context

    @model_validator(mode="after")
    def _consistent(self) -> KafkaSecurity:
        problems = list(self._problems())
        if not problems and self.uses_tls:
            problems = list(self._unreadable_tls_files())
        if problems:
            raise ValueError("Kafka security settings: " + "; ".join(problems))
        return self

    def _problems(self) -> Iterator[str]:
        protocol, mechanism = self.security_protocol, self.sasl_mechanism
        credentials = [
            name
            for name, value in (
                ("KAFKA_SASL_USERNAME", self.sasl_username),
                ("KAFKA_SASL_PASSWORD", self.sasl_password),
            )
            if value is not None
        ]
        oauth = {
            "KAFKA_OAUTH_TOKEN_URL": self.oauth_token_url,
            "KAFKA_OAUTH_CLIENT_ID": self.oauth_client_id,
            "KAFKA_OAUTH_CLIENT_SECRET": self.oauth_client_secret,
        }
        files = {
            "KAFKA_SSL_CA_FILE": self.ssl_ca_file,
            "KAFKA_SSL_CERT_FILE": self.ssl_cert_file,
            "KAFKA_SSL_KEY_FILE": self.ssl_key_file,
        }
        if self.uses_sasl and mechanism is None:
            yield (
                f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_MECHANISM "
                "(PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER)"
            )
        if not self.uses_sasl and mechanism is not None:
            yield (
                f"KAFKA_SASL_MECHANISM={mechanism} needs KAFKA_SECURITY_PROTOCOL=SASL_SSL or SASL_PLAINTEXT, "
                f"not {protocol}"
            )
        if not self.uses_sasl and credentials:
            yield f"{' and '.join(credentials)} set, but KAFKA_SECURITY_PROTOCOL={protocol} sends no credentials"
        if mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
            missing = [
                name for name in ("KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD") if name not in credentials
            ]
            if missing:
                yield f"KAFKA_SASL_MECHANISM={mechanism} needs {' and '.join(missing)}"
        if mechanism == "OAUTHBEARER":
            missing = [name for name, value in oauth.items() if not value]
            if missing:
                yield (
                    f"KAFKA_SASL_MECHANISM=OAUTHBEARER needs {', '.join(missing)} "
                    "(the identity provider's client credentials)"
                )
            if credentials:
                yield (
                    f"{' and '.join(credentials)} are for PLAIN and SCRAM; "
                    "OAUTHBEARER takes KAFKA_OAUTH_CLIENT_ID and KAFKA_OAUTH_CLIENT_SECRET"
                )
            if self.oauth_token_url and not _safe_token_url(self.oauth_token_url):
                yield (
                    "KAFKA_OAUTH_TOKEN_URL must be https (http only on loopback): "
                    "the client secret is sent to it"
                )
        elif any(oauth.values()) or self.oauth_scope or self.oauth_extensions:
            yield f"KAFKA_OAUTH_* are for KAFKA_SASL_MECHANISM=OAUTHBEARER, not {mechanism or protocol}"
        given = [name for name, value in files.items() if value is not None]
        if given and not self.uses_tls:
            yield (
                f"{', '.join(given)} set, but KAFKA_SECURITY_PROTOCOL={protocol} "
                "does not use TLS (SSL or SASL_SSL)"
            )
        if self.ssl_key_file is not None and self.ssl_cert_file is None:
            yield "KAFKA_SSL_KEY_FILE needs KAFKA_SSL_CERT_FILE (the client certificate it belongs to)"
        for name, path in files.items():
            if path is not None and not path.is_file():
                yield f"{name}={path}: no such file"

    def _unreadable_tls_files(self) -> Iterator[str]:
        try:
            self.ssl_context()
        except (ssl.SSLError, OSError) as exc:
            which = (
                "KAFKA_SSL_CA_FILE"
                if self.ssl_cert_file is None
                else "KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE or KAFKA_SSL_KEY_FILE"
            )
            reason = getattr(exc, "reason", None) or exc.strerror or type(exc).__name__
            yield f"{which} cannot be used for TLS: {reason}"


def _safe_token_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)


def _real(secret: SecretStr | None, development: str) -> bool:
    """Set, not blank, and not the development default."""
    return secret is not None and secret.get_secret_value().strip() not in ("", development)


class ClusterSettings(BaseSettings):
    """Where the Kafka cluster is, how to reach it, and the deployment's topic prefix: all that the
    operator's Kafka commands (``civic topics``, ``civic dlq``) read, and the first part of every
    service's settings (the same variables)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092",
        validation_alias="KAFKA_BOOTSTRAP_SERVERS",
        description="Default: the local broker `make run` starts.",
    )
    kafka_security: KafkaSecurity = Field(
        default_factory=KafkaSecurity,
        description="KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*, KAFKA_OAUTH_*: all its Kafka clients.",
    )
    topic_prefix: str = Field(default="", validation_alias="CIVIC_TOPIC_PREFIX")

    @property
    def topics(self) -> Topics:
        return Topics(prefix=self.topic_prefix)


class ServiceSettings(ClusterSettings):
    """What every service needs: where Kafka is, where its data lives, how tokens are checked."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = Field(
        default="development", validation_alias="CIVIC_ENV"
    )
    data_dir: Path = Field(default=Path(".run"), validation_alias="CIVIC_DATA_DIR")
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
    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT",
        description="OTLP/HTTP collector (e.g. http://127.0.0.1:4318): traces are exported only when set.",
    )
    log_format: Literal["json", "text"] = Field(
        default="json",
        validation_alias="CIVIC_LOG_FORMAT",
        description="json: one object per line with service, event, correlation and trace ids; text: for a terminal.",
    )
    staff_sign_in_url: str = Field(
        default="/workbench/login",
        validation_alias="CIVIC_STAFF_SIGN_IN_URL",
        description="Where a staff page sends someone not signed in: routing's sign-in, behind the front door.",
    )

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> ServiceSettings:
        if self.environment == "production" and not _real(self.jwt_secret, DEVELOPMENT_JWT_SECRET):
            raise ValueError("CIVIC_JWT_SECRET must be set to a real secret when CIVIC_ENV=production")
        if self.environment == "production" and not _real(self.key_secret, DEVELOPMENT_KEY_SECRET):
            raise ValueError("CIVIC_KEY_SECRET must be set to a real secret when CIVIC_ENV=production")
        return self

    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(
            idle=timedelta(minutes=self.session_idle_minutes), absolute=timedelta(hours=self.session_hours)
        )

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
