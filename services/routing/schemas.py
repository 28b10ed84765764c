"""HTTP bodies of routing (ARCHITECTURE §8)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from shared.codes import Adoption, ApplicantType, Channel, Outcome, Role
from shared.dates import BoundedDate
from shared.notices import DeliveryWay
from shared.numbers import WholeNumber
from shared.text import CleanInput, NonBlank


class DepartmentPublic(BaseModel):
    id: str
    name: str
    description: str = ""


class TaskPublic(BaseModel):
    case_id: str
    channel: str
    department_id: str = Field(default="", description="The department that has the case.")
    state: str
    title: str
    receipt_date: date
    received_at: datetime
    due_date: date | None
    due_date_provisional: bool
    rule_id: str | None
    reason: str
    submission: dict[str, Any]
    cluster_id: str | None = None
    card: str | None = Field(default=None, description="yellow: due within a working day; red: overdue.")
    cluster_size: int = Field(
        default=1, description="How many submissions, in any department, are this similar."
    )
    reopened: int = Field(default=0, description="Times an unsatisfied rating sent it back (发回重办).")
    supervised: int = Field(
        default=0, description="Unsatisfied ratings of its latest supervision (督办); 0: never supervised."
    )
    supervised_on: date | None = None
    supervision_read_by: str | None = Field(
        default=None, description="The department head who read the supervision notice; null: unread."
    )
    supplement_due: date | None = Field(
        default=None, description="The applicant's supplement deadline (补正期限), as tracking counts it."
    )
    supplement_lapsed: bool = Field(
        default=False, description="It passed with no supplement: other.no_supplement may be the reply."
    )
    third_parties: dict[str, str] = Field(
        default_factory=dict,
        description="Each third party consulted, by number: waiting, answered or lapsed (OGI Art. 32).",
    )


class HistoryPublic(BaseModel):
    at: datetime
    event: str
    actor: str
    summary: str


class CaseDetail(BaseModel):
    task: TaskPublic
    history: list[HistoryPublic]


class ReplyCreate(CleanInput):
    model_config = ConfigDict(extra="forbid")

    text: NonBlank = Field(max_length=20000)
    outcome: Outcome | None = None
    adoption: Adoption | None = None
    reason: str | None = Field(default=None, max_length=5000)


class ClusterReplyResult(BaseModel):
    cluster_id: str
    replied: list[str] = Field(description="Cases that got the reply, each with its own case.replied.")
    skipped: dict[str, str] = Field(description="Cases of the cluster left as they are, and why.")


class ActionResult(BaseModel):
    case_id: str
    state: str
    event_id: str


class _Action(CleanInput):
    model_config = ConfigDict(extra="forbid")


class NoBody(_Action):
    """``accept`` and ``close`` take an empty object."""


class ReturnCreate(_Action):
    reason: NonBlank = Field(max_length=2000, description="Why the department is not responsible.")


class SupplementRequestCreate(_Action):
    items: NonBlank = Field(max_length=2000, description="What the applicant is to add.")
    working_days: WholeNumber = Field(ge=1, le=30, description="How many working days the applicant has.")


class ThirdPartyConsultationCreate(_Action):
    party: NonBlank = Field(max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class ThirdPartyReplyCreate(_Action):
    note: str | None = Field(default=None, max_length=2000)
    party_id: str | None = Field(
        default=None,
        max_length=20,
        description="Which third party answered (its number on the case); needed while several are waited for.",
    )


class ExtensionCreate(_Action):
    working_days: WholeNumber = Field(
        ge=1, description="At most what the channel allows (a letter's and a disclosure request's limits)."
    )
    reason: NonBlank = Field(max_length=2000)


class NoticePublic(BaseModel):
    """A formal notice on the case (告知书), with how it was delivered so far (送达)."""

    notice_id: str
    kind: str
    title: str
    number: str = Field(description="The document number (文号), e.g. 国动办依申告〔2026〕第12号.")
    issued_on: date
    deliveries: list[str]


class DeliveryCreate(_Action):
    """The handler records how a notice reached the applicant (送达)."""

    way: DeliveryWay = Field(description="post, in_person or email; online is recorded by the download.")
    delivered_on: BoundedDate
    note: str | None = Field(default=None, max_length=500, description="e.g. the registered-post number.")


class _Admin(CleanInput):
    model_config = ConfigDict(extra="forbid")


class DepartmentCreate(_Admin):
    id: str = Field(min_length=1, max_length=50, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: NonBlank = Field(max_length=100)
    description: str = Field(default="", max_length=500)


class DepartmentChange(_Admin):
    name: NonBlank = Field(max_length=100)
    description: str = Field(default="", max_length=500)


class HandlerCreate(_Admin):
    id: NonBlank = Field(max_length=100)
    name: NonBlank = Field(max_length=100)
    department_id: str
    roles: list[Role] = Field(default_factory=lambda: [Role.HANDLER])
    active: StrictBool = True


class HandlerPublic(BaseModel):
    id: str
    name: str
    department_id: str
    roles: list[str]
    active: bool
    password_set: bool = Field(default=False, description="Whether the account can sign in with a password.")


class PasswordSet(_Admin):
    """An admin sets a member of staff's password (登录密码): temporary unless said otherwise — the holder
    must change it at the first sign-in."""

    password: NonBlank = Field(max_length=128)
    temporary: StrictBool = True


class RuleIn(_Admin):
    """A routing rule: every condition it names must hold; keywords match any one."""

    priority: WholeNumber = Field(ge=0, le=10_000)
    department_id: str
    reason: str = Field(default="", max_length=500)
    channel: Channel | None = None
    mailbox: str | None = Field(default=None, max_length=50)
    category: str | None = Field(default=None, max_length=50)
    applicant_type: ApplicantType | None = None
    keywords: list[str] = Field(default_factory=list, max_length=50)
    enabled: StrictBool = True


class RuleCreate(RuleIn):
    id: str = Field(min_length=1, max_length=50, pattern=r"^[a-z0-9][a-z0-9-]*$")


class RulePublic(RuleIn):
    id: str


class DispatchCreate(_Admin):
    department_id: str
    note: str = Field(default="", max_length=500)


class RerouteCreate(_Admin):
    """改派: the department a case sent back for re-handling goes to instead, and why."""

    department_id: str = Field(max_length=50)
    note: str = Field(default="", max_length=500)


class AuditPublic(BaseModel):
    at: datetime
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AccessPublic(BaseModel):
    """One reading of a case's personal data by a member of staff."""

    at: datetime
    actor_id: str
    actor: str
    case_id: str
    what: str


class Bounces(BaseModel):
    department_id: str
    returned: int
