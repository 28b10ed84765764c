"""Codes used in events, request bodies and responses (ARCHITECTURE §8, "Codes used in bodies")."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ANSWER_CLOCKS",
    "Adoption",
    "ApplicantType",
    "Channel",
    "ClockKind",
    "ClockState",
    "DeliveryForm",
    "DeliveryMethod",
    "Outcome",
    "Rating",
    "ReceivedVia",
    "Role",
    "handled_by_a_department",
    "on_answer_clock",
]


class Channel(StrEnum):
    """How a case came in: 领导信箱, 意见征集 comment, or 依申请公开 request."""

    MAILBOX = "mailbox"
    CONSULTATION_COMMENT = "consultation_comment"
    DISCLOSURE_REQUEST = "disclosure_request"
    INTERVIEW_QUESTION = "interview_question"
    """A question sent for an online interview (在线访谈): the interview's moderators take it up, not
    a department — no task, no reply clock, not a disclosure request (`handled_by_a_department`)."""


class ApplicantType(StrEnum):
    """The applicant columns of annual-report table three, less the total."""

    NATURAL_PERSON = "natural_person"
    BUSINESS = "business"
    RESEARCH_INSTITUTION = "research_institution"
    PUBLIC_INTEREST_ORG = "public_interest_org"
    LEGAL_SERVICES_ORG = "legal_services_org"
    OTHER_ORG = "other_org"


class ReceivedVia(StrEnum):
    """How a submission arrived; it decides the receipt date (OGI Art. 31)."""

    ONLINE = "online"
    POST_SIGNED = "post_signed"
    LETTER = "letter"
    IN_PERSON = "in_person"
    FAX = "fax"


class DeliveryForm(StrEnum):
    PAPER = "paper"
    ELECTRONIC = "electronic"


class DeliveryMethod(StrEnum):
    POST = "post"
    EMAIL = "email"
    PICKUP = "pickup"
    ONLINE = "online"


class Outcome(StrEnum):
    """Disclosure outcomes in the order of annual-report table three (ARCHITECTURE §4)."""

    DISCLOSED = "disclosed"
    PARTIALLY_DISCLOSED = "partially_disclosed"
    WITHHELD_STATE_SECRET = "withheld.state_secret"
    WITHHELD_PROHIBITED_BY_LAW = "withheld.prohibited_by_law"
    WITHHELD_SECURITY_STABILITY = "withheld.security_stability"
    WITHHELD_THIRD_PARTY_RIGHTS = "withheld.third_party_rights"
    WITHHELD_INTERNAL_AFFAIRS = "withheld.internal_affairs"
    WITHHELD_PROCESS_INFORMATION = "withheld.process_information"
    WITHHELD_ENFORCEMENT_FILE = "withheld.enforcement_file"
    WITHHELD_INQUIRY_MATTER = "withheld.inquiry_matter"
    UNAVAILABLE_NOT_HELD = "unavailable.not_held"
    UNAVAILABLE_NEEDS_CREATION = "unavailable.needs_creation"
    UNAVAILABLE_STILL_UNCLEAR = "unavailable.still_unclear"
    NOT_PROCESSED_PETITION_COMPLAINT = "not_processed.petition_complaint"
    NOT_PROCESSED_REPEATED = "not_processed.repeated"
    NOT_PROCESSED_PUBLICATION = "not_processed.publication"
    NOT_PROCESSED_EXCESSIVE = "not_processed.excessive"
    NOT_PROCESSED_CONFIRMATION = "not_processed.confirmation"
    OTHER_NO_SUPPLEMENT = "other.no_supplement"
    OTHER_UNPAID_FEE = "other.unpaid_fee"
    OTHER_OTHER = "other.other"

    @property
    def needs_reason(self) -> bool:
        """Everything but full disclosure withholds something and must say why and on what basis."""
        return self is not Outcome.DISCLOSED


class Adoption(StrEnum):
    ADOPTED = "adopted"
    PARTIALLY_ADOPTED = "partially_adopted"
    NOT_ADOPTED = "not_adopted"


class Rating(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"


class ClockKind(StrEnum):
    REPLY = "reply"
    SUPPLEMENT_WINDOW = "supplement_window"
    SUPPLEMENT_DUE = "supplement_due"
    """The applicant's deadline to supplement (补正期限, OGI Art. 30): the days the notice gives."""
    THIRD_PARTY = "third_party"
    RETURN_WINDOW = "return_window"
    ADOPTION_REPORT = "adoption_report"


ANSWER_CLOCKS = frozenset({ClockKind.REPLY, ClockKind.ADOPTION_REPORT})
"""The clocks of a case's answer — its reply, or a consultation's adoption report: the due date the
citizen's page and the handler's inbox show. The others (windows, a third party's) show nowhere."""


def on_answer_clock(payload: object) -> bool:
    """Whether a deadline event (set, warning, breached) is about an answer's clock."""
    return getattr(payload, "clock", None) in ANSWER_CLOCKS


def handled_by_a_department(payload: object) -> bool:
    """Whether a ``submission.received`` opens a case a department handles (routing assigns it, the
    figures count it): every channel's but an interview question's."""
    return getattr(payload, "channel", None) is not Channel.INTERVIEW_QUESTION


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    BREACHED = "breached"


class Role(StrEnum):
    STAFF = "staff"
    HANDLER = "handler"
    DEPARTMENT_HEAD = "department_head"
    DISCLOSURE_HEAD = "disclosure_head"
    REVIEWER = "reviewer"
    ADMIN = "admin"
    MODERATOR = "moderator"
    """访谈主持人: selects and groups an online interview's questions and enters the answers."""
