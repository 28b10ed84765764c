"""Intake's use cases: accept a submission, keep the citizen view and the open consultations."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from weakref import WeakKeyDictionary

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.db import CaseView, ConsultationView, IdempotencyRecord, Mailbox, Submission
from services.intake.domain import (
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
from services.intake.view_book import ViewsUnitOfWork, entry_json, view_of, views_unit_of_work
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
    SubmissionReceived,
    SubmissionRefused,
    SupplementReceived,
)
from shared.runtime import ServiceRuntime
from shared.uow import Delivered

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
    )


async def _view_row(session: AsyncSession, tracking_code: str) -> CaseView:
    row = (
        await session.exec(
            select(CaseView).where(CaseView.tracking_hash == hash_tracking_code(tracking_code))
        )
    ).first()
    if row is None:
        raise NotFound("no case has this tracking code")
    return row


# --- the citizen's follow-ups -------------------------------------------------------------------


async def submit_supplement(
    runtime: ServiceRuntime, tracking_code: str, body: SupplementCreate
) -> FollowUpAccepted:
    """Answer a notice to supplement (补正); the reply clock starts again from today."""
    async with runtime.unit_of_work() as session:
        row = await _view_row(session, tracking_code)
        refusal = supplement_refusal(view_of(row))
        if refusal:
            raise Conflict(refusal)
        claimed = await session.exec(
            update(CaseView)
            .where(col(CaseView.case_id) == row.case_id, col(CaseView.supplement_pending).is_(True))
            .values(supplement_pending=False)
        )
        if claimed.rowcount != 1:
            raise Conflict("the supplement was already sent")
        now = datetime.now(UTC)
        await runtime.emit(
            session,
            [SupplementReceived(case_id=UUID(row.case_id), text=body.text, receipt_date=local_date(now))],
        )
    return FollowUpAccepted(case_id=UUID(row.case_id), accepted_at=now)


async def rate_reply(runtime: ServiceRuntime, tracking_code: str, body: RatingCreate) -> FollowUpAccepted:
    """Rate the reply (满意度评价), once per reply; unsatisfied sends the case back for re-handling."""
    async with runtime.unit_of_work() as session:
        row = await _view_row(session, tracking_code)
        refusal = rating_refusal(view_of(row))
        if refusal:
            raise Conflict(refusal)
        claimed = await session.exec(
            update(CaseView)
            .where(col(CaseView.case_id) == row.case_id, col(CaseView.rated_reply) < row.replies)
            .values(rated_reply=row.replies)
        )
        if claimed.rowcount != 1:
            raise Conflict("this reply has already been rated")
        await runtime.emit(
            session, [CaseRated(case_id=UUID(row.case_id), rating=body.rating, comment=body.comment)]
        )
    return FollowUpAccepted(case_id=UUID(row.case_id), accepted_at=datetime.now(UTC))


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
    )
    return await _accept(runtime, draft, (f"mailbox:{idempotency_key}", request) if idempotency_key else None)


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
    )
    return await _accept(
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
    )
    return await _accept(
        runtime, draft, (f"disclosure:{idempotency_key}", request) if idempotency_key else None
    )


@dataclass(frozen=True, slots=True)
class Draft:
    """A submission as accepted: what travels in the event, what is stored, and how it arrived."""

    channel: Channel
    contact: Contact | None
    content: dict[str, Any]
    stored: dict[str, Any]
    registration: Registration


async def _accept(runtime: ServiceRuntime, draft: Draft, idempotency: tuple[str, Any] | None) -> Receipt:
    """Store the submission, its citizen view and ``submission.received`` in one transaction."""
    try:
        return await _accept_once(runtime, draft, idempotency)
    except IntegrityError:
        if idempotency is None:
            raise
        # the same key raced in from a retry: the first won; answer as it did
        return await _accept_once(runtime, draft, idempotency)


async def _accept_once(runtime: ServiceRuntime, draft: Draft, idempotency: tuple[str, Any] | None) -> Receipt:
    """Committed together with the submissions arriving beside it (`shared.group_commit`)."""

    async def accept(session: AsyncSession) -> Receipt:
        if idempotency is not None:
            key, request = idempotency
            fingerprint = request_fingerprint(key, request.model_dump(mode="json"))
            await session.exec(
                delete(IdempotencyRecord).where(
                    col(IdempotencyRecord.created_at) < datetime.now(UTC) - IDEMPOTENCY_RETENTION
                )
            )
            earlier = await session.get(IdempotencyRecord, record_id(key))
            if earlier is not None:
                if earlier.request_hash != fingerprint:
                    raise Conflict("this Idempotency-Key was used with a different request body")
                return Receipt.model_validate(open_receipt(key, earlier.sealed))
        case_id = uuid4()
        code = new_tracking_code()
        now = datetime.now(UTC)
        receipt_day = receipt_date(draft.registration.received_via, now, draft.registration.registered_date)
        session.add(
            Submission(
                case_id=str(case_id),
                tracking_hash=hash_tracking_code(code),
                channel=draft.channel.value,
                received_at=now,
                receipt_date=receipt_day,
                received_via=draft.registration.received_via.value,
                registered_by=draft.registration.registered_by,
                content=draft.stored,
            )
        )
        assert runtime.keyring is not None, "intake runs with a keyring"
        await runtime.emit(
            session,
            [
                runtime.keyring.issue(session, case_id),  # first: the others need it to open the rest
                SubmissionReceived(
                    case_id=case_id,
                    channel=draft.channel,
                    received_at=now,
                    receipt_date=receipt_day,
                    received_via=draft.registration.received_via,
                    contact=draft.contact,
                    **draft.content,
                ),
            ],
        )
        receipt = Receipt(case_id=case_id, tracking_code=code, received_at=now, receipt_date=receipt_day)
        if idempotency is not None:
            session.add(
                IdempotencyRecord(
                    key=record_id(idempotency[0]),
                    request_hash=fingerprint,
                    sealed=seal_receipt(idempotency[0], receipt.model_dump(mode="json")),
                    created_at=now,
                )
            )
        return receipt

    return await runtime.group_commit.run(accept)


# --- reactions to events ----------------------------------------------------------------------


async def on_case_event(event: Delivered[EventPayload], uow: ViewsUnitOfWork) -> list[EventPayload]:
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
        await on_case_event(Delivered(envelope, payload), await views_unit_of_work(session))


async def on_consultation_opened(
    session: AsyncSession, _envelope: Envelope, payload: ConsultationOpened
) -> list[EventPayload]:
    row = await session.get(ConsultationView, str(payload.consultation_id))
    if row is None:
        row = ConsultationView(
            consultation_id=str(payload.consultation_id),
            title=payload.title,
            opens_on=payload.opens_on,
            closes_on=payload.closes_on,
        )
    else:
        row.title, row.opens_on, row.closes_on = payload.title, payload.opens_on, payload.closes_on
    session.add(row)
    return []


def _deadline(consultation: ConsultationView) -> datetime:
    return comment_deadline(consultation.closes_on, consultation.closed_on, consultation.closed_at)


async def on_consultation_closed(
    session: AsyncSession, _envelope: Envelope, payload: ConsultationClosed
) -> list[EventPayload]:
    """Closed for comments; those that came in after the close but before this event reached intake
    are taken back (不予受理), each with the reason the citizen reads on the tracking page."""
    row = await session.get(ConsultationView, str(payload.consultation_id))
    if row is None:
        return []
    row.closed, row.closed_on, row.closed_at = True, payload.closed_on, payload.closed_at
    session.add(row)
    deadline = _deadline(row)
    late = (
        await session.exec(
            select(Submission).where(
                Submission.channel == Channel.CONSULTATION_COMMENT.value,
                col(Submission.received_at) >= deadline,
            )
        )
    ).all()
    refused: list[EventPayload] = []
    for submission in late:
        reason = late_comment_reason(submission.received_at, deadline)
        view = await session.get(CaseView, submission.case_id)
        if (
            reason is None
            or submission.content.get("consultation_id") != row.consultation_id
            or view is None
            or view.status == "refused"
        ):
            continue
        refused.append(
            SubmissionRefused(case_id=UUID(submission.case_id), reason=reason, refused_on=shanghai_today())
        )
    return refused
