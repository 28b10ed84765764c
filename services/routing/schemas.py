"""HTTP bodies of routing (ARCHITECTURE §8)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.codes import Adoption, Outcome


class DepartmentPublic(BaseModel):
    id: str
    name: str


class TaskPublic(BaseModel):
    case_id: str
    channel: str
    state: str
    title: str
    receipt_date: date
    received_at: datetime
    due_date: date | None
    due_date_provisional: bool
    rule_id: str | None
    reason: str
    submission: dict[str, Any]


class HistoryPublic(BaseModel):
    at: datetime
    event: str
    actor: str
    summary: str


class CaseDetail(BaseModel):
    task: TaskPublic
    history: list[HistoryPublic]


class ReplyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=20000)
    outcome: Outcome | None = None
    adoption: Adoption | None = None
    reason: str | None = Field(default=None, max_length=5000)


class ActionResult(BaseModel):
    case_id: str
    state: str
    event_id: str


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NoBody(_Action):
    """``accept`` and ``close`` take an empty object."""


class ReturnCreate(_Action):
    reason: str = Field(min_length=1, max_length=2000, description="Why the department is not responsible.")


class SupplementRequestCreate(_Action):
    items: str = Field(min_length=1, max_length=2000, description="What the applicant is to add.")
    working_days: int = Field(description="How many working days the applicant has.")


class ThirdPartyConsultationCreate(_Action):
    party: str = Field(min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class ThirdPartyReplyCreate(_Action):
    note: str | None = Field(default=None, max_length=2000)


class ExtensionCreate(_Action):
    working_days: int
    reason: str = Field(min_length=1, max_length=2000)
