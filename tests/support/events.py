"""Builders of ``shared.events`` payloads for tests: keyword arguments, sensible defaults.

A test passes the data it is about (a name to mask, a date to count, a reason to show); everything else
takes a default. Follow-up events (``assigned``, ``due``, ``replied``, ``decided``) take the case's id
and channel from the submission they follow, and date themselves on its receipt date unless told.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from uuid import UUID, uuid4

from shared.codes import Adoption, ApplicantType, Channel, ClockKind, DeliveryForm, DeliveryMethod, Outcome
from shared.dates import today
from shared.events import (
    CaseAssigned,
    CaseReplied,
    CommentContent,
    ConsultationOpened,
    Contact,
    DeadlineSet,
    DisclosureContent,
    EventPayload,
    MailboxContent,
    SubmissionReceived,
)

__all__ = [
    "ENGINEERING",
    "OPEN_GOVERNMENT",
    "POLICY",
    "Department",
    "assigned",
    "comment",
    "consultation_opened",
    "decided",
    "disclosure_request",
    "due",
    "handled",
    "letter",
    "replied",
]


class Department(NamedTuple):
    id: str
    name: str


ENGINEERING = Department("engineering", "人防工程管理处")
OPEN_GOVERNMENT = Department("open-government", "政务公开办公室")
POLICY = Department("policy", "政策法规处")


# --- submissions ----------------------------------------------------------------------------


def _received(
    channel: Channel,
    on: date | None,
    contact: Contact | None,
    *,
    mailbox: MailboxContent | None = None,
    comment: CommentContent | None = None,
    disclosure: DisclosureContent | None = None,
) -> SubmissionReceived:
    return SubmissionReceived(
        case_id=uuid4(),
        channel=channel,
        received_at=datetime.now(UTC),
        receipt_date=on or today(),
        contact=contact,
        mailbox=mailbox,
        comment=comment,
        disclosure=disclosure,
    )


def letter(
    subject: str = "人防工程咨询",
    body: str = "小区人防工程的车位能否出租？",
    *,
    on: date | None = None,
    contact: Contact | None = None,
    category: str = "咨询",
    mailbox: str = "civil-air-defence",
    consent: bool = True,
) -> SubmissionReceived:
    """A letter to a mailbox, received ``on`` (today), consenting to publication unless told not to."""
    content = MailboxContent(
        mailbox=mailbox, category=category, subject=subject, body=body, publish_consent=consent
    )
    return _received(Channel.MAILBOX, on, contact, mailbox=content)


def comment(
    consultation_id: str | UUID,
    body: str = "建议明确人防车位收费标准。",
    *,
    contact: Contact | None = None,
    clause: str | None = "第五条",
    on: date | None = None,
    closes_on: date | None = None,
) -> SubmissionReceived:
    """A comment on a consultation's draft, anonymous unless a ``contact`` is given."""
    content = CommentContent(
        consultation_id=UUID(str(consultation_id)), body=body, clause=clause, consultation_closes_on=closes_on
    )
    return _received(Channel.CONSULTATION_COMMENT, on, contact, comment=content)


def consultation_opened(consultation_id: UUID | None = None) -> ConsultationOpened:
    """A consultation open since yesterday for 30 days, as publishing announces it."""
    day = today()
    return ConsultationOpened(
        consultation_id=consultation_id or uuid4(),
        title="人防工程维护管理办法（征求意见稿）",
        summary="征求意见",
        opens_on=day - timedelta(days=1),
        closes_on=day + timedelta(days=29),
    )


def disclosure_request(
    applicant: ApplicantType = ApplicantType.NATURAL_PERSON,
    *,
    on: date | None = None,
    contact: Contact | None = None,
    description: str = "人防工程易地建设费收缴情况",
    purpose: str | None = None,
    delivery_form: DeliveryForm = DeliveryForm.ELECTRONIC,
    delivery_method: DeliveryMethod = DeliveryMethod.EMAIL,
) -> SubmissionReceived:
    """A request for government information (依申请公开), received ``on`` (today)."""
    content = DisclosureContent(
        applicant_type=applicant,
        description=description,
        purpose=purpose,
        delivery_form=delivery_form,
        delivery_method=delivery_method,
    )
    return _received(Channel.DISCLOSURE_REQUEST, on, contact, disclosure=content)


# --- what follows a submission --------------------------------------------------------------


def assigned(
    case: SubmissionReceived,
    department: Department = ENGINEERING,
    *,
    reason: str = "按分办规则",
    on: date | None = None,
) -> CaseAssigned:
    return CaseAssigned(
        case_id=case.case_id,
        channel=case.channel,
        department_id=department.id,
        department_name=department.name,
        reason=reason,
        assigned_on=on or case.receipt_date,
    )


def due(
    case: SubmissionReceived,
    on: date | None = None,
    *,
    clock: ClockKind = ClockKind.REPLY,
    cause: str = "case.assigned",
    note: str = "5个工作日",
) -> DeadlineSet:
    """A firm deadline on ``case``'s clock, ``on`` (a week after receipt: five working days)."""
    return DeadlineSet(
        case_id=case.case_id,
        clock=clock,
        due_date=on or case.receipt_date + timedelta(days=7),
        provisional=False,
        cause=cause,
        note=note,
    )


def replied(
    case: SubmissionReceived,
    text: str = "答复",
    *,
    department: Department = ENGINEERING,
    on: date | None = None,
    outcome: Outcome | None = None,
    adoption: Adoption | None = None,
    reason: str | None = None,
) -> CaseReplied:
    """The department's answer to ``case`` (its outcome or adoption decision, by channel)."""
    return CaseReplied(
        case_id=case.case_id,
        channel=case.channel,
        department_id=department.id,
        department_name=department.name,
        text=text,
        replied_on=on or case.receipt_date,
        outcome=outcome,
        adoption=adoption,
        reason=reason,
    )


def decided(
    case: SubmissionReceived, adoption: Adoption = Adoption.ADOPTED, reason: str | None = None
) -> CaseReplied:
    """Policy's decision on a comment, today; its text is the reason (or 采纳 without one)."""
    return replied(case, reason or "采纳", department=POLICY, on=today(), adoption=adoption, reason=reason)


def handled(
    case: SubmissionReceived,
    text: str = "答复",
    *,
    department: Department = ENGINEERING,
    reason: str = "按信箱分办",
    due_on: date | None = None,
    on: date | None = None,
) -> list[EventPayload]:
    """``case`` assigned to ``department``, given its reply deadline ``due_on`` (a week after receipt),
    and answered ``on`` (its receipt date)."""
    return [
        assigned(case, department, reason=reason),
        due(case, due_on),
        replied(case, text, department=department, on=on),
    ]
