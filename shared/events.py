"""Event contracts: a CloudEvents 1.0 envelope (structured JSON mode) around a typed payload.

Every payload is a frozen pydantic model with ``extra="forbid"``: a producer cannot send a field the
contract does not name. Adding an optional field is compatible; anything else needs a new
``schemaversion``. Consumers are tolerant readers: they ignore types they do not handle and fields
their (older) copy of the contract does not know yet, so a rolling deploy of a new field breaks nothing.

    Envelope ── data ──► one of the payload classes below, chosen by ``type``
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Literal, Self
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.codes import (
    Adoption,
    ApplicantType,
    Channel,
    ClockKind,
    DeliveryForm,
    DeliveryMethod,
    Outcome,
    Rating,
    ReceivedVia,
)
from shared.failures import OwnMessage
from shared.notices import DeliveryWay, Issuer, NoticeFacts, NoticeKind
from shared.topics import CALENDAR_EVENTS, CASE_EVENTS, CASE_KEYS, CONSULTATION_EVENTS, TopicSpec

__all__ = [
    "EVENT_TYPES",
    "AdoptionReportPublished",
    "AdoptionReportRejected",
    "AdoptionReportWithdrawn",
    "CalendarRecountContinued",
    "CalendarUpdated",
    "CaseAccepted",
    "CaseAssigned",
    "CaseClosed",
    "CaseClustered",
    "CaseKeyIssued",
    "CasePublicationWithdrawn",
    "CasePublished",
    "CaseRated",
    "CaseReopened",
    "CaseReplied",
    "CaseReturned",
    "CaseSupervised",
    "CaseSupervisionAcknowledged",
    "CommentContent",
    "ConsultationClosed",
    "ConsultationOpened",
    "Contact",
    "DeadlineBreached",
    "DeadlineExtended",
    "DeadlineLapsed",
    "DeadlineSet",
    "DeadlineWarning",
    "DisclosureContent",
    "Envelope",
    "EventPayload",
    "InterviewClosed",
    "InterviewQuestionContent",
    "InterviewScheduled",
    "InterviewTranscriptPublished",
    "InvalidEvent",
    "MailboxContent",
    "NoticeDelivered",
    "NoticeDownloaded",
    "NoticeIssued",
    "PersonalDataErased",
    "ReviewRejected",
    "SubmissionReceived",
    "SubmissionRefused",
    "SupplementReceived",
    "SupplementRequested",
    "ThirdPartyConsulted",
    "ThirdPartyReplied",
    "decode_event",
    "encode_event",
    "new_event",
    "personal_fields",
]

SCHEMA_VERSION = "1"


class InvalidEvent(OwnMessage, ValueError):
    """A message that is not a valid event of a known schema: never retried, dead-lettered at once."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EventPayload(_Frozen):
    """Base of every payload. ``event_type`` is the CloudEvents ``type``; ``topic`` where it travels."""

    event_type: ClassVar[str]
    topic: ClassVar[TopicSpec]
    personal: ClassVar[tuple[str, ...]] = ()
    """The fields (dotted paths) that are a person's data: sealed with the case's key on the wire
    (`shared.sealing`), gone for good once the case's data is erased."""

    def subject(self) -> str:
        """The aggregate id: the message key and the CloudEvents ``subject``."""
        raise NotImplementedError


class _CaseEvent(EventPayload):
    topic: ClassVar[TopicSpec] = CASE_EVENTS
    case_id: UUID

    def subject(self) -> str:
        return str(self.case_id)


# --- submissions (intake) -------------------------------------------------------------------


class Contact(_Frozen):
    """Who wrote. Personal data: it travels only in ``submission.received``."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    organisation: str | None = None
    id_number: str | None = None


class MailboxContent(_Frozen):
    mailbox: str
    category: str
    subject: str
    body: str
    publish_consent: bool = False


class CommentContent(_Frozen):
    consultation_id: UUID
    body: str
    clause: str | None = None
    consultation_closes_on: date | None = None


class DisclosureContent(_Frozen):
    applicant_type: ApplicantType
    description: str
    purpose: str | None = None
    delivery_form: DeliveryForm
    delivery_method: DeliveryMethod


class InterviewQuestionContent(_Frozen):
    """A question sent for an online interview (在线访谈) before or while it runs."""

    interview_id: UUID
    body: str


class SubmissionReceived(_CaseEvent):
    """A citizen's submission is stored and has a tracking code (受理)."""

    event_type: ClassVar[str] = "submission.received"
    personal: ClassVar[tuple[str, ...]] = (
        *(f"contact.{field}" for field in Contact.model_fields),
        "mailbox.subject",
        "mailbox.body",
        "comment.body",
        "comment.clause",
        "disclosure.description",
        "disclosure.purpose",
        "question.body",
    )
    channel: Channel
    received_at: AwareDatetime
    receipt_date: date = Field(description="The legal receipt date in Asia/Shanghai (OGI Art. 31).")
    received_via: ReceivedVia = ReceivedVia.ONLINE
    contact: Contact | None = None
    mailbox: MailboxContent | None = None
    comment: CommentContent | None = None
    disclosure: DisclosureContent | None = None
    question: InterviewQuestionContent | None = None

    @model_validator(mode="after")
    def _content_matches_channel(self) -> Self:
        present = {
            Channel.MAILBOX: self.mailbox,
            Channel.CONSULTATION_COMMENT: self.comment,
            Channel.DISCLOSURE_REQUEST: self.disclosure,
            Channel.INTERVIEW_QUESTION: self.question,
        }
        if present[self.channel] is None:
            raise ValueError(f"channel {self.channel} needs its content")
        if sum(content is not None for content in present.values()) != 1:
            raise ValueError("exactly one channel's content may be present")
        return self


class SubmissionRefused(_CaseEvent):
    """Intake takes back what it accepted (不予受理): a comment that reached intake after its
    consultation had closed, which intake learns only when ``consultation.closed`` arrives."""

    event_type: ClassVar[str] = "submission.refused"
    reason: str
    refused_on: date


class SupplementReceived(_CaseEvent):
    event_type: ClassVar[str] = "supplement.received"
    personal: ClassVar[tuple[str, ...]] = ("text",)
    text: str
    receipt_date: date


class CaseRated(_CaseEvent):
    event_type: ClassVar[str] = "case.rated"
    personal: ClassVar[tuple[str, ...]] = ("comment",)
    rating: Rating
    comment: str | None = None


# --- case keys (intake), on the compacted ``case-keys`` topic ---------------------------------


class _CaseKeyRecord(EventPayload):
    topic: ClassVar[TopicSpec] = CASE_KEYS
    case_id: UUID

    def subject(self) -> str:
        return str(self.case_id)


class CaseKeyIssued(_CaseKeyRecord):
    """The key that seals the case's personal data (`shared.sealing`), wrapped with the key-encryption
    key. The topic is compacted: once the case's data is erased, Kafka keeps only the erasure."""

    event_type: ClassVar[str] = "case_key.issued"
    wrapped_key: str


class PersonalDataErased(_CaseKeyRecord):
    """The case's personal data is erased (个人信息删除, PIPL Art. 47): its key is destroyed, so every
    sealed field of its events is unreadable for good, and every service scrubs what it kept."""

    event_type: ClassVar[str] = "personal_data.erased"
    erased_on: date
    cause: Literal["request", "retention"] = Field(
        description="An admin erased it on request, or the retention period of a concluded case ran out."
    )


# --- handling (routing) ---------------------------------------------------------------------


class _StaffAction(_CaseEvent):
    """What a member of staff did to a case (or routing's rules did, when ``by`` is None)."""

    by: str | None = Field(default=None, description="Who did it (name and staff id), for the case history.")


class CaseAssigned(_StaffAction):
    """Routed to a department (转办), with the rule that matched and why."""

    event_type: ClassVar[str] = "case.assigned"
    channel: Channel
    department_id: str
    department_name: str
    rule_id: str | None = None
    reason: str
    assigned_on: date
    cluster_id: str | None = Field(
        default=None,
        description="Similar submissions (相似诉求) share one. Set by releases before 0.4; since, "
        "``case.clustered`` says it, apart from the assignment.",
    )
    rerouted: bool = Field(
        default=False,
        description="An admin gave a case sent back for re-handling (发回重办) to another department "
        "(改派): its re-handling starts again on ``assigned_on``.",
    )


class CaseClustered(_CaseEvent):
    """Routing compared the submission with every case before it (相似诉求归并): it joins the cluster of
    the most similar one at or above the threshold, or starts a cluster named after itself."""

    event_type: ClassVar[str] = "case.clustered"
    cluster_id: str


class CaseReturned(_StaffAction):
    """A department that is not responsible sent the case back (退回)."""

    event_type: ClassVar[str] = "case.returned"
    department_id: str
    reason: str


class CaseAccepted(_StaffAction):
    event_type: ClassVar[str] = "case.accepted"
    department_id: str


class SupplementRequested(_StaffAction):
    """A notice to supplement the request (补正)."""

    event_type: ClassVar[str] = "supplement.requested"
    items: str
    due_date: date
    requested_on: date
    working_days: int | None = Field(
        default=None,
        gt=0,
        description="The working days the notice gives the applicant, counted from ``requested_on`` "
        "(tracking's clock of the applicant's supplement deadline). Absent in earlier releases: then "
        "the working days up to ``due_date``.",
    )


class ThirdPartyConsulted(_StaffAction):
    event_type: ClassVar[str] = "third_party.consulted"
    personal: ClassVar[tuple[str, ...]] = ("party",)
    party: str
    consulted_on: date
    party_id: str | None = Field(
        default=None,
        description="Which of the case's third parties (OGI Art. 32: several may be consulted at "
        "once, each with its own 15 working days); absent in earlier releases, when one was at a time.",
    )


class ThirdPartyReplied(_StaffAction):
    event_type: ClassVar[str] = "third_party.replied"
    replied_on: date
    party_id: str | None = Field(
        default=None,
        description="Which third party answered (its ``party_id`` in ``third_party.consulted``); "
        "absent in earlier releases: every party still waited for.",
    )


class DeadlineExtended(_StaffAction):
    event_type: ClassVar[str] = "deadline.extended"
    working_days: int = Field(gt=0)
    reason: str


class CaseReplied(_StaffAction):
    """The department's answer (答复): text, plus an outcome or adoption decision by channel."""

    event_type: ClassVar[str] = "case.replied"
    personal: ClassVar[tuple[str, ...]] = ("text", "reason")
    channel: Channel
    department_id: str
    department_name: str
    text: str
    replied_on: date
    outcome: Outcome | None = None
    adoption: Adoption | None = None
    reason: str | None = None


class CaseReopened(_CaseEvent):
    """Sent back for re-handling (发回重办)."""

    event_type: ClassVar[str] = "case.reopened"
    personal: ClassVar[tuple[str, ...]] = ("reason",)
    reason: str


class CaseSupervised(_CaseEvent):
    """Unsatisfied again: the case goes to supervision (督办) — on the supervision list, with a notice
    to its department's head. Sent beside the ``case.reopened`` of the rating that made it so."""

    event_type: ClassVar[str] = "case.supervised"
    department_id: str
    department_name: str
    unsatisfied: int = Field(gt=0, description="Unsatisfied ratings of the case's replies so far.")
    reason: str = Field(description="Why, in the office's words (never the citizen's comment).")
    supervised_on: date


class CaseSupervisionAcknowledged(_StaffAction):
    """The department head read the notice of the case's supervision (督办通知已阅)."""

    event_type: ClassVar[str] = "case.supervision_acknowledged"
    department_id: str
    unsatisfied: int = Field(gt=0, description="The supervision read: its ``case.supervised``'s count.")
    acknowledged_on: date


class CaseClosed(_StaffAction):
    """Concluded (办结)."""

    event_type: ClassVar[str] = "case.closed"
    closed_on: date


# --- clocks (tracking) ----------------------------------------------------------------------


class DeadlineSet(_CaseEvent):
    event_type: ClassVar[str] = "deadline.set"
    clock: ClockKind
    due_date: date
    party_id: str | None = Field(
        default=None, description="A third party's clock: which party (``third_party.consulted``)."
    )
    provisional: bool
    old_due_date: date | None = None
    cause: str = Field(description="The event type that set or moved the date.")
    note: str = Field(description="How the date was counted, in words a citizen can read.")


class DeadlineWarning(_CaseEvent):
    """Yellow card (黄牌): one working day before the due date."""

    event_type: ClassVar[str] = "deadline.warning"
    clock: ClockKind
    due_date: date
    party_id: str | None = Field(
        default=None, description="A third party's clock: which party (``third_party.consulted``)."
    )


class DeadlineBreached(_CaseEvent):
    """Red card (红牌): the first working day after the due date."""

    event_type: ClassVar[str] = "deadline.breached"
    clock: ClockKind
    due_date: date
    party_id: str | None = Field(
        default=None, description="A third party's clock: which party (``third_party.consulted``)."
    )


class DeadlineLapsed(_CaseEvent):
    """A window ran out unused (the return window, the window to ask for a supplement): no card — not
    using a window is not being late — but the clock stops on its due date, and everyone can see why."""

    event_type: ClassVar[str] = "deadline.lapsed"
    clock: ClockKind
    due_date: date


class CalendarUpdated(EventPayload):
    event_type: ClassVar[str] = "calendar.updated"
    topic: ClassVar[TopicSpec] = CALENDAR_EVENTS
    year: int
    holidays: tuple[date, ...]
    extra_workdays: tuple[date, ...]
    status: Literal["announced", "provisional"]

    def subject(self) -> str:
        return str(self.year)


class CalendarRecountContinued(EventPayload):
    """Tracking's bookmark in the recount a ``calendar.updated`` started: the open clocks are counted
    again a bounded chunk at a time, each chunk in a transaction of its own (so no writer waits
    seconds behind a recount), and this event carries the recount on from the clock after
    ``after_clock_id``. It travels behind the notice on the year's partition. A replay, whose clocks
    are numbered anew, recounts whole at the notice and passes these over. Other services skip it."""

    event_type: ClassVar[str] = "calendar.recount_continued"
    topic: ClassVar[TopicSpec] = CALENDAR_EVENTS
    year: int
    status: Literal["announced", "provisional"]
    after_clock_id: int
    cause_id: UUID = Field(description="The ``calendar.updated`` event the recount follows.")
    cause_time: datetime = Field(description="That event's time: the day the recount counts from.")

    def subject(self) -> str:
        return str(self.year)


# --- the public (publishing) ----------------------------------------------------------------


class ConsultationOpened(EventPayload):
    event_type: ClassVar[str] = "consultation.opened"
    topic: ClassVar[TopicSpec] = CONSULTATION_EVENTS
    consultation_id: UUID
    title: str
    summary: str
    opens_on: date
    closes_on: date
    short_period_reason: str | None = None

    def subject(self) -> str:
        return str(self.consultation_id)


class ConsultationClosed(EventPayload):
    event_type: ClassVar[str] = "consultation.closed"
    topic: ClassVar[TopicSpec] = CONSULTATION_EVENTS
    consultation_id: UUID
    closed_on: date
    closed_at: AwareDatetime | None = Field(
        default=None,
        description="The instant it closed: a comment received after it is late. Absent (release 0.2 "
        "and before): the end of closed_on in Asia/Shanghai.",
    )

    def subject(self) -> str:
        return str(self.consultation_id)


class CasePublished(_CaseEvent):
    event_type: ClassVar[str] = "case.published"
    publication_id: UUID
    published_on: date


class CasePublicationWithdrawn(_CaseEvent):
    """A published reply was withdrawn from the public (撤回) with a reason publishing keeps: gone from
    its pages, API and feeds."""

    event_type: ClassVar[str] = "case.publication_withdrawn"
    review_id: UUID
    withdrawn_on: date


class ReviewRejected(_CaseEvent):
    """A reviewer refused to publish a reply (三审未通过): back to the department that wrote it."""

    event_type: ClassVar[str] = "review.rejected"
    review_id: UUID
    department_id: str | None
    reviewer: str
    reason: str


class AdoptionReportRejected(EventPayload):
    """A reviewer refused to publish an adoption report: back to the office that compiled it."""

    event_type: ClassVar[str] = "adoption_report.rejected"
    topic: ClassVar[TopicSpec] = CONSULTATION_EVENTS
    consultation_id: UUID
    review_id: UUID
    reviewer: str
    reason: str

    def subject(self) -> str:
        return str(self.consultation_id)


class AdoptionReportPublished(EventPayload):
    event_type: ClassVar[str] = "adoption_report.published"
    topic: ClassVar[TopicSpec] = CONSULTATION_EVENTS
    consultation_id: UUID
    received: int
    adopted: int
    partially_adopted: int
    not_adopted: int

    def subject(self) -> str:
        return str(self.consultation_id)


# --- formal notices to a disclosure applicant (routing; delivery also intake) ------------------


class NoticeIssued(_CaseEvent):
    """A formal notice to the applicant (告知书) with its document number (文号), as issued: what
    `shared.notices.compose` words, with the office and appeal bodies of the day — the applicant's
    name is not in it (each renderer has it)."""

    event_type: ClassVar[str] = "notice.issued"
    personal: ClassVar[tuple[str, ...]] = ("text", "reason")
    notice_id: UUID
    kind: NoticeKind
    year: int = Field(ge=2000, le=9999)
    sequence: int = Field(ge=1)
    number: str
    issued_on: date
    receipt_date: date
    office: str
    reconsideration_body: str
    court: str
    reconsideration_days: int = Field(ge=1)
    litigation_months: int = Field(ge=1)
    items: str | None = None
    working_days: int | None = None
    due_date: date | None = None
    reason: str | None = None
    outcome: Outcome | None = None
    legal_basis: str | None = None
    text: str | None = None
    by: str | None = None

    def facts(self) -> NoticeFacts:
        return NoticeFacts(
            kind=self.kind,
            number=self.number,
            issued_on=self.issued_on,
            receipt_date=self.receipt_date,
            issuer=Issuer(
                office=self.office,
                reconsideration_body=self.reconsideration_body,
                court=self.court,
                reconsideration_days=self.reconsideration_days,
                litigation_months=self.litigation_months,
            ),
            items=self.items,
            working_days=self.working_days,
            due_date=self.due_date,
            reason=self.reason,
            outcome=self.outcome,
            legal_basis=self.legal_basis,
            text=self.text,
        )


class NoticeDelivered(_CaseEvent):
    """A notice reached the applicant (送达) by post, in person or by email, as the handler records it."""

    event_type: ClassVar[str] = "notice.delivered"
    notice_id: UUID
    number: str
    way: DeliveryWay
    delivered_at: AwareDatetime
    by: str | None = None
    note: str | None = None


class _InterviewEvent(EventPayload):
    """An online interview's (在线访谈) event: it travels with the consultations on the topic of public
    participation, keyed by the interview's id."""

    topic: ClassVar[TopicSpec] = CONSULTATION_EVENTS
    interview_id: UUID

    def subject(self) -> str:
        return str(self.interview_id)


class InterviewScheduled(_InterviewEvent):
    """An admin scheduled an interview (or changed its schedule): questions are taken from now until
    it ends, or until ``interview.closed`` says it closed earlier."""

    event_type: ClassVar[str] = "interview.scheduled"
    title: str
    guest: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class InterviewClosed(_InterviewEvent):
    """The interview takes no more questions; one received after ``closed_at`` is not taken up."""

    event_type: ClassVar[str] = "interview.closed"
    closed_at: AwareDatetime


class InterviewTranscriptPublished(_InterviewEvent):
    """The transcript (访谈实录), reviewed and masked, is public: ``selected`` are the cases of the
    questions it holds — each asker to be told — of ``received`` questions taken."""

    event_type: ClassVar[str] = "interview.transcript_published"
    title: str
    published_on: date
    received: int
    selected: tuple[UUID, ...]
    answered: int


class AdoptionReportWithdrawn(EventPayload):
    """A published adoption report was withdrawn from the public (撤回)."""

    event_type: ClassVar[str] = "adoption_report.withdrawn"
    topic: ClassVar[TopicSpec] = CONSULTATION_EVENTS
    consultation_id: UUID
    review_id: UUID
    withdrawn_on: date

    def subject(self) -> str:
        return str(self.consultation_id)


class NoticeDownloaded(_CaseEvent):
    """The applicant downloaded a notice with their tracking code for the first time: its delivery
    online (网上送达), on that instant."""

    event_type: ClassVar[str] = "notice.downloaded"
    notice_id: UUID
    number: str
    downloaded_at: AwareDatetime


EVENT_TYPES: dict[str, type[EventPayload]] = {
    cls.event_type: cls
    for cls in (
        SubmissionReceived,
        SubmissionRefused,
        SupplementReceived,
        CaseRated,
        CaseAssigned,
        CaseClustered,
        CaseReturned,
        CaseAccepted,
        SupplementRequested,
        ThirdPartyConsulted,
        ThirdPartyReplied,
        DeadlineExtended,
        CaseReplied,
        CaseReopened,
        CaseSupervised,
        CaseSupervisionAcknowledged,
        CaseClosed,
        DeadlineSet,
        DeadlineWarning,
        DeadlineBreached,
        DeadlineLapsed,
        CalendarUpdated,
        CalendarRecountContinued,
        ConsultationOpened,
        ConsultationClosed,
        CasePublished,
        ReviewRejected,
        AdoptionReportRejected,
        AdoptionReportPublished,
        CasePublicationWithdrawn,
        AdoptionReportWithdrawn,
        InterviewScheduled,
        InterviewClosed,
        InterviewTranscriptPublished,
        CaseKeyIssued,
        PersonalDataErased,
        NoticeIssued,
        NoticeDelivered,
        NoticeDownloaded,
    )
}


EXTENSION_NAME = re.compile(r"^[a-z0-9]+$")
"""A CloudEvents attribute's name: lowercase letters and digits only (CloudEvents 1.0, §3.1.1)."""


class Envelope(_Frozen):
    """CloudEvents 1.0 attributes plus the ``schemaversion`` and ``correlationid`` extensions. Other
    extension attributes a producer adds (``traceparent``, ``dataschema``, ``partitionkey`` …) are kept
    as they are and travel on — a valid CloudEvent is never refused for carrying one."""

    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: UUID
    source: str
    type: str
    time: AwareDatetime
    subject: str
    datacontenttype: Literal["application/json"] = "application/json"
    schemaversion: str = SCHEMA_VERSION
    correlationid: str
    data: dict[str, Any]
    personaldata: str | None = Field(
        default=None,
        description="Extension attribute: the payload's personal fields, sealed with the case's key "
        "(`shared.sealing`); absent when the event carries none (or was sent before release 0.3).",
    )

    @model_validator(mode="after")
    def _extensions_are_cloudevents_attributes(self) -> Envelope:
        for name, value in (self.model_extra or {}).items():
            if not EXTENSION_NAME.match(name):
                raise ValueError(f"{name!r} is no CloudEvents attribute name (lowercase letters and digits)")
            if value is not None and not isinstance(value, str | int | bool):
                raise ValueError(f"extension attribute {name!r} must be a string, a number or a boolean")
        return self


def new_event(payload: EventPayload, *, source: str, correlation_id: str | None = None) -> Envelope:
    """Wrap a payload. The correlation id defaults to the aggregate id, so one case's events share it."""
    return Envelope(
        id=uuid4(),
        source=source,
        type=payload.event_type,
        time=datetime.now(UTC),
        subject=payload.subject(),
        correlationid=correlation_id or payload.subject(),
        data=payload.model_dump(mode="json"),
    )


def encode_event(envelope: Envelope) -> bytes:
    return envelope.model_dump_json().encode()


def personal_fields(event_type: str) -> tuple[str, ...]:
    """The personal fields of an event type (none for a type this contract does not know)."""
    payload_type = EVENT_TYPES.get(event_type)
    return payload_type.personal if payload_type is not None else ()


def decode_event(raw: bytes) -> tuple[Envelope, EventPayload | None]:
    """Parse a message. The payload is None for a type this contract does not know.

    Raises InvalidEvent when the bytes are not JSON, not a CloudEvents envelope, or the data does not
    fit the payload schema of its type.
    """
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidEvent(f"not JSON: {exc}") from exc
    try:
        envelope = Envelope.model_validate(document)
    except ValidationError as exc:
        raise InvalidEvent(f"not a CloudEvents envelope: {_summary(exc)}") from exc
    payload_type = EVENT_TYPES.get(envelope.type)
    if payload_type is None:
        return envelope, None
    if envelope.schemaversion != SCHEMA_VERSION:
        raise InvalidEvent(f"{envelope.type}: unsupported schemaversion {envelope.schemaversion}")
    try:
        payload = payload_type.model_validate(envelope.data, extra="ignore")
    except ValidationError as exc:
        raise InvalidEvent(f"{envelope.type}: {_summary(exc)}") from exc
    if payload.subject() != envelope.subject:
        raise InvalidEvent(f"{envelope.type}: subject {envelope.subject} is not the payload's aggregate")
    return envelope, payload


def _summary(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or '(root)'}: {error['msg']}"
        for error in exc.errors()
    )
