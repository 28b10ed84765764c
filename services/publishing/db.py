"""Publishing's tables: what may be published, what was, and the consultations."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared.calendar_store import CalendarYear
from shared.db import UTCDateTime
from shared.keyring import CaseKey
from shared.migrations import ServiceSchema


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
    contact: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """What the case knows of the writer (name, phone, e-mail, ID number, address), to mask it wherever
    the letter or the reply writes it."""


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
    document_kind: str = "major_decision"
    draft_text: str | None = None
    draft_url: str | None = None
    close_reason: str | None = None
    """Why it closed before its announced end (提前截止的理由)."""


class ConsultationComment(SQLModel, table=True):
    """A comment on a consultation and, once answered, its adoption decision (for the adoption report)."""

    __tablename__ = "publishing_comment"

    case_id: str = Field(primary_key=True)
    consultation_id: str = Field(index=True)
    received_on: date
    clause: str | None = None
    body: str
    commenter_name: str | None = None
    contact: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    adoption: str | None = None
    reason: str | None = None
    decided_on: date | None = None


class ReviewItem(SQLModel, table=True):
    """Something to be made public, already masked, waiting for its reviewers (三审)."""

    __tablename__ = "publishing_review"

    id: str = Field(primary_key=True)
    kind: str = Field(index=True)
    """``reply``, ``adoption_report`` or ``interview_transcript``."""
    subject_id: str = Field(index=True)
    """The case (a reply), the consultation (an adoption report) or the interview (a transcript)."""
    title: str
    department_id: str | None = None
    department_name: str | None = None
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    """The masked texts (and, for a report, its table) exactly as they would be published."""
    manifest: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    required: int
    status: str = Field(index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = None
    source: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """While pending: what the content is masked from (`services.publishing.redaction.Source`) and the
    suspected names, for reviewers to release; dropped once the item is decided."""
    levels: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """The review levels it passes, in order (三审), fixed when it was queued. None: queued before
    release 0.5, it passes the levels configured now."""
    findings: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """What the proofreading (三校) found in the masked texts: kind, field, found, suggestion, context."""


class ReviewDecision(SQLModel, table=True):
    """One reviewer's decision on one item: the key makes it once per reviewer, even when two requests race."""

    __tablename__ = "publishing_review_decision"

    review_id: str = Field(primary_key=True, foreign_key="publishing_review.id")
    reviewer: str = Field(primary_key=True)
    reviewer_name: str
    decision: str
    reason: str | None = None
    masked_more: int = 0
    at: datetime = Field(sa_type=UTCDateTime)
    level: str | None = None
    """The review level decided (初审, 复审, 终审); None for a decision before release 0.5."""


class PublishedAdoptionReport(SQLModel, table=True):
    __tablename__ = "publishing_adoption_report"

    consultation_id: str = Field(primary_key=True)
    review_id: str
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    manifest: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    published_at: datetime = Field(sa_type=UTCDateTime)


class Withdrawal(SQLModel, table=True):
    """A published item withdrawn from the public (撤回): what, who, when and why. Its published row is
    gone; its review item stays, marked ``retracted``."""

    __tablename__ = "publishing_withdrawal"

    review_id: str = Field(primary_key=True, foreign_key="publishing_review.id")
    kind: str
    subject_id: str = Field(index=True)
    title: str
    reason: str
    by: str
    by_name: str
    at: datetime = Field(sa_type=UTCDateTime)


class CaseRecord(SQLModel, table=True):
    """What the public figures are counted from: one row per case, no personal data.

    ``applicant_key`` is a keyed hash of a disclosure applicant's identity, only to tell distinct
    applicants apart for proactive-disclosure candidates."""

    __tablename__ = "publishing_case"

    case_id: str = Field(primary_key=True)
    channel: str = Field(index=True)
    received_on: date = Field(index=True)
    department_id: str | None = Field(default=None, index=True)
    department_name: str | None = None
    due_date: date | None = None
    replied_on: date | None = None
    rating: str | None = None
    applicant_type: str | None = None
    applicant_key: str | None = None
    description: str | None = None
    outcome: str | None = None


class AppealRow(SQLModel, table=True):
    """An administrative reconsideration or lawsuit about a disclosure decision (table four)."""

    __tablename__ = "publishing_appeal"

    id: str = Field(primary_key=True)
    case_id: str | None = None
    kind: str
    filed_on: date
    result: str
    decided_on: date | None = None


class Interview(SQLModel, table=True):
    """An online interview (在线访谈) with a leader on a topic: scheduled by an admin, moderated, and
    its transcript published after review."""

    __tablename__ = "publishing_interview"

    id: str = Field(primary_key=True)
    title: str
    guest: str
    """Who answers: the leader's name, as published (never masked)."""
    guest_title: str
    summary: str
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    status: str
    """``scheduled`` (taking questions), ``closed`` (no more questions) or ``published``."""
    created_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InterviewQuestion(SQLModel, table=True):
    """A citizen's question for an interview, as intake received it, and what the moderators made of
    it: selected (or not), its group (分组), its answer. Never public unless selected and published."""

    __tablename__ = "publishing_interview_question"

    case_id: str = Field(primary_key=True)
    interview_id: str = Field(index=True)
    received_at: datetime = Field(sa_type=UTCDateTime)
    body: str
    asker_name: str | None = None
    contact: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """What the case knows of the asker, to mask it wherever the question or the answer writes it."""
    selected: bool = False
    group: str | None = None
    answer: str | None = None
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PublishedTranscript(SQLModel, table=True):
    """An interview's transcript (访谈实录) as published: masked, reviewed."""

    __tablename__ = "publishing_interview_transcript"

    interview_id: str = Field(primary_key=True)
    review_id: str
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    manifest: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    published_at: datetime = Field(sa_type=UTCDateTime)


TABLES: list[type[SQLModel]] = [
    CaseKey,
    ConsentedLetter,
    PublishedReply,
    Consultation,
    ConsultationComment,
    ReviewItem,
    ReviewDecision,
    PublishedAdoptionReport,
    Withdrawal,
    CaseRecord,
    AppealRow,
    CalendarYear,
    Interview,
    InterviewQuestion,
    PublishedTranscript,
]

SCHEMA = ServiceSchema("publishing", TABLES, Path(__file__).parent / "migrations")
"""The publishing database: its tables and their migrations."""
