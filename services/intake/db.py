"""Intake's tables. Personal data stays here (and in ``submission.received``)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
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
    notify_by: str | None = Field(
        default=None, description="How the citizen chose to be told (email, sms); None: not told."
    )


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
    supplement_due: date | None = Field(
        default=None,
        description="The last day the applicant may supplement (补正期限), as tracking counts it.",
    )
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


class InterviewView(SQLModel, table=True):
    """Which online interviews (在线访谈) take questions, from ``consultation-events``: from their
    scheduling until they end, or until they are closed earlier."""

    __tablename__ = "intake_interview"

    interview_id: str = Field(primary_key=True)
    title: str
    guest: str
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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


class Notification(SQLModel, table=True):
    """The notification outbox (告知): one message to one citizen about one event, by one way —
    unique per (event, case, way), so a redelivered event adds nothing. Its life:
    pending → sending → sent | pending (retried) | failed | in_doubt; withdrawn when the case's data is
    erased first (`services.intake.notifications`)."""

    __tablename__ = "intake_notification"
    __table_args__ = (
        UniqueConstraint("event_id", "case_id", "notify_by", name="uq_intake_notification_event"),
        Index("ix_intake_notification_due", "state", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36)
    event_type: str
    case_id: str = Field(index=True)
    notify_by: str
    address: str | None = Field(description="The email or mobile the citizen gave; None once erased.")
    subject: str
    text: str
    state: str = "pending"
    attempts: int = 0
    due_at: datetime = Field(sa_type=UTCDateTime, description="When it is (next) to be sent.")
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failure: str | None = Field(default=None, description="The last failure's kind, never its text.")


class ApplicantNotice(SQLModel, table=True):
    """A formal notice to a disclosure applicant (告知书), as ``notice.issued`` says, for them to
    download with their tracking code; ``downloaded_at`` is its online delivery (送达), once."""

    __tablename__ = "intake_notice"

    notice_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    kind: str
    number: str
    issued_on: date
    facts: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    downloaded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RecoveryAddress(SQLModel, table=True):
    """An address a case's citizen gave, to find a lost tracking code by (找回查询码): a keyed hash of
    the normalised email or mobile number, never the address (`services.intake.recovery_rules`).
    Erasing the case's personal data deletes its rows."""

    __tablename__ = "intake_recovery_address"

    address_hash: str = Field(primary_key=True)
    case_id: str = Field(primary_key=True, index=True)


class RecoveryCode(SQLModel, table=True):
    """The live one-time code (验证码) sent to an address, hashed; gone once used or burnt."""

    __tablename__ = "intake_recovery_code"

    address_hash: str = Field(primary_key=True)
    code_hash: str
    expires_at: datetime = Field(sa_type=UTCDateTime)
    tries_left: int


TABLES: list[type[SQLModel]] = [
    Mailbox,
    Submission,
    CaseView,
    ConsultationView,
    InterviewView,
    IdempotencyRecord,
    RateEvent,
    CaseKey,
    Erasure,
    Notification,
    ApplicantNotice,
    RecoveryAddress,
    RecoveryCode,
]

SCHEMA = ServiceSchema("intake", TABLES, Path(__file__).parent / "migrations")
"""The intake database: its tables and their migrations."""
