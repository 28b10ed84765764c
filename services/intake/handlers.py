"""Intake's use cases: accept a submission, keep the citizen view and the open consultations."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4
from weakref import WeakKeyDictionary

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.db import (
    CaseView,
    ConsultationView,
    IdempotencyRecord,
    Mailbox,
    RecoveryAddress,
    Submission,
)
from services.intake.domain import (
    CitizenView,
    apply_case_event,
    comment_deadline,
    disclosure_request_problems,
    hash_tracking_code,
    late_comment_reason,
    new_tracking_code,
    rating_refusal,
    receipt_date,
    received_view,
    supplement_refusal,
)
from services.intake.idempotency import open_receipt, record_id, seal_receipt
from services.intake.notice_shelf import keep_in
from services.intake.notifications.choice import NotifyBy, choice_problem
from services.intake.recovery import address_key, addresses_of
from services.intake.schemas import (
    CaseStatusPublic,
    CommentCreate,
    DisclosureRequestCreate,
    FollowUpAccepted,
    MailboxMessageCreate,
    MailboxPublic,
    RatingCreate,
    Receipt,
    SupplementCreate,
)
from services.intake.unit_of_work import IntakeUnitOfWork, intake_unit_of_work
from services.intake.view_book import entry_json
from shared.auth import Principal
from shared.codes import ApplicantType, Channel, ReceivedVia, Role
from shared.dates import local_date
from shared.dates import today as shanghai_today
from shared.db import Database
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.events import (
    CaseRated,
    CommentContent,
    ConsultationClosed,
    ConsultationOpened,
    Contact,
    DisclosureContent,
    Envelope,
    EventPayload,
    MailboxContent,
    NoticeDownloaded,
    SubmissionReceived,
    SubmissionRefused,
    SupplementReceived,
)
from shared.runtime import ServiceRuntime
from shared.uow import CommandUseCase, Delivered, performed

B = TypeVar("B")

IDEMPOTENCY_RETENTION = timedelta(hours=24)
"""How long a retry with the same Idempotency-Key gets the first receipt back."""

# --- reading ----------------------------------------------------------------------------------


_MAILBOXES: WeakKeyDictionary[Database, list[MailboxPublic]] = WeakKeyDictionary()
"""The mailboxes of each database, read once: they are seed data, fixed while the service runs."""


async def list_mailboxes(runtime: ServiceRuntime) -> list[MailboxPublic]:
    cached = _MAILBOXES.get(runtime.database)
    if cached is not None:
        return cached
    async with runtime.database.session() as session:
        rows = (await session.exec(select(Mailbox).order_by(col(Mailbox.position)))).all()
    mailboxes = [
        MailboxPublic(id=m.id, name=m.name, description=m.description, categories=m.categories) for m in rows
    ]
    if mailboxes:  # not before the seed
        _MAILBOXES[runtime.database] = mailboxes
    return mailboxes


async def seed_mailboxes(runtime: ServiceRuntime, mailboxes: list[dict[str, Any]]) -> None:
    async with runtime.database.transaction() as session:
        if (await session.exec(select(Mailbox.id).limit(1))).first() is not None:
            return
        for position, item in enumerate(mailboxes):
            session.add(Mailbox(position=position, **item))


async def case_status(runtime: ServiceRuntime, tracking_code: str) -> CaseStatusPublic:
    async with runtime.database.session() as session:
        view = (
            await session.exec(
                select(CaseView).where(CaseView.tracking_hash == hash_tracking_code(tracking_code))
            )
        ).first()
    if view is None:
        raise NotFound("no case has this tracking code")
    return CaseStatusPublic(
        status=view.status,
        channel=view.channel,
        department=view.department,
        due_date=view.due_date,
        due_date_provisional=view.due_date_provisional,
        timeline=view.timeline,
        reply=view.reply,
        replied_on=view.replied_on,
        supplement_due=view.supplement_due if view.supplement_pending else None,
        supplement_pending=view.supplement_pending,
        rating_open=view.replies > view.rated_reply,
    )


# --- the citizen's follow-ups -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FollowUp(Generic[B]):
    """A citizen's follow-up on their case: the tracking code they hold, what they sent, and when."""

    tracking_code: str
    body: B
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


async def _case(uow: IntakeUnitOfWork, tracking_code: str) -> tuple[str, CitizenView]:
    found = await uow.views.by_code(hash_tracking_code(tracking_code))
    if found is None:
        raise NotFound("no case has this tracking code")
    return found


async def send_supplement(follow_up: FollowUp[SupplementCreate], uow: IntakeUnitOfWork) -> list[EventPayload]:
    """Answer a notice to supplement (补正); the reply clock starts again from today."""
    case_id, view = await _case(uow, follow_up.tracking_code)
    refusal = supplement_refusal(view, local_date(follow_up.at))
    if refusal:
        raise Conflict(refusal)
    if not await uow.views.claim_supplement(case_id):
        raise Conflict("the supplement was already sent")
    return [
        SupplementReceived(
            case_id=UUID(case_id), text=follow_up.body.text, receipt_date=local_date(follow_up.at)
        )
    ]


async def rate_reply(follow_up: FollowUp[RatingCreate], uow: IntakeUnitOfWork) -> list[EventPayload]:
    """Rate the reply (满意度评价), once per reply; unsatisfied sends the case back for re-handling."""
    case_id, view = await _case(uow, follow_up.tracking_code)
    refusal = rating_refusal(view)
    if refusal:
        raise Conflict(refusal)
    if not await uow.views.claim_rating(case_id, view.replies):
        raise Conflict("this reply has already been rated")
    body = follow_up.body
    return [CaseRated(case_id=UUID(case_id), rating=body.rating, comment=body.comment)]


async def followed_up(
    runtime: ServiceRuntime,
    use_case: CommandUseCase[FollowUp[Any], IntakeUnitOfWork],
    follow_up: FollowUp[Any],
) -> FollowUpAccepted:
    """A follow-up behind the HTTP edge (`shared.uow.performed`)."""

    async def answer(_uow: IntakeUnitOfWork, envelopes: list[Envelope]) -> FollowUpAccepted:
        return FollowUpAccepted(case_id=UUID(envelopes[0].subject), accepted_at=follow_up.at)

    return await performed(runtime, intake_unit_of_work, use_case, follow_up, answer)


# --- accepting submissions ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Registration:
    """How a submission arrived and who registered it (registry staff, for post, visits and faxes)."""

    received_via: ReceivedVia = ReceivedVia.ONLINE
    registered_date: date | None = None
    registered_by: str | None = None


def registration(
    principal: Principal | None, received_via: ReceivedVia | None, received_at: date | None
) -> Registration:
    """Only registry staff say how and when something arrived; the receipt date follows OGI Art. 31."""
    if received_via is None and received_at is None:
        return Registration()
    if principal is None or Role.STAFF not in principal.roles:
        raise Forbidden("received_via and received_at are set by registry staff (role staff) only")
    via = received_via or ReceivedVia.ONLINE
    if via is not ReceivedVia.ONLINE and received_at is None:
        raise InvalidInput("received_at", "a letter, visit or fax needs the receipt date the rules give")
    if received_at is not None and received_at > shanghai_today():
        raise InvalidInput("received_at", "the receipt date cannot be in the future")
    return Registration(via, received_at, principal.sub)


def notification_choice(choice: NotifyBy, *, email: str | None, phone: str | None) -> NotifyBy:
    """The way the citizen chose to be told, if what they gave allows it (422 naming ``notify_by``)."""
    problem = choice_problem(choice, email=email, phone=phone)
    if problem:
        raise InvalidInput("notify_by", problem)
    return choice


def request_fingerprint(scope: str, body: Any) -> str:
    return hashlib.sha256(json.dumps([scope, body], sort_keys=True, default=str).encode()).hexdigest()


async def submit_mailbox_message(
    runtime: ServiceRuntime,
    request: MailboxMessageCreate,
    *,
    idempotency_key: str | None = None,
    principal: Principal | None = None,
) -> Receipt:
    registered = registration(principal, request.received_via, request.received_at)
    mailbox = next((m for m in await list_mailboxes(runtime) if m.id == request.mailbox), None)
    if mailbox is None:
        raise InvalidInput("mailbox", f"unknown mailbox {request.mailbox!r}; see GET /api/v1/mailboxes")
    if request.category not in mailbox.categories:
        raise InvalidInput("category", f"{mailbox.name} takes the categories {', '.join(mailbox.categories)}")
    contact = Contact(**request.contact.model_dump())
    notify_by = notification_choice(request.notify_by, email=contact.email, phone=contact.phone)
    content = MailboxContent(
        mailbox=request.mailbox,
        category=request.category,
        subject=request.subject,
        body=request.body,
        publish_consent=request.publish_consent,
    )
    draft = Draft(
        channel=Channel.MAILBOX,
        contact=contact,
        content={"mailbox": content},
        stored=request.model_dump(mode="json"),
        registration=registered,
        notify_by=notify_by,
    )
    return await accept_draft(
        runtime, draft, (f"mailbox:{idempotency_key}", request) if idempotency_key else None
    )


async def submit_comment(
    runtime: ServiceRuntime,
    consultation_id: UUID,
    request: CommentCreate,
    *,
    idempotency_key: str | None = None,
    principal: Principal | None = None,
) -> Receipt:
    registered = registration(principal, request.received_via, request.received_at)
    async with runtime.database.session() as session:
        consultation = await session.get(ConsultationView, str(consultation_id))
    today = shanghai_today()
    if consultation is None:
        raise NotFound(f"no consultation {consultation_id}")
    if consultation.closed or datetime.now(UTC) >= _deadline(consultation):
        raise Conflict(
            f"the consultation «{consultation.title}» closed on {consultation.closed_on or consultation.closes_on}"
        )
    if today < consultation.opens_on:
        raise Conflict(f"the consultation «{consultation.title}» opens on {consultation.opens_on}")
    given = request.contact
    notify_by = notification_choice(
        request.notify_by, email=given.email if given else None, phone=given.phone if given else None
    )
    content = CommentContent(
        consultation_id=consultation_id,
        body=request.body,
        clause=request.clause,
        consultation_closes_on=consultation.closes_on,
    )
    draft = Draft(
        channel=Channel.CONSULTATION_COMMENT,
        contact=Contact(**request.contact.model_dump()) if request.contact else None,
        content={"comment": content},
        stored=request.model_dump(mode="json") | {"consultation_id": str(consultation_id)},
        registration=registered,
        notify_by=notify_by,
    )
    return await accept_draft(
        runtime, draft, (f"comment:{consultation_id}:{idempotency_key}", request) if idempotency_key else None
    )


async def submit_disclosure_request(
    runtime: ServiceRuntime,
    request: DisclosureRequestCreate,
    *,
    principal: Principal | None = None,
    idempotency_key: str | None = None,
) -> Receipt:
    registered = registration(principal, request.received_via, request.received_at)
    applicant = request.applicant
    problems = disclosure_request_problems(
        applicant_is_person=applicant.type is ApplicantType.NATURAL_PERSON,
        name=applicant.name,
        id_number=applicant.id_number,
        organisation=applicant.organisation,
        phone=applicant.phone,
        email=applicant.email,
        address=applicant.address,
        delivery_method=request.delivery_method.value,
    )
    if problems:
        raise InvalidInput(*problems[0], *problems[1:])
    notify_by = notification_choice(request.notify_by, email=applicant.email, phone=applicant.phone)
    content = DisclosureContent(
        applicant_type=applicant.type,
        description=request.description,
        purpose=request.purpose,
        delivery_form=request.delivery_form,
        delivery_method=request.delivery_method,
    )
    contact = Contact(**applicant.model_dump(exclude={"type"}))
    draft = Draft(
        channel=Channel.DISCLOSURE_REQUEST,
        contact=contact,
        content={"disclosure": content},
        stored=request.model_dump(mode="json"),
        registration=registered,
        notify_by=notify_by,
    )
    return await accept_draft(
        runtime, draft, (f"disclosure:{idempotency_key}", request) if idempotency_key else None
    )


@dataclass(frozen=True, slots=True)
class Draft:
    """A submission as accepted: what travels in the event, what is stored, how it arrived, and how
    the citizen is to be told of it."""

    channel: Channel
    contact: Contact | None
    content: dict[str, Any]
    stored: dict[str, Any]
    registration: Registration
    notify_by: NotifyBy = NotifyBy.NONE


@dataclass(frozen=True, slots=True)
class Submit:
    """A submission to accept: the draft, the new case's id and tracking code and the time — drawn by
    the edge, so that accepting draws nothing and a group commit that runs it again accepts the same —
    and the request's Idempotency-Key (scoped) with the request, if it came with one."""

    draft: Draft
    case_id: UUID
    tracking_code: str
    at: datetime
    idempotency: tuple[str, Any] | None = None
    address_hashes: tuple[str, ...] = ()
    """Keyed hashes of the contact's email and mobile, to find a lost tracking code by (找回查询码)."""


async def accept(submit: Submit, uow: IntakeUnitOfWork) -> list[EventPayload]:
    """Register the submission (收件登记) and issue its case's key: the key's event first (the others
    need it to open the rest), then ``submission.received``. A retry of a request already accepted
    changes nothing (the edge answers the first receipt); the same key with another body is refused."""
    fingerprint = None
    if submit.idempotency is not None:
        key, request = submit.idempotency
        fingerprint = request_fingerprint(key, request.model_dump(mode="json"))
        earlier = await uow.submissions.earlier(record_id(key), kept_since=submit.at - IDEMPOTENCY_RETENTION)
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                raise Conflict("this Idempotency-Key was used with a different request body")
            return []
    draft, registered = submit.draft, submit.draft.registration
    receipt_day = receipt_date(registered.received_via, submit.at, registered.registered_date)
    await uow.submissions.add(
        Submission(
            case_id=str(submit.case_id),
            tracking_hash=hash_tracking_code(submit.tracking_code),
            channel=draft.channel.value,
            received_at=submit.at,
            receipt_date=receipt_day,
            received_via=registered.received_via.value,
            registered_by=registered.registered_by,
            content=draft.stored,
            notify_by=None if draft.notify_by is NotifyBy.NONE else draft.notify_by.value,
        )
    )
    for address_hash in submit.address_hashes:
        await uow.submissions.add(RecoveryAddress(address_hash=address_hash, case_id=str(submit.case_id)))
    if submit.idempotency is not None and fingerprint is not None:
        key = submit.idempotency[0]
        await uow.submissions.add(
            IdempotencyRecord(
                key=record_id(key),
                request_hash=fingerprint,
                sealed=seal_receipt(key, _receipt(submit, receipt_day).model_dump(mode="json")),
                created_at=submit.at,
            )
        )
    return [
        await uow.submissions.issue_key(submit.case_id),
        SubmissionReceived(
            case_id=submit.case_id,
            channel=draft.channel,
            received_at=submit.at,
            receipt_date=receipt_day,
            received_via=registered.received_via,
            contact=draft.contact,
            **draft.content,
        ),
    ]


def _receipt(submit: Submit, receipt_day: date) -> Receipt:
    return Receipt(
        case_id=submit.case_id,
        tracking_code=submit.tracking_code,
        received_at=submit.at,
        receipt_date=receipt_day,
    )


async def accept_draft(runtime: ServiceRuntime, draft: Draft, idempotency: tuple[str, Any] | None) -> Receipt:
    """Accept in one transaction with the submissions arriving beside it (`shared.group_commit`): the
    submission, its citizen view (the projection of ``submission.received``) and the events."""
    addresses = addresses_of(address_key(runtime.settings.case_key_secret), draft.contact)
    submit = Submit(draft, uuid4(), new_tracking_code(), datetime.now(UTC), idempotency, tuple(addresses))

    async def unit(session: AsyncSession) -> Receipt:
        uow = await intake_unit_of_work(session, runtime.keyring)
        events = await accept(submit, uow)
        if not events:  # a retry: the first receipt
            key = idempotency[0] if idempotency is not None else ""
            earlier = await uow.submissions.earlier(
                record_id(key), kept_since=submit.at - IDEMPOTENCY_RETENTION
            )
            assert earlier is not None, "accept() found it"
            return Receipt.model_validate(open_receipt(key, earlier.sealed))
        await runtime.emit(session, events)
        received = next(e for e in events if isinstance(e, SubmissionReceived))
        return _receipt(submit, received.receipt_date)

    try:
        return await runtime.group_commit.run(unit)
    except IntegrityError:
        if idempotency is None:
            raise
        # the same key raced in from a retry: the first won; answer as it did
        return await runtime.group_commit.run(unit)


# --- reactions to events ----------------------------------------------------------------------


async def on_case_event(event: Delivered[EventPayload], uow: IntakeUnitOfWork) -> list[EventPayload]:
    """Keep the citizen view in step with what happens to the case."""
    case_id = event.envelope.subject
    before = await uow.views.view(case_id)
    if before is None:
        return []  # a case another intake instance's database holds, or one from before a reset
    after = apply_case_event(before, event.payload, event.envelope.time)
    if after != before:
        await uow.views.keep(case_id, after, event.envelope.time)
    return []


def _added(session: AsyncSession, case_id: str) -> Submission | None:
    """The submission this transaction added, not yet written."""
    return next((o for o in session.new if isinstance(o, Submission) and o.case_id == case_id), None)


async def project(session: AsyncSession, envelope: Envelope, payload: Any) -> None:
    """Intake's own events on the citizen view (`shared.consumer.Projector`): the view a submission
    opens, the supplement sent, the reply rated — as they happen, and again in a replay."""
    if isinstance(payload, SubmissionReceived):
        # As it is accepted, the submission is new in this very transaction and has no view yet:
        # found without a query. In a replay it is read.
        submission = _added(session, str(payload.case_id))
        if submission is None:
            submission = await session.get(Submission, str(payload.case_id))
            if submission is None or await session.get(CaseView, submission.case_id) is not None:
                return  # another intake database's case, or seen already
        view = received_view(payload.received_at)
        session.add(
            CaseView(
                case_id=submission.case_id,
                tracking_hash=submission.tracking_hash,
                channel=submission.channel,
                status=view.status,
                timeline=[entry_json(entry) for entry in view.timeline],
                updated_at=envelope.time,
            )
        )
    elif isinstance(payload, SupplementReceived | CaseRated | SubmissionRefused):
        await on_case_event(Delivered(envelope, payload), await intake_unit_of_work(session))
    elif isinstance(payload, NoticeDownloaded):
        await keep_in(session, envelope, payload)


async def on_consultation_opened(
    event: Delivered[ConsultationOpened], uow: IntakeUnitOfWork
) -> list[EventPayload]:
    """A consultation publishing opened (or corrected): comments on it are taken between its dates."""
    payload = event.payload
    row = await uow.consultations.consultation(str(payload.consultation_id))
    if row is None:
        row = ConsultationView(
            consultation_id=str(payload.consultation_id),
            title=payload.title,
            opens_on=payload.opens_on,
            closes_on=payload.closes_on,
        )
    else:
        row.title, row.opens_on, row.closes_on = payload.title, payload.opens_on, payload.closes_on
    await uow.consultations.keep(row)
    return []


def _deadline(consultation: ConsultationView) -> datetime:
    return comment_deadline(consultation.closes_on, consultation.closed_on, consultation.closed_at)


async def on_consultation_closed(
    event: Delivered[ConsultationClosed], uow: IntakeUnitOfWork
) -> list[EventPayload]:
    """Closed for comments; those that came in after the close but before this event reached intake
    are taken back (不予受理) on the day of the close, each with the reason the citizen reads on the
    tracking page."""
    payload = event.payload
    row = await uow.consultations.consultation(str(payload.consultation_id))
    if row is None:
        return []
    row.closed, row.closed_on, row.closed_at = True, payload.closed_on, payload.closed_at
    await uow.consultations.keep(row)
    deadline = _deadline(row)
    refused: list[EventPayload] = []
    for submission in await uow.consultations.comments_since(deadline):
        reason = late_comment_reason(submission.received_at, deadline)
        if reason is None or submission.content.get("consultation_id") != row.consultation_id:
            continue
        view = await uow.views.view(submission.case_id)
        if view is None or view.status == "refused":
            continue
        refused.append(
            SubmissionRefused(
                case_id=UUID(submission.case_id), reason=reason, refused_on=local_date(event.envelope.time)
            )
        )
    return refused
