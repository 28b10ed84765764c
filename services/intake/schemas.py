"""HTTP request and response bodies of intake (ARCHITECTURE §8). Unknown fields are refused."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StrictBool

from services.intake.notifications.choice import NotifyBy
from shared.codes import ApplicantType, DeliveryForm, DeliveryMethod, Rating, ReceivedVia
from shared.dates import BoundedDate
from shared.idnumbers import is_valid_credit_code, is_valid_id_number
from shared.text import CleanInput, NonBlank, Visible

_S = r"[ \t\u3000\-()（）]*"
PHONE_PATTERN = (
    rf"^{_S}(?:(?:(?:\+{_S})?8{_S}6{_S})?1{_S}[3-9]{_S}(?:[0-9]{_S}){{9}}|0{_S}(?:[0-9]{_S}){{9,11}})$"
)
"""A mobile number (``+86`` or ``86`` before it allowed), 1 and 3–9 and nine digits, or a landline:
0 and 9 to 11 digits (area code and number) — spaces, hyphens and brackets anywhere between."""
_PHONE = re.compile(PHONE_PATTERN)

ID_NUMBER_PATTERN = r"^(?:[0-9]{17}[0-9Xx]|[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{10})$"
ID_NUMBER_FORMAT = "cn-id-number-or-credit-code"
"""Its check character (GB 11643, GB 32100), which no pattern states: the OpenAPI document names it as
this format (``tests/security/schemathesis_hooks.py`` teaches it to the fuzzer)."""


_SPECIAL_USE = "|".join(
    "".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in name) for name in SPECIAL_USE_DOMAIN_NAMES
)
EMAIL_PATTERN = rf"^(?![\s\S]*@(?:[^@]*\.)?(?:{_SPECIAL_USE})$)"
"""What email-validator refuses beyond the ``email`` format: a domain for special use (``.test``,
``.local``, ``localhost``, …), which no mail reaches."""


def _phone(value: str) -> str:
    if _PHONE.fullmatch(value):
        return value
    raise ValueError(
        "not a mobile number (11 digits starting 13–19) or a landline with area code (0531-12345678)"
    )


def _id_number(value: str) -> str:
    """A resident ID number or a unified social credit code, by its check character; which of the two
    an applicant must give depends on the applicant type (checked with the other rules of Art. 29)."""
    normalised = value.upper()
    if not (is_valid_id_number(normalised) or is_valid_credit_code(normalised)):
        raise ValueError(
            "not a valid 18-character resident ID number or unified social credit code "
            "(its check character does not match)"
        )
    return normalised


Phone = Annotated[
    str, Field(max_length=32, json_schema_extra={"pattern": PHONE_PATTERN}), AfterValidator(_phone)
]
IdNumber = Annotated[
    str,
    Field(
        max_length=18,
        json_schema_extra={"pattern": ID_NUMBER_PATTERN, "format": ID_NUMBER_FORMAT},
        description="An 18-character resident ID number or unified social credit code whose check "
        "character matches.",
    ),
    AfterValidator(_id_number),
]
Email = Annotated[EmailStr, Field(json_schema_extra={"pattern": EMAIL_PATTERN})]
ShortText = Annotated[NonBlank, Field(max_length=100)]
Text = Annotated[NonBlank, Field(max_length=5000)]


class _Strict(CleanInput):
    model_config = ConfigDict(extra="forbid")


class ContactIn(_Strict):
    name: ShortText | None = None
    phone: Phone | None = None
    email: Email | None = None
    address: str | None = Field(default=None, max_length=200)


class _Registered(_Strict):
    """How and when it arrived: set by registry staff (role ``staff``) only, for post, visits and faxes.
    And how the citizen wants to be told of their case (告知方式)."""

    notify_by: NotifyBy = Field(
        default=NotifyBy.NONE,
        description="Tell the citizen of the case's progress by email (needs the email address) or SMS "
        "(needs a mobile number), or not at all.",
    )
    received_via: ReceivedVia | None = Field(default=None, description="Registry staff only.")
    received_at: BoundedDate | None = Field(
        default=None, description="Registry staff only: the legal receipt date."
    )


class MailboxMessageCreate(_Registered):
    """A letter to a mailbox. One matter per letter (一事一信); no attachments."""

    mailbox: NonBlank = Field(max_length=50, examples=["civil-air-defence"])
    category: NonBlank = Field(max_length=50, examples=["咨询"])
    subject: ShortText
    body: Text
    contact: ContactIn
    publish_consent: StrictBool = False


class CommentCreate(_Registered):
    body: Text
    clause: str | None = Field(default=None, max_length=100)
    contact: ContactIn | None = None


class QuestionCreate(_Registered):
    """A question for an online interview (在线访谈): published only if the moderators select it, masked."""

    body: Text
    contact: ContactIn | None = None


class ApplicantIn(_Strict):
    type: ApplicantType
    name: ShortText | None = None
    id_number: IdNumber | None = None
    phone: Phone | None = None
    email: Email | None = None
    address: str | None = Field(default=None, max_length=200)
    organisation: str | None = Field(default=None, max_length=100)


class DisclosureRequestCreate(_Registered):
    """An application for government information (OGI Art. 29)."""

    applicant: ApplicantIn
    description: Text
    purpose: str | None = Field(default=None, max_length=1000)
    delivery_form: DeliveryForm
    delivery_method: DeliveryMethod


class SupplementCreate(_Strict):
    """The citizen's answer to a notice to supplement (补正)."""

    text: Text


class RatingCreate(_Strict):
    """How satisfied the citizen is with the reply (满意度评价)."""

    rating: Rating
    comment: str | None = Field(default=None, max_length=1000)


class ApplicantNoticePublic(BaseModel):
    """A formal notice on the applicant's request (告知书): download it as PDF or read it as HTML."""

    notice_id: str
    kind: str
    title: str
    number: str = Field(description="The document number (文号), e.g. 国动办依申告〔2026〕第12号.")
    issued_on: date


class FollowUpAccepted(BaseModel):
    case_id: UUID
    accepted_at: datetime


class Receipt(BaseModel):
    """What the citizen keeps: the tracking code is shown once."""

    case_id: UUID
    tracking_code: str
    received_at: datetime
    receipt_date: date


class MailboxPublic(BaseModel):
    id: str
    name: str
    description: str
    categories: list[str]


class CaseStatusPublic(BaseModel):
    status: str
    channel: str
    department: str | None
    due_date: date | None
    due_date_provisional: bool
    timeline: list[dict[str, Any]]
    reply: str | None
    replied_on: date | None
    supplement_due: date | None = Field(
        default=None,
        description="While a supplement is asked for: the last day it is accepted (补正期限, OGI Art. 30).",
    )
    supplement_pending: bool = Field(
        default=False, description="A supplement (补正) is asked for and not yet sent."
    )
    rating_open: bool = Field(
        default=False, description="The case has a reply not yet rated (满意度评价): it may be rated now."
    )


class ErasureCreate(_Strict):
    """An admin erases a concluded case's personal data on the person's request (PIPL Art. 47)."""

    case_id: UUID
    reason: Annotated[str, Visible(2)] = Field(
        max_length=500, description="Why, as the request said (recorded; no personal data)."
    )


class ErasurePublic(BaseModel):
    case_id: UUID
    erased_at: datetime
    cause: str = Field(description="request or retention")
    erased_by: str
    reason: str
    sealed_record_until: date | None = Field(
        description="Until when the sealed record (封存记录) is kept; None once it is destroyed, or when "
        "the retention period itself erased the case."
    )
