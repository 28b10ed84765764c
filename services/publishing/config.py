"""Publishing settings (prefix ``PUBLISHING_``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import SettingsConfigDict

from services.publishing.proofreading import Leader, Proofreading
from services.publishing.review import DEFAULT_LEVELS, ReviewLevels, ReviewRules
from shared.settings import ServiceSettings


class LeaderSetting(BaseModel):
    """A leader as the office lists them: ``{"name": "郑为民", "title": "主任"}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=2, max_length=20)
    title: str = Field(min_length=1, max_length=30)


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
    review_levels: list[str] = Field(
        default=list(DEFAULT_LEVELS),
        min_length=1,
        max_length=9,
        description="三审: the review levels, in order; each is approved by a different reviewer holding "
        'it. E.g. ["初审", "复审", "终审"].',
    )
    reviewer_levels: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Who holds which level: a reviewer's sign-in name → the levels they hold, e.g. "
        '{"demo-reviewer-1": ["初审"], "demo-reviewer-2": ["复审"], "demo-reviewer-3": ["终审"]}. '
        "Empty: every reviewer holds every level (the order and three different people still hold).",
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
    leaders: list[LeaderSetting] = Field(
        default_factory=list,
        description="三校: the office's leaders with their titles as it lists them; a text that names one "
        "with another title, or a listed title beside a name one character off, is a finding. Their "
        'names are public officials too. E.g. [{"name": "郑为民", "title": "主任"}].',
    )
    sensitive_words: list[str] = Field(
        default_factory=list,
        description="三校: sensitive expressions (敏感词) the reviewers must see before approving.",
    )
    proofreading_typos: dict[str, str] = Field(
        default_factory=dict,
        description="三校: the office's own misspellings, wrong form → right form, besides the common table.",
    )

    @model_validator(mode="after")
    def _levels_are_held_as_configured(self) -> PublishingSettings:
        self.review_rules()  # refuses duplicated levels, or reviewers holding levels not configured
        return self

    @property
    def required_reviewers(self) -> int:
        """How many different reviewers approve an item: one per level."""
        return len(self.review_levels)

    def review_rules(self) -> ReviewRules:
        """三审三校 as configured: the levels and their holders, the officials, the proofreading."""
        return ReviewRules(
            levels=ReviewLevels(
                tuple(self.review_levels),
                {who: frozenset(held) for who, held in self.reviewer_levels.items()},
            ),
            officials=tuple(dict.fromkeys([*self.public_officials, *(lead.name for lead in self.leaders)])),
            proofreading=Proofreading(
                sensitive_words=tuple(self.sensitive_words),
                leaders=tuple(Leader(lead.name, lead.title) for lead in self.leaders),
                typos=dict(self.proofreading_typos),
            ),
        )
