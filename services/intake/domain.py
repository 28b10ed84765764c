"""Intake's rules: tracking codes, receipt dates, and the citizen's view of a case.

Pure: no I/O, no framework imports. The citizen view is a projection of case events that shows
status, department, due date, the reply and a timeline — never handlers' names or internal notes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from shared.codes import ClockKind, ReceivedVia
from shared.dates import SHANGHAI, end_of_day, local_date
from shared.events import (
    CaseAccepted,
    CaseAssigned,
    CaseClosed,
    CasePublicationWithdrawn,
    CasePublished,
    CaseRated,
    CaseReopened,
    CaseReplied,
    CaseReturned,
    DeadlineExtended,
    DeadlineLapsed,
    DeadlineSet,
    EventPayload,
    SubmissionRefused,
    SupplementReceived,
    SupplementRequested,
)
from shared.idnumbers import is_valid_credit_code, is_valid_id_number

__all__ = [
    "CitizenView",
    "TimelineEntry",
    "apply_case_event",
    "comment_deadline",
    "hash_tracking_code",
    "late_comment_reason",
    "new_tracking_code",
    "normalise_tracking_code",
    "rating_refusal",
    "receipt_date",
    "supplement_refusal",
]

# No 0/O, 1/I/L or U/V look-alikes: read aloud and typed without doubt. 30 symbols, 16 of them
# → 78 random bits, shown in four groups of four (e.g. 7KQ3-MX9H-4TPR-2WAB).
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
TRACKING_LENGTH = 16


def new_tracking_code(choice: Callable[[str], str] = secrets.choice) -> str:
    """A tracking code (查询码): the citizen's only key to the case, so unguessable."""
    raw = "".join(choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, TRACKING_LENGTH, 4))


def normalise_tracking_code(code: str) -> str:
    """Accepts lower case, spaces and missing hyphens; gives the canonical grouped form."""
    compact = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def hash_tracking_code(code: str) -> str:
    """Only a hash is stored: a copy of the database does not hand out everyone's key."""
    return hashlib.sha256(normalise_tracking_code(code).encode()).hexdigest()


def receipt_date(received_via: ReceivedVia, received_at: datetime, registered_date: date | None) -> date:
    """The legal receipt date (OGI Art. 31).

    Online submissions: the day they arrive, in Asia/Shanghai. Post, letters, visits and faxes are
    registered by staff, who enter the day the rules give (signed for, confirmed, handed in).
    """
    if registered_date is not None:
        return registered_date
    return local_date(received_at)


CONCLUDED = ("replied", "closed", "refused", "answered", "not_selected")
"""States in which the case is decided: nothing the citizen sends reopens them but a rating (an
interview question's two, `services.intake.interview_rules`, included)."""

KEPT_WHEN_ERASED = frozenset(
    {"mailbox", "category", "consultation_id", "interview_id", "applicant_type", "delivery_form"}
    | {"delivery_method"}
    | {"received_via", "received_at", "publish_consent"}
)
"""What a submission keeps of its fields once its personal data is erased: how it was routed and counted
(`shared.sealing.erase_texts`)."""


def erasure_refusal(status: str, erased: bool) -> str | None:
    """Why a case's personal data cannot be erased now (None: it can). An open case is still being
    handled: its data serves its purpose until it is concluded."""
    if erased:
        return "the personal data of this case has already been erased"
    if status not in CONCLUDED:
        return f"the case is still open ({status}): personal data is erased once it is concluded"
    return None


def comment_deadline(closes_on: date, closed_on: date | None, closed_at: datetime | None) -> datetime:
    """The instant from which a consultation takes no more comments: the end of the day it announced,
    or the moment it was closed before that (a close from before release 0.3, without its instant,
    counts from the end of the day it was closed)."""
    end = end_of_day(closes_on)
    if closed_at is not None:
        return min(end, closed_at)
    if closed_on is not None:
        return min(end, end_of_day(closed_on))
    return end


def late_comment_reason(received_at: datetime, deadline: datetime) -> str | None:
    """Why a comment received at ``received_at`` is not taken (不予受理), or None when it was in time."""
    if received_at < deadline:
        return None
    closed, received = deadline.astimezone(SHANGHAI), received_at.astimezone(SHANGHAI)
    return (
        f"意见征集已于{closed:%Y年%m月%d日 %H:%M}截止，您的意见于{received:%Y年%m月%d日 %H:%M}收到，"
        "晚于截止时间，不纳入本次意见征集"
    )


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    event: str
    title: str
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class CitizenView:
    status: str
    department: str | None = None
    due_date: date | None = None
    due_date_provisional: bool = False
    reply: str | None = None
    replied_on: date | None = None
    timeline: tuple[TimelineEntry, ...] = field(default_factory=tuple)
    supplement_pending: bool = False
    supplement_due: date | None = None
    """The last day the applicant may supplement (补正期限, OGI Art. 30), as tracking counts it."""
    replies: int = 0
    rated_reply: int = 0

    def with_entry(self, at: datetime, event: str, title: str, detail: str | None = None) -> CitizenView:
        """The timeline in the order things happened, whatever order their events arrived in."""
        entry = TimelineEntry(at, event, title, detail)
        return replace(self, timeline=tuple(sorted((*self.timeline, entry), key=lambda e: e.at)))


def received_view(at: datetime) -> CitizenView:
    return CitizenView(status="received").with_entry(
        at, "submission.received", "已受理", "您的来信/申请已登记"
    )


def apply_case_event(view: CitizenView, payload: EventPayload, at: datetime | None = None) -> CitizenView:
    """The citizen view after one more case event. Events the citizen need not see leave it as it is."""
    when = at or datetime.now(UTC)
    match payload:
        case CaseAssigned(department_name=department):
            return replace(view, status="assigned", department=department).with_entry(
                when, "case.assigned", "已转办", f"转至{department}办理"
            )
        case CaseReturned():
            return replace(view, status="reassigning", department=None).with_entry(
                when, "case.returned", "重新分办"
            )
        case CaseAccepted():
            return replace(view, status="in_progress").with_entry(when, "case.accepted", "办理中")
        case SupplementRequested(items=items, due_date=due):
            asked = replace(view, status="supplement_requested", supplement_pending=True, supplement_due=due)
            return asked.with_entry(
                when, "supplement.requested", "需要补正", f"请于{due.isoformat()}前补充：{items}"
            )
        case DeadlineSet(clock=ClockKind.SUPPLEMENT_DUE, due_date=due, note=note):
            if not view.supplement_pending:
                return view
            return replace(view, supplement_due=due).with_entry(when, "deadline.set", "补正期限", note)
        case DeadlineLapsed(clock=ClockKind.SUPPLEMENT_DUE, due_date=due):
            if not view.supplement_pending or view.supplement_due != due:
                return view  # sent in time, or a date that has since moved
            return view.with_entry(
                when, "deadline.lapsed", "补正期限已届满", f"补正期限{due.isoformat()}已届满，未收到补正材料"
            )
        case SupplementReceived():
            if view.status in CONCLUDED:  # a late supplement does not reopen the case
                return replace(view, supplement_pending=False)
            return replace(view, status="in_progress", supplement_pending=False).with_entry(
                when, "supplement.received", "补正材料已收到"
            )
        case DeadlineSet(
            clock=ClockKind.REPLY | ClockKind.ADOPTION_REPORT, due_date=due, provisional=p, note=note
        ):
            if view.status in CONCLUDED:
                return view
            return replace(view, due_date=due, due_date_provisional=p).with_entry(
                when, "deadline.set", "答复期限", note
            )
        case DeadlineExtended(working_days=days, reason=reason):
            return view.with_entry(when, "deadline.extended", "延期答复", f"延长{days}个工作日：{reason}")
        case CaseReplied(text=text, replied_on=replied_on):
            return replace(
                view,
                status="replied",
                reply=text,
                replied_on=replied_on,
                replies=view.replies + 1,
                supplement_pending=False,  # the reply decided the request, supplemented or not
            ).with_entry(when, "case.replied", "已答复")
        case CaseReopened():
            return replace(view, status="in_progress").with_entry(when, "case.reopened", "重新办理")
        case CaseClosed():
            return replace(view, status="closed", supplement_pending=False).with_entry(
                when, "case.closed", "已办结"
            )
        case CasePublished():
            return view.with_entry(when, "case.published", "答复已公开", "答复经审核、隐去个人信息后公开")
        case CasePublicationWithdrawn():
            return view.with_entry(
                when, "case.publication_withdrawn", "答复已撤回公开", "公开的答复已撤回，不再在网站上显示"
            )
        case CaseRated():
            return replace(view, rated_reply=view.replies)  # this reply is rated: one rating per reply
        case SubmissionRefused(reason=reason):
            return replace(view, status="refused", supplement_pending=False, due_date=None).with_entry(
                when, "submission.refused", "未予受理", reason
            )
    return view


def supplement_refusal(view: CitizenView, today: date) -> str | None:
    """Why a supplement (补正材料) cannot be accepted ``today``, or None when it can: not after the
    deadline the notice gave (its last day included)."""
    if view.status in CONCLUDED:
        return f"the case has been {view.status}: a supplement is no longer accepted"
    if not view.supplement_pending:
        return "no supplement is pending for this case: none was asked for, or it was already sent"
    if view.supplement_due is not None and today > view.supplement_due:
        return f"the supplement deadline was {view.supplement_due.isoformat()}: a supplement is no longer accepted"
    return None


def rating_refusal(view: CitizenView) -> str | None:
    """Why the reply cannot be rated now, or None: one rating per reply, and only after a reply."""
    if view.replies == 0:
        return "the case has not been replied to yet; it can be rated after the reply"
    if view.rated_reply >= view.replies:
        return "this reply has already been rated"
    return None


def disclosure_request_problems(
    *,
    applicant_is_person: bool,
    name: str | None,
    id_number: str | None,
    organisation: str | None,
    phone: str | None,
    email: str | None,
    address: str | None,
    delivery_method: str,
) -> list[tuple[str, str]]:
    """What an application lacks under OGI Art. 29, as (field, why) pairs; empty when complete.

    ``id_number`` is the proof of identity: a resident ID number (居民身份证号码) for a natural person,
    the unified social credit code (统一社会信用代码, optional) for an organisation.
    """
    problems = []
    if applicant_is_person:
        if not name:
            problems.append(("applicant.name", "a natural person gives a name"))
        if not id_number:
            problems.append(("applicant.id_number", "a natural person gives an ID number"))
        elif not is_valid_id_number(id_number):
            problems.append(
                (
                    "applicant.id_number",
                    "a natural person gives a resident ID number, not a credit code",
                )
            )
    else:
        if not organisation:
            problems.append(("applicant.organisation", "an organisation applies in its own name"))
        if id_number and not is_valid_credit_code(id_number):
            problems.append(
                (
                    "applicant.id_number",
                    "an organisation gives its unified social credit code",
                )
            )
    if not (phone or email or address):
        problems.append(("applicant.phone", "give at least one way to reach you: phone, email or address"))
    if delivery_method == "post" and not address:
        problems.append(("applicant.address", "delivery by post needs an address"))
    if delivery_method == "email" and not email:
        problems.append(("applicant.email", "delivery by email needs an email address"))
    return problems
