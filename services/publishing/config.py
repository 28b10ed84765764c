"""Publishing settings (prefix ``PUBLISHING_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class PublishingSettings(ServiceSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_prefix="PUBLISHING_")

    service_name: str = "publishing"
    port: int = 8004
    max_body_bytes: int = Field(
        default=2 * 1024 * 1024,
        gt=0,
        description="Room for what the API takes: a consultation's draft of 100,000 characters, each up to "
        "12 bytes once JSON escapes it (a character beyond the BMP, as two escapes).",
    )
    min_consultation_days: int = Field(
        default=30,
        gt=0,
        description="A shorter consultation period must give its reason (公开征求意见不少于30日).",
    )
    min_consultation_working_days: int = Field(
        default=7, gt=0, description="Other normative documents: at least 7 working days (规范性文件)."
    )
    required_reviewers: int = Field(
        default=3,
        ge=1,
        le=9,
        description="Distinct reviewers who must approve an item before it is public (三审).",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The front door's address, for links in the Atom feeds (the pages are under /open).",
    )
    public_officials: list[str] = Field(
        default_factory=list,
        description=(
            "The office's leaders and officials as it lists them (三校: names, titles and posts): their "
            "names stay in what is published. Every other person name a text mentions is masked unless "
            'a reviewer releases it. E.g. ["郑为民", "魏东升"].'
        ),
    )
