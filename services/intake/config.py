"""Intake settings (prefix ``INTAKE_``)."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import ServiceSettings

DATA = Path(__file__).resolve().parent / "data"


class SmtpSettings(BaseSettings):
    """The mail server notifications go through (prefix ``INTAKE_SMTP_``); without ``host`` they go
    to the log only. Secrets are never shown (``hide_input_in_errors``)."""

    model_config = SettingsConfigDict(
        env_prefix="INTAKE_SMTP_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    host: str | None = None
    port: int = Field(default=25, gt=0, lt=65536)
    tls: Literal["none", "starttls", "ssl"] = Field(
        default="none", description="none (a relay on this host), starttls (usually port 587), ssl (465)."
    )
    user: str | None = None
    password: SecretStr | None = None
    sender: str = Field(default="noreply@localhost", description="The From address.")
    timeout_seconds: float = Field(default=30, gt=0)


class SmsGatewaySettings(BaseSettings):
    """The office's HTTP SMS gateway (prefix ``INTAKE_SMS_``): a POST of ``{"to", "text"}`` with the
    token as a bearer; without ``url`` messages go to the log only."""

    model_config = SettingsConfigDict(
        env_prefix="INTAKE_SMS_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    url: AnyHttpUrl | None = None
    token: SecretStr | None = None
    timeout_seconds: float = Field(default=30, gt=0)


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_prefix="INTAKE_")

    service_name: str = "intake"
    port: int = 8001
    mailboxes_file: Path = Field(
        default=DATA / "mailboxes.json", description="Seeded when the table is empty."
    )
    submissions_per_client: int = Field(
        default=10, gt=0, description="Accepted submissions per client per window."
    )
    submission_window_seconds: float = Field(default=3600, gt=0)
    lookup_misses_per_client: int = Field(
        default=10, gt=0, description="Unknown tracking codes per client per window."
    )
    lookup_window_seconds: float = Field(default=600, gt=0)
    recovery_asks_per_address: int = Field(
        default=3, gt=0, description="One-time codes asked for one address per recovery window."
    )
    recovery_asks_per_client: int = Field(
        default=10, gt=0, description="Recovery requests (asks and wrong codes) per client per window."
    )
    recovery_window_seconds: float = Field(default=3600, gt=0)
    recovery_guesses_per_address_day: int = Field(
        default=10,
        gt=0,
        description="Wrong one-time codes entered for one address in 24 hours, from any client: then "
        "recovery for that address waits (a 6-digit code is not guessed over months).",
    )
    trusted_proxies: list[IPv4Network | IPv6Network] = Field(
        default_factory=list,
        description=(
            "Addresses (or networks) of the reverse proxies in front of intake, e.g. "
            '["127.0.0.1", "10.0.0.0/8"]: requests through them are limited by the client address '
            "they forward (X-Forwarded-For); from anywhere else the header is ignored."
        ),
    )
    retention_days: int = Field(
        default=3650,
        gt=0,
        description=(
            "How long a concluded case's personal data is kept after its last event (10 years, the "
            "office's records schedule); then it is erased everywhere — and a sealed record kept after "
            "an erasure on request is destroyed."
        ),
    )
    retention_check_seconds: float = Field(
        default=3600, gt=0, description="How often intake looks for cases whose retention period ran out."
    )
    smtp: SmtpSettings = Field(
        default_factory=SmtpSettings, description="INTAKE_SMTP_*: the mail server for notifications."
    )
    sms: SmsGatewaySettings = Field(
        default_factory=SmsGatewaySettings, description="INTAKE_SMS_*: the SMS gateway for notifications."
    )
    office_name: str = Field(
        default="市人民政府办公室", description="Signs every notification (and an SMS's 【】 prefix)."
    )
    portal_url: str = Field(
        default="http://127.0.0.1:8000", description="The portal's address, as a notification gives it."
    )
    notify_poll_seconds: float = Field(
        default=2.0, gt=0, description="How often the sender looks for notifications due."
    )
    notify_attempts: int = Field(
        default=8, ge=1, description="Tries of one notification before it is marked failed."
    )
    notify_backoff_seconds: float = Field(
        default=30, gt=0, description="The first retry's wait; each next one doubles, up to an hour."
    )
