"""Tracking settings (prefix ``TRACKING_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.tracking.clocks import ClockRules
from shared.settings import ServiceSettings


class TrackingSettings(ServiceSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_prefix="TRACKING_")

    service_name: str = "tracking"
    port: int = 8003
    disclosure_reply_days: int = Field(default=20, gt=0, description="OGI Art. 33")
    mailbox_reply_days: int = Field(default=5, gt=0)
    adoption_report_days: int = Field(default=15, gt=0)
    third_party_days: int = Field(default=15, gt=0, description="OGI Art. 32")
    supplement_window_days: int = Field(default=7, gt=0, description="OGI Art. 30")
    return_window_days: int = Field(default=2, gt=0)
    recount_chunk: int = Field(
        default=2000,
        ge=1,
        description="Open clocks a calendar recount counts in one transaction (then it carries on).",
    )
    alarm_check_seconds: float = Field(
        default=300, gt=0, description="How often yellow and red cards are looked for."
    )

    @property
    def clock_rules(self) -> ClockRules:
        return ClockRules(
            disclosure_reply_days=self.disclosure_reply_days,
            mailbox_reply_days=self.mailbox_reply_days,
            adoption_report_days=self.adoption_report_days,
            third_party_days=self.third_party_days,
            supplement_window_days=self.supplement_window_days,
            return_window_days=self.return_window_days,
        )
