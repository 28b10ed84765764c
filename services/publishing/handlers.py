"""Publishing's use cases: consultations, and publishing consented mailbox replies with personal data masked."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.publishing.db import ConsentedLetter, Consultation, PublishedReply
from services.publishing.masking import mask_text
from services.publishing.schemas import (
    ConsultationCreate,
    ConsultationPublic,
    MaskedItem,
    ReplyPage,
    ReplyPublic,
)
from shared.auth import Principal
from shared.codes import Channel, Role
from shared.dates import local_date
from shared.dates import today as shanghai_today
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events import (
    CasePublished,
    CaseReplied,
    ConsultationClosed,
    ConsultationOpened,
    Envelope,
    EventPayload,
    SubmissionReceived,
)
from shared.http import require_roles
from shared.runtime import ServiceRuntime

# --- consultations (意见征集) -----------------------------------------------------------------


def _consultation_public(row: Consultation) -> ConsultationPublic:
    return ConsultationPublic.model_validate(row, from_attributes=True)


async def open_consultation(
    runtime: ServiceRuntime, body: ConsultationCreate, principal: Principal, *, min_days: int
) -> ConsultationPublic:
    require_roles(principal, Role.ADMIN)
    if body.closes_on <= body.opens_on:
        raise InvalidInput("closes_on", "a consultation closes after it opens")
    if (body.closes_on - body.opens_on).days < min_days and not body.short_period_reason:
        raise InvalidInput(
            "short_period_reason",
            f"a consultation shorter than {min_days} days must say why (征求意见期限少于规定)",
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
    )
    async with runtime.unit_of_work() as session:
        session.add(row)
        runtime.emit(
            session,
            [
                ConsultationOpened(
                    consultation_id=UUID(row.id),
                    title=row.title,
                    summary=row.summary,
                    opens_on=row.opens_on,
                    closes_on=row.closes_on,
                    short_period_reason=row.short_period_reason,
                )
            ],
        )
    return _consultation_public(row)


async def close_consultation(
    runtime: ServiceRuntime, consultation_id: UUID, principal: Principal
) -> ConsultationPublic:
    require_roles(principal, Role.ADMIN)
    async with runtime.unit_of_work() as session:
        row = await session.get(Consultation, str(consultation_id))
        if row is None:
            raise NotFound(f"no consultation {consultation_id}")
        if row.status == "closed":
            raise Conflict("the consultation is already closed")
        row.status = "closed"
        session.add(row)
        runtime.emit(
            session,
            [ConsultationClosed(consultation_id=consultation_id, closed_on=shanghai_today())],
        )
    return _consultation_public(row)


async def list_consultations(runtime: ServiceRuntime) -> list[ConsultationPublic]:
    async with runtime.database.session() as session:
        rows = (await session.exec(select(Consultation).order_by(col(Consultation.opens_on).desc()))).all()
    return [_consultation_public(row) for row in rows]


# --- replies (答复公开) -----------------------------------------------------------------------


async def on_submission_received(
    session: AsyncSession, _envelope: Envelope, payload: SubmissionReceived
) -> list[EventPayload]:
    """Keep a letter only if its writer consented to publication (data minimisation)."""
    letter = payload.mailbox
    if payload.channel is not Channel.MAILBOX or letter is None or not letter.publish_consent:
        return []
    if await session.get(ConsentedLetter, str(payload.case_id)) is None:
        session.add(
            ConsentedLetter(
                case_id=str(payload.case_id),
                mailbox=letter.mailbox,
                category=letter.category,
                subject=letter.subject,
                body=letter.body,
                writer_name=payload.contact.name if payload.contact else None,
                received_on=payload.receipt_date,
            )
        )
    return []


async def on_case_replied(
    session: AsyncSession, _envelope: Envelope, payload: CaseReplied
) -> list[EventPayload]:
    """Publish a consented mailbox reply with personal data masked in the letter and the reply."""
    letter = await session.get(ConsentedLetter, str(payload.case_id))
    if letter is None:
        return []  # no consent, or not a mailbox letter
    names = [letter.writer_name] if letter.writer_name else []
    subject, question, reply = (
        mask_text(text, names=names) for text in (letter.subject, letter.body, payload.text)
    )
    manifest = [
        {"field": field, "kind": entry.kind, "replacement": entry.replacement}
        for field, masked in (("subject", subject), ("question", question), ("reply", reply))
        for entry in masked.manifest
    ]
    now = datetime.now(UTC)
    existing = (
        await session.exec(select(PublishedReply).where(PublishedReply.case_id == letter.case_id))
    ).first()
    row = existing or PublishedReply(
        id=str(uuid4()),
        case_id=letter.case_id,
        published_at=now,
        manifest=[],
        mailbox="",
        category="",
        subject="",
        question="",
        reply="",
        department="",
        received_on=letter.received_on,
        replied_on=payload.replied_on,
    )
    row.mailbox, row.category = letter.mailbox, letter.category
    row.subject, row.question, row.reply = subject.text, question.text, reply.text
    row.department = payload.department_name
    row.replied_on = payload.replied_on
    row.published_at = now
    row.manifest = manifest
    session.add(row)
    return [CasePublished(case_id=payload.case_id, publication_id=UUID(row.id), published_on=local_date(now))]


async def list_replies(runtime: ServiceRuntime, *, limit: int, offset: int) -> ReplyPage:
    async with runtime.database.session() as session:
        total = (await session.exec(select(func.count()).select_from(PublishedReply))).one()
        rows = (
            await session.exec(
                select(PublishedReply)
                .order_by(col(PublishedReply.published_at).desc())
                .limit(limit)
                .offset(offset)
            )
        ).all()
    return ReplyPage(
        total=total,
        limit=limit,
        offset=offset,
        items=[
            ReplyPublic(
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
            for row in rows
        ],
    )
