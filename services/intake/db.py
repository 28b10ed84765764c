"""Intake's tables. Personal data stays here (and in ``submission.received``)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime
from shared.keyring import CaseKey
from shared.migrations import ServiceSchema


class Mailbox(SQLModel, table=True):
    __tablename__ = "intake_mailbox"

    id: str = Field(primary_key=True)
    name: str
    description: str = ""
    categories: list[str] = Field(sa_column=Column(JSON, nullable=False))
    position: int = 0


class Submission(SQLModel, table=True):
    """What the citizen (or registry staff) submitted, as accepted."""

    __tablename__ = "intake_submission"

    case_id: str = Field(primary_key=True)
    tracking_hash: str = Field(unique=True, index=True)
    channel: str
    received_at: datetime = Field(sa_type=UTCDateTime)
    receipt_date: date
    received_via: str
    registered_by: str | None = None
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class CaseView(SQLModel, table=True):
    """The citizen's view of a case, projected from case events."""

    __tablename__ = "intake_case_view"

    case_id: str = Field(primary_key=True)
    tracking_hash: str = Field(unique=True, index=True)
    channel: str
    status: str
    department: str | None = None
    due_date: date | None = None
    due_date_provisional: bool = False
    reply: str | None = None
    replied_on: date | None = None
    timeline: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_type=UTCDateTime)
    supplement_pending: bool = False
    replies: int = Field(
        default=0, description="How many replies the case has had (a reopened case may get more)."
    )
    rated_reply: int = Field(default=0, description="The reply number the citizen last rated; 0 for none.")


class ConsultationView(SQLModel, table=True):
    """Which consultations are open for comments, from ``consultation-events``."""

    __tablename__ = "intake_consultation"

    consultation_id: str = Field(primary_key=True)
    title: str
    opens_on: date
    closes_on: date
    closed: bool = False
    closed_on: date | None = None
    closed_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="When it was closed, as publishing says."
    )


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a request sent with an ``Idempotency-Key``, kept for a day for retries.

    A retry must get the receipt back, tracking code included — but a copy of the database must not
    hand anyone a tracking code. So the row is found by a hash of the key, and the receipt is sealed
    with a key derived from the Idempotency-Key itself, which only the client that sent it holds
    (`services.intake.idempotency`)."""

    __tablename__ = "intake_idempotency"

    key: str = Field(primary_key=True)
    """SHA-256 of the scoped Idempotency-Key."""
    request_hash: str
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)


class RateEvent(SQLModel, table=True):
    """One counted request of a client, for the limits every intake instance shares
    (`services.intake.limits`): the client is a keyed hash of its address, never the address."""

    __tablename__ = "intake_rate_event"
    __table_args__ = (Index("ix_intake_rate_event_window", "bucket", "client", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    bucket: str
    client: str
    at: datetime = Field(sa_type=UTCDateTime)


class Erasure(SQLModel, table=True):
    """A case whose personal data was erased (个人信息删除): who, when, why — and, when an admin erased it
    on the person's request, the sealed record (封存记录) the law has the office keep until the
    retention period ends: stored and protected, processed no more (RULES.md, PIPL Art. 47)."""

    __tablename__ = "intake_erasure"

    case_id: str = Field(primary_key=True)
    erased_at: datetime = Field(sa_type=UTCDateTime)
    cause: str = Field(description="request (an admin, on the person's request) or retention")
    erased_by: str
    reason: str
    sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    retain_until: date | None = Field(default=None, description="When the sealed record is destroyed.")


TABLES: list[type[SQLModel]] = [
    Mailbox,
    Submission,
    CaseView,
    ConsultationView,
    IdempotencyRecord,
    RateEvent,
    CaseKey,
    Erasure,
]

SCHEMA = ServiceSchema("intake", TABLES, Path(__file__).parent / "migrations")
"""The intake database: its tables and their migrations."""
