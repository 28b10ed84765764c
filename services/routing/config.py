"""Routing settings (prefix ``ROUTING_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

DATA = Path(__file__).resolve().parent / "data"


class RoutingSettings(ServiceSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_prefix="ROUTING_")

    service_name: str = "routing"
    port: int = 8002
    seed_file: Path = Field(
        default=DATA / "demo_office.json", description="Departments and rules, seeded once."
    )
    triage_department: str = Field(
        default="triage", description="Where a case no rule matches waits (待分办)."
    )
