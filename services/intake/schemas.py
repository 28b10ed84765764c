"""HTTP request and response bodies of intake (ARCHITECTURE §8). Unknown fields are refused."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from shared.codes import ApplicantType, DeliveryForm, DeliveryMethod, Rating, ReceivedVia
from shared.dates import BoundedDate
from shared.idnumbers import is_valid_credit_code, is_valid_id_number
from shared.text import CleanInput

_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


def _phone(value: str) -> str:
    compact = re.sub(r"[\s\-()（）]", "", value)
    if _MOBILE.match(compact) or _LANDLINE.match(compact):
        return value.strip()
    raise ValueError(
        "not a mobile number (11 digits starting 13–19) or a landline with area code (0531-12345678)"
    )


def _id_number(value: str) -> str:
    """A resident ID number or a unified social credit code, by its check character; which of the two
    an applicant must give depends on the applicant type (checked with the other rules of Art. 29)."""
    normalised = value.strip().upper()
    if not (is_valid_id_number(normalised) or is_valid_credit_code(normalised)):
        raise ValueError(
            "not a valid 18-character resident ID number or unified social credit code "
            "(its check character does not match)"
        )
    return normalised


Phone = Annotated[str, Field(max_length=32), AfterValidator(_phone)]
IdNumber = Annotated[str, Field(max_length=18), AfterValidator(_id_number)]
ShortText = Annotated[str, Field(min_length=1, max_length=100)]


class _Strict(CleanInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContactIn(_Strict):
    name: ShortText | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    address: str | None = Field(default=None, max_length=200)


class _Registered(_Strict):
    """How and when it arrived: set by registry staff (role ``staff``) only, for post, visits and faxes."""

    received_via: ReceivedVia | None = Field(default=None, description="Registry staff only.")
    received_at: BoundedDate | None = Field(
        default=None, description="Registry staff only: the legal receipt date."
    )


class MailboxMessageCreate(_Registered):
    """A letter to a mailbox. One matter per letter (一事一信); no attachments."""

    mailbox: str = Field(min_length=1, max_length=50)
    category: str = Field(min_length=1, max_length=50)
    subject: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=5000)
    contact: ContactIn
    publish_consent: bool = False


class CommentCreate(_Registered):
    body: str = Field(min_length=1, max_length=5000)
    clause: str | None = Field(default=None, max_length=100)
    contact: ContactIn | None = None


class ApplicantIn(_Strict):
    type: ApplicantType
    name: ShortText | None = None
    id_number: IdNumber | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    address: str | None = Field(default=None, max_length=200)
    organisation: str | None = Field(default=None, max_length=100)


class DisclosureRequestCreate(_Registered):
    """An application for government information (OGI Art. 29)."""

    applicant: ApplicantIn
    description: str = Field(min_length=1, max_length=5000)
    purpose: str | None = Field(default=None, max_length=1000)
    delivery_form: DeliveryForm
    delivery_method: DeliveryMethod


class SupplementCreate(_Strict):
    """The citizen's answer to a notice to supplement (补正)."""

    text: str = Field(min_length=1, max_length=5000)


class RatingCreate(_Strict):
    """How satisfied the citizen is with the reply (满意度评价)."""

    rating: Rating
    comment: str | None = Field(default=None, max_length=1000)


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


class ErasureCreate(_Strict):
    """An admin erases a concluded case's personal data on the person's request (PIPL Art. 47)."""

    case_id: UUID
    reason: str = Field(
        min_length=2, max_length=500, description="Why, as the request said (recorded; no personal data)."
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
