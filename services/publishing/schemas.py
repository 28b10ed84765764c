"""HTTP bodies of publishing (ARCHITECTURE §8)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class ConsultationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=5000)
    opens_on: date
    closes_on: date
    short_period_reason: str | None = Field(default=None, max_length=1000)


class ConsultationPublic(BaseModel):
    id: str
    title: str
    summary: str
    opens_on: date
    closes_on: date
    short_period_reason: str | None
    status: str


class MaskedItem(BaseModel):
    field: str
    kind: str
    replacement: str


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
    items: list[ReplyPublic]
