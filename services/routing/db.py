"""Routing's tables: departments, rules, and the task each case is for its department."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from shared.calendar_store import CalendarYear
from shared.db import UTCDateTime
from shared.keyring import CaseKey
from shared.migrations import ServiceSchema


class Department(SQLModel, table=True):
    __tablename__ = "routing_department"

    id: str = Field(primary_key=True)
    name: str
    description: str = ""


class RoutingRule(SQLModel, table=True):
    __tablename__ = "routing_rule"

    id: str = Field(primary_key=True)
    priority: int
    department_id: str = Field(foreign_key="routing_department.id")
    reason: str = ""
    channel: str | None = None
    mailbox: str | None = None
    category: str | None = None
    applicant_type: str | None = None
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    enabled: bool = True


class Task(SQLModel, table=True):
    """One case as its department works on it (待办)."""

    __tablename__ = "routing_task"

    case_id: str = Field(primary_key=True)
    channel: str
    department_id: str = Field(index=True)
    state: str = Field(index=True)
    title: str
    receipt_date: date
    received_at: datetime = Field(sa_type=UTCDateTime)
    due_date: date | None = Field(default=None, index=True)
    due_date_provisional: bool = False
    rule_id: str | None = None
    reason: str
    submission: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_type=UTCDateTime)
    assigned_on: date
    returned_by: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    extended: bool = False
    supplement_requested: bool = False
    card: str | None = Field(default=None, description="yellow (黄牌) or red (红牌), from tracking.")
    supplement_due: date | None = Field(
        default=None, description="The applicant's supplement deadline (补正期限), as tracking counts it."
    )
    supplement_lapsed: bool = Field(
        default=False, description="Tracking announced the supplement deadline passed unused."
    )
    third_parties: dict[str, str] = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False, server_default="{}"),
        description="Each third party consulted (its number): waiting, answered or lapsed (OGI Art. 32).",
    )
    reopened: int = Field(default=0, description="Times an unsatisfied rating sent it back (发回重办).")
    supervised: int = Field(
        default=0, description="The unsatisfied ratings its latest supervision (督办) was for; 0: never."
    )
    supervised_on: date | None = None
    supervision_read_by: str | None = Field(
        default=None,
        description="The department head who read the latest supervision's notice; None: unread.",
    )


class SimilarCase(SQLModel, table=True):
    """A case as the similarity index knows it (相似诉求归并), shared by every routing instance.

    ``changed`` numbers the rows' changes in the order they were made — a new case, its cluster, its
    words erased — under one lock, so each instance brings its index in memory up to date by reading
    the rows changed since it last looked; every case is compared with every case before it, whichever
    instance decided it. ``words`` is the normalised text the shingles are cut from ("" once erased)."""

    __tablename__ = "routing_similar_case"

    case_id: str = Field(primary_key=True)
    cluster_id: str | None = Field(default=None, description="None until decided (only inside a replay).")
    words: str
    changed: int = Field(index=True, unique=True)


class HistoryEntry(SQLModel, table=True):
    """What happened to a case in routing, by whom: the case page's history (办理记录)."""

    __tablename__ = "routing_case_history"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    event: str
    actor: str
    summary: str


class Handler(SQLModel, table=True):
    """A member of staff (工作人员) — a handler (承办人), a reviewer, an admin: the office's directory
    and its sign-in accounts. ``id`` is the sign-in name (登录名) and every token's ``sub``."""

    __tablename__ = "routing_handler"

    id: str = Field(primary_key=True)
    name: str
    department_id: str = Field(foreign_key="routing_department.id", index=True)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    password_hash: str | None = Field(default=None, description="argon2id; None: no password sign-in.")
    must_change_password: bool = Field(default=False, description="A password an admin set: change it first.")
    oidc_subject: str | None = Field(
        default=None, unique=True, index=True, description="The identity provider's ``sub`` for this person."
    )


class SignInAttempts(SQLModel, table=True):
    """Failed sign-ins in a row under one sign-in name (existing or not: the answer never tells which),
    and until when it is locked (锁定)."""

    __tablename__ = "routing_sign_in_attempts"

    login: str = Field(primary_key=True)
    failures: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffSessionRecord(SQLModel, table=True):
    """A sign-in (登录会话): from the password, the identity provider or a pasted token; ended at
    sign-out. The cookie carries its id; routing refuses an ended one."""

    __tablename__ = "routing_staff_session"

    id: str = Field(primary_key=True)
    staff_id: str = Field(index=True)
    via: str
    started_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PersonalDataAccess(SQLModel, table=True):
    """A member of staff read a case's personal data (个人信息查阅记录, PIPL): who, when, which case, where."""

    __tablename__ = "routing_access"
    __table_args__ = (Index("ix_routing_access_case", "case_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor_id: str = Field(index=True)
    actor: str
    case_id: str
    what: str
    """``case`` (the case with its submission) or ``inbox`` (the list that shows each submission)."""


class AuditEntry(SQLModel, table=True):
    """Every change an admin makes to departments, handlers and rules (操作留痕)."""

    __tablename__ = "routing_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class IssuedNotice(SQLModel, table=True):
    """A formal notice issued to a disclosure applicant (告知书), as ``notice.issued`` says, and how it
    was delivered (送达) as each ``notice.delivered`` says."""

    __tablename__ = "routing_notice"

    notice_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    kind: str
    number: str
    issued_on: date
    facts: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    deliveries: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class NoticeSequence(SQLModel, table=True):
    """The last document number (文号) issued in each year; the next notice takes the one after."""

    __tablename__ = "routing_notice_sequence"

    year: int = Field(primary_key=True)
    last: int = 0


TABLES: list[type[SQLModel]] = [
    CaseKey,
    Department,
    RoutingRule,
    Task,
    SimilarCase,
    HistoryEntry,
    Handler,
    SignInAttempts,
    StaffSessionRecord,
    AuditEntry,
    PersonalDataAccess,
    CalendarYear,
    IssuedNotice,
    NoticeSequence,
]

SCHEMA = ServiceSchema("routing", TABLES, Path(__file__).parent / "migrations")
"""The routing database: its tables and their migrations."""
