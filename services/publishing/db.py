"""Publishing's tables: what may be published, what was, and the consultations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime


class ConsentedLetter(SQLModel, table=True):
    """A mailbox letter whose writer agreed to publication. Letters without consent are not kept here."""

    __tablename__ = "publishing_consented_letter"

    case_id: str = Field(primary_key=True)
    mailbox: str
    category: str
    subject: str
    body: str
    writer_name: str | None = None
    received_on: date


class PublishedReply(SQLModel, table=True):
    __tablename__ = "publishing_reply"

    id: str = Field(primary_key=True)
    case_id: str = Field(unique=True)
    mailbox: str
    category: str
    subject: str
    question: str
    reply: str
    department: str
    received_on: date
    replied_on: date
    published_at: datetime = Field(sa_type=UTCDateTime, index=True)
    manifest: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))


class Consultation(SQLModel, table=True):
    __tablename__ = "publishing_consultation"

    id: str = Field(primary_key=True)
    title: str
    summary: str
    opens_on: date
    closes_on: date
    short_period_reason: str | None = None
    status: str
    created_at: datetime = Field(sa_type=UTCDateTime)


TABLES: list[type[SQLModel]] = [ConsentedLetter, PublishedReply, Consultation]
