"""Publishing settings (prefix ``PUBLISHING_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class PublishingSettings(ServiceSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_prefix="PUBLISHING_")

    service_name: str = "publishing"
    port: int = 8004
    min_consultation_days: int = Field(
        default=30,
        gt=0,
        description="A shorter consultation period must give its reason (公开征求意见不少于30日).",
    )
