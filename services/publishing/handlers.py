"""Publishing's use cases: consultations, and publishing consented mailbox replies with personal data masked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import func, or_
from sqlmodel import col, select

from services.publishing.db import ConsentedLetter, Consultation, ConsultationComment, PublishedReply
from services.publishing.masking import Known, mask_text
from services.publishing.redaction import Part, Source
from services.publishing.review import ReviewRules
from services.publishing.review_queue import REPLY, enqueue
from services.publishing.schemas import (
    ConsultationCloseCreate,
    ConsultationCreate,
    ConsultationPublic,
    MaskedItem,
    ReplyPage,
    ReplyPublic,
)
from services.publishing.unit_of_work import PublishingUnitOfWork
from shared.auth import require_roles
from shared.codes import Channel, Role
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events import (
    CaseReplied,
    ConsultationClosed,
    ConsultationOpened,
    Envelope,
    EventPayload,
    SubmissionReceived,
    SubmissionRefused,
)
from shared.runtime import ServiceRuntime
from shared.sealing import ERASED
from shared.uow import Command, Delivered

# --- consultations (意见征集) -----------------------------------------------------------------


def _consultation_public(row: Consultation) -> ConsultationPublic:
    return ConsultationPublic.model_validate(row, from_attributes=True)


async def open_consultation(
    command: Command[ConsultationCreate], uow: PublishingUnitOfWork, *, min_days: int, min_working_days: int
) -> list[EventPayload]:
    """Rules: 30 days at least for major decisions, draft rules and documents affecting businesses;
    7 working days for other normative documents; a shorter period must say why."""
    require_roles(command.by, Role.ADMIN)
    body = command.body
    if body.closes_on <= body.opens_on:
        raise InvalidInput("closes_on", "a consultation closes after it opens")
    if body.closes_on < command.on:
        raise InvalidInput("closes_on", "a new consultation cannot close in the past")
    if not body.draft_text and not body.draft_url:
        raise InvalidInput("draft_text", "give the draft's text, or a draft_url where it can be read")
    if body.document_kind == "other_normative":
        # Both the first and the last day of the period count.
        calendar = await uow.calendar.current()
        period = calendar.working_days_between(body.opens_on - timedelta(days=1), body.closes_on)
        short, rule = period < min_working_days, f"{min_working_days} working days"
    else:
        short, rule = (body.closes_on - body.opens_on).days < min_days, f"{min_days} days"
    if short and not body.short_period_reason:
        raise InvalidInput(
            "short_period_reason",
            f"a consultation shorter than {rule} must say why (征求意见期限少于规定)",
        )
    row = Consultation(
        id=str(uuid4()),
        title=body.title,
        summary=body.summary,
        opens_on=body.opens_on,
        closes_on=body.closes_on,
        short_period_reason=body.short_period_reason,
        status="open",
        created_at=datetime.now(UTC),
        document_kind=body.document_kind,
        draft_text=body.draft_text,
        draft_url=str(body.draft_url) if body.draft_url else None,
    )
    await uow.sources.keep(row)
    return [
        ConsultationOpened(
            consultation_id=UUID(row.id),
            title=row.title,
            summary=row.summary,
            opens_on=row.opens_on,
            closes_on=row.closes_on,
            short_period_reason=row.short_period_reason,
        )
    ]


async def close_consultation(
    command: Command[ConsultationCloseCreate], uow: PublishingUnitOfWork
) -> list[EventPayload]:
    """Close the consultation; before the end it announced, only with a reason (it is published)."""
    require_roles(command.by, Role.ADMIN)
    row = await uow.sources.consultation(command.about or "", for_change=True)
    if row is None:
        raise NotFound(f"no consultation {command.about}")
    if row.status == "closed":
        raise Conflict("the consultation is already closed")
    if command.on < row.closes_on and not command.body.reason:
        raise InvalidInput(
            "reason", f"it was announced to close on {row.closes_on}: closing earlier needs a reason"
        )
    row.status, row.close_reason = "closed", command.body.reason
    await uow.sources.keep(row)
    return [
        ConsultationClosed(consultation_id=UUID(row.id), closed_on=command.on, closed_at=datetime.now(UTC))
    ]


async def consultation_of(uow: PublishingUnitOfWork, envelopes: list[Envelope]) -> ConsultationPublic:
    """What the HTTP edge answers after opening or closing a consultation: the consultation as now."""
    (envelope,) = envelopes
    row = await uow.sources.consultation(envelope.subject)
    assert row is not None, "the consultation the event names"
    return _consultation_public(row)


async def list_consultations(runtime: ServiceRuntime) -> list[ConsultationPublic]:
    async with runtime.database.session() as session:
        rows = (await session.exec(select(Consultation).order_by(col(Consultation.opens_on).desc()))).all()
    return [_consultation_public(row) for row in rows]


# --- replies (答复公开) -----------------------------------------------------------------------


PERSONAL_CONTACT = {"name", "phone", "email", "id_number", "address"}
"""What of a contact is kept beside a text to be published: what identifies the person, to mask it."""


def _contact(payload: SubmissionReceived) -> dict[str, str] | None:
    if payload.contact is None:
        return None
    return payload.contact.model_dump(include=PERSONAL_CONTACT, exclude_none=True) or None


async def on_submission_received(
    event: Delivered[SubmissionReceived], uow: PublishingUnitOfWork
) -> list[EventPayload]:
    """Keep a letter only if its writer consented to publication (data minimisation); keep every
    consultation comment, whose adoption is always published (with the commenter masked)."""
    payload = event.payload
    if payload.channel is Channel.CONSULTATION_COMMENT and payload.comment is not None:
        if await uow.sources.comment(payload.case_id) is None:
            await uow.sources.keep(
                ConsultationComment(
                    case_id=str(payload.case_id),
                    consultation_id=str(payload.comment.consultation_id),
                    received_on=payload.receipt_date,
                    clause=payload.comment.clause,
                    body=payload.comment.body,
                    commenter_name=payload.contact.name if payload.contact else None,
                    contact=_contact(payload),
                )
            )
        return []
    letter = payload.mailbox
    if payload.channel is not Channel.MAILBOX or letter is None or not letter.publish_consent:
        return []
    if await uow.sources.letter(payload.case_id) is None:
        await uow.sources.keep(
            ConsentedLetter(
                case_id=str(payload.case_id),
                mailbox=letter.mailbox,
                category=letter.category,
                subject=letter.subject,
                body=letter.body,
                writer_name=payload.contact.name if payload.contact else None,
                received_on=payload.receipt_date,
                contact=_contact(payload),
            )
        )
    return []


async def on_submission_refused(
    event: Delivered[SubmissionRefused], uow: PublishingUnitOfWork
) -> list[EventPayload]:
    """A comment intake took back (received after the close) is not part of its consultation's report."""
    comment = await uow.sources.comment(event.payload.case_id)
    if comment is not None:
        await uow.sources.drop(comment)
    return []


async def on_comment_answered(event: Delivered[CaseReplied], uow: PublishingUnitOfWork) -> list[EventPayload]:
    """A comment's adoption decision (采纳情况), kept for its consultation's report."""
    payload = event.payload
    comment = await uow.sources.comment(payload.case_id)
    if comment is not None:
        comment.adoption = payload.adoption.value if payload.adoption else None
        comment.reason, comment.decided_on = payload.reason, payload.replied_on
        await uow.sources.keep(comment)
    return []


async def on_case_replied(
    event: Delivered[CaseReplied],
    uow: PublishingUnitOfWork,
    *,
    rules: ReviewRules,
) -> list[EventPayload]:
    """A consented mailbox reply goes, masked and proofread, to the review queue (三审三校). What the case knows of its
    writer (name, phone, e-mail, ID number, address) is masked wherever the letter or the reply writes
    it, and so is a name the letter introduces (我叫…, 联系人：…), where the reply uses it without an
    introduction; any other name the texts mention is masked unless a reviewer releases it."""
    payload = event.payload
    letter = await uow.sources.letter(payload.case_id)
    if letter is None:
        return []  # no consent, or not a mailbox letter
    if ERASED in (payload.text, letter.body):
        return []  # the writer's data was erased (the erasure may overtake the reply): nothing to publish
    known = Known.of_contact(letter.contact or ({"name": letter.writer_name} if letter.writer_name else None))
    introduced = {
        original[entry.start : entry.end]
        for original in (letter.subject, letter.body)
        for entry in mask_text(original, known=known, suspect=False).manifest
        if entry.kind == "name"
    }
    names = tuple(sorted(introduced))
    source = Source(
        {
            key: Part(label=key, text=text, names=names, known=known)
            for key, text in (("subject", letter.subject), ("question", letter.body), ("reply", payload.text))
        }
    )
    await enqueue(
        uow.reviews,
        kind=REPLY,
        subject_id=letter.case_id,
        title=letter.subject,
        content={
            "subject": letter.subject,
            "question": letter.body,
            "reply": payload.text,
            "mailbox": letter.mailbox,
            "category": letter.category,
            "department": payload.department_name,
            "received_on": letter.received_on.isoformat(),
            "replied_on": payload.replied_on.isoformat(),
        },
        source=source,
        officials=rules.officials,
        required=len(rules.levels.names),
        department=(payload.department_id, payload.department_name),
        levels=rules.levels.names,
        proofreading=rules.proofreading,
    )
    return []


def _reply_public(row: PublishedReply) -> ReplyPublic:
    return ReplyPublic(
        id=row.id,
        mailbox=row.mailbox,
        category=row.category,
        subject=row.subject,
        question=row.question,
        reply=row.reply,
        department=row.department,
        received_on=row.received_on,
        replied_on=row.replied_on,
        published_at=row.published_at,
        masked=[MaskedItem(**item) for item in row.manifest],
    )


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_replies(
    runtime: ServiceRuntime, *, limit: int, offset: int, q: str | None = None
) -> ReplyPage:
    """Newest first. ``q``: every whitespace-separated term must occur in the subject, the letter or the
    reply — substring matching, so Chinese needs no word segmentation ("人防 车位" finds 人防工程的车位)."""
    query = select(PublishedReply)
    terms = (q or "").split()
    for term in terms:
        pattern = _like(term)
        query = query.where(
            or_(
                col(PublishedReply.subject).like(pattern, escape="\\"),
                col(PublishedReply.question).like(pattern, escape="\\"),
                col(PublishedReply.reply).like(pattern, escape="\\"),
            )
        )
    async with runtime.database.session() as session:
        total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
        rows = (
            await session.exec(
                query.order_by(col(PublishedReply.published_at).desc(), col(PublishedReply.id))
                .limit(limit)
                .offset(offset)
            )
        ).all()
    return ReplyPage(
        total=total,
        limit=limit,
        offset=offset,
        q=" ".join(terms) or None,
        items=[_reply_public(r) for r in rows],
    )


async def reply_detail(runtime: ServiceRuntime, reply_id: UUID) -> ReplyPublic:
    async with runtime.database.session() as session:
        row = await session.get(PublishedReply, str(reply_id))
    if row is None:
        raise NotFound(f"no published reply {reply_id}")
    return _reply_public(row)
