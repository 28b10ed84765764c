"""Intake settings (prefix ``INTAKE_``)."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

DATA = Path(__file__).resolve().parent / "data"


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
