"""HTTP bodies of publishing (ARCHITECTURE §8)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from shared.codes import Channel
from shared.dates import BoundedDate
from shared.text import CleanInput, NonBlank, Visible


class ConsultationCreate(CleanInput):
    model_config = ConfigDict(extra="forbid")

    title: NonBlank = Field(max_length=200)
    summary: NonBlank = Field(max_length=5000)
    opens_on: BoundedDate
    closes_on: BoundedDate
    short_period_reason: str | None = Field(default=None, max_length=1000)
    document_kind: Literal["major_decision", "draft_rule", "business_related", "other_normative"] = Field(
        default="major_decision",
        description="重大决策, 规章草案 and 涉企文件 need at least 30 days; other normative documents 7 working days.",
    )
    draft_text: str | None = Field(
        default=None, max_length=100_000, description="The draft (征求意见稿) itself."
    )
    draft_url: HttpUrl | None = Field(
        default=None,
        description="Or where the draft can be read (http or https).",
        json_schema_extra={"pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"},
    )


class ConsultationCloseCreate(CleanInput):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(
        default=None, max_length=1000, description="Why it closes before its announced end (published)."
    )


class ConsultationPublic(BaseModel):
    id: str
    title: str
    summary: str
    opens_on: BoundedDate
    closes_on: BoundedDate
    short_period_reason: str | None
    status: str
    document_kind: str = "major_decision"
    draft_text: str | None = None
    draft_url: str | None = None
    close_reason: str | None = None


class MaskedItem(BaseModel):
    field: str
    kind: str
    replacement: str
    reason: str | None = Field(
        default=None,
        description="Why: case (what the case knows of its people), introduced (the text introduces the "
        "name), suspected (a name it mentions), pattern (its form), reviewer. Absent before release 0.3.",
    )


class ReplyPublic(BaseModel):
    id: str
    mailbox: str
    category: str
    subject: str
    question: str
    reply: str
    department: str
    received_on: date
    replied_on: date
    published_at: datetime
    masked: list[MaskedItem] = Field(
        description="What was masked, by field and kind; never the original values."
    )


class ReplyPage(BaseModel):
    total: int
    limit: int
    offset: int
    q: str | None = None
    items: list[ReplyPublic]


class ReviewDecisionCreate(CleanInput):
    model_config = ConfigDict(extra="forbid")

    mask: list[str] = Field(
        default=[],
        max_length=20,
        description="Personal data the masking missed (a name, a place): masked in every field before approving.",
    )
    release: list[str] = Field(
        default=[],
        max_length=50,
        description="Suspected names (their ids in `suspects`) that may be published: a public official "
        "the office does not list, a word that is not a name. Released before approving.",
    )


class SuspectPublic(BaseModel):
    """A name the masking suspects, as the reviewer sees it: masked, never the name itself."""

    id: str
    masked: str
    fields: list[str]
    context: str = Field(description="The words around its first occurrence, masked as published.")
    released: bool


class ReviewRejectionCreate(CleanInput):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Visible(2)] = Field(
        max_length=1000, description="Why it may not be published as it is."
    )


class LevelPublic(BaseModel):
    """One review level of an item (三审): approved, the one it waits for, or still ahead."""

    name: str = Field(description="初审, 复审, 终审 (as configured)")
    state: Literal["approved", "waiting", "ahead"]
    reviewer: str | None = Field(description="Who approved it (their name), once approved.")


class FindingPublic(BaseModel):
    """What the proofreading (三校) found: advisory, for the reviewers to judge."""

    kind: Literal["typo", "sensitive", "leader"] = Field(
        description="typo (a known misspelling), sensitive (a word on the office's list), leader (a "
        "leader's name and title that do not match the office's list)"
    )
    field: str
    found: str
    suggestion: str | None = Field(description="The right form, where known.")
    context: str = Field(description="The words around it, as published (masked).")


class WithdrawalCreate(CleanInput):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Visible(2)] = Field(
        max_length=1000, description="Why it is withdrawn from the public (recorded)."
    )


class WithdrawalPublic(BaseModel):
    """A published item withdrawn (撤回): by whom, when, why."""

    by: str = Field(description="The name of who withdrew it.")
    at: datetime
    reason: str


class ReviewPublic(BaseModel):
    id: str
    kind: str = Field(description="reply or adoption_report")
    subject_id: str
    title: str
    department: str | None
    status: str
    content: dict[str, Any] = Field(description="Exactly what would be published: already masked.")
    manifest: list[dict[str, Any]] = Field(description="What was masked, by field and kind.")
    required: int
    approvals: int
    approved_by: list[str]
    reason: str | None
    created_at: datetime
    suspects: list[SuspectPublic] = Field(
        default=[], description="Suspected names, masked unless released (while pending)."
    )
    levels: list[LevelPublic] = Field(default=[], description="The review levels in order (三审).")
    waiting_for: str | None = Field(
        default=None, description="The level it waits for while pending: only a holder of it decides."
    )
    findings: list[FindingPublic] = Field(
        default=[], description="What the proofreading (三校) found before the first review: advisory."
    )
    withdrawal: WithdrawalPublic | None = Field(
        default=None, description="Published, then withdrawn (status retracted): by whom, when, why."
    )


class AdoptionRow(BaseModel):
    seq: int = Field(description="序号")
    commenter: str = Field(description="反馈人, masked")
    clause: str | None
    content: str = Field(description="意见内容, masked")
    decision: str = Field(description="adopted, partially_adopted or not_adopted (是否采纳)")
    reason: str | None = Field(description="理由; required unless adopted")


class AdoptionReport(BaseModel):
    consultation_id: str
    title: str
    received: int
    adopted: int
    partially_adopted: int
    not_adopted: int
    summary: str = Field(description="收到意见 N 条，采纳 a 条，部分采纳 p 条，未采纳 n 条")
    comments: list[AdoptionRow]
    published_at: datetime | None = None
    masked: list[MaskedItem] = []


class PublicStatsRow(BaseModel):
    """One channel and department (or the total: both null), over the cases received in the period."""

    channel: Channel | None
    department_id: str | None
    department: str | None
    received: int
    replied: int
    replied_on_time: int
    on_time_rate: float | None = Field(description="On time ÷ replied cases that had a due date.")
    average_working_days: float | None = Field(description="From receipt to reply, in working days.")
    rated: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    satisfaction_rate: float | None = Field(description="(Satisfied + basically satisfied) ÷ rated.")


class PublicStats(BaseModel):
    period_from: date
    period_to: date
    rows: list[PublicStatsRow]
    total: PublicStatsRow


class AppealCreate(CleanInput):
    model_config = ConfigDict(extra="forbid")

    case_id: UUID | None = Field(
        default=None, description="The disclosure request appealed against, if known."
    )
    kind: Literal["reconsideration", "litigation_direct", "litigation_after_reconsideration"]
    filed_on: BoundedDate
    result: Literal["upheld", "corrected", "other", "pending"] = "pending"
    decided_on: BoundedDate | None = None


class AppealDecisionCreate(CleanInput):
    """The result of a pending appeal, once decided: it updates the appeal's row of table four."""

    model_config = ConfigDict(extra="forbid")

    result: Literal["upheld", "corrected", "other"]
    decided_on: BoundedDate


class AppealPublic(BaseModel):
    id: str
    case_id: str | None
    kind: str
    filed_on: date
    result: str
    decided_on: date | None


class ExcludedRecordPublic(BaseModel):
    """A record the annual report left out: which case, and what is wrong with it."""

    case_id: str
    problem: str


class CandidatePublic(BaseModel):
    """Similar information asked for by several applicants: a candidate for proactive disclosure."""

    topic: str = Field(description="The earliest request's description.")
    case_ids: list[str]
    applicants: int = Field(description="Distinct applicants.")
    first_received: date
    last_received: date
