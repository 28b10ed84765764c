"""Erasing a person's data (个人信息删除, PIPL Art. 47): on request, and when the retention period ends.

Intake destroys the case's key — every sealed field of the case's events, in every topic, outbox and
backup, is unreadable from then on, in a replay too — masks what its own tables keep, and tells the
other services (``personal_data.erased`` on the compacted ``case-keys`` topic, which then drops the key):
each destroys its copy of the key and scrubs its tables. What was published stays as published (masked).

On request, the law still has the office store the record until its retention period ends (RULES.md):
intake keeps it sealed (封存记录) with a key derived from ``CIVIC_KEY_SECRET`` that no processing uses,
and destroys it when the period ends.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from uuid import UUID

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.db import CaseView, Erasure, Notification, Submission
from services.intake.domain import CONCLUDED, KEPT_WHEN_ERASED, erasure_refusal
from services.intake.notice_shelf import scrub_notices
from services.intake.recovery import erase_addresses
from services.intake.schemas import ErasureCreate, ErasurePublic
from shared.auth import Principal
from shared.dates import local_date
from shared.db import checkpoint_after_commit
from shared.errors import Conflict, NotFound
from shared.events import CaseKeyIssued, PersonalDataErased, personal_fields
from shared.failures import describe_failure
from shared.keyring import CaseKey, Keyring
from shared.outbox import OutboxMessage
from shared.runtime import ServiceRuntime
from shared.sealing import ERASED, archive_key_from_secret, erase_texts, seal_document

__all__ = ["erase_expired", "erase_on_request", "list_erasures", "run_retention"]

log = logging.getLogger(__name__)

RETENTION_ACTOR = "系统（保存期限届满）"
RETENTION_REASON = "保存期限届满，依法删除个人信息"
BATCH = 100


def _keyring(runtime: ServiceRuntime) -> Keyring:
    assert runtime.keyring is not None, "intake runs with a keyring"
    return runtime.keyring


async def erase_on_request(
    runtime: ServiceRuntime, request: ErasureCreate, principal: Principal, *, retention_days: int
) -> ErasurePublic:
    """Erase a concluded case's personal data everywhere; keep the sealed record the law asks for."""
    async with runtime.unit_of_work() as session:
        erasure = await _erase(
            runtime,
            session,
            request.case_id,
            cause="request",
            by=f"{principal.name or principal.sub}（{principal.sub}）",
            reason=request.reason,
            retention_days=retention_days,
        )
    return _public(erasure)


async def erase_expired(runtime: ServiceRuntime, *, retention_days: int, now: datetime | None = None) -> int:
    """Erase every concluded case quiet for longer than the retention period, and destroy the sealed
    records whose period has ended; how many cases were erased."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=retention_days)
    erased = 0
    while True:
        async with runtime.unit_of_work() as session:
            gone = select(CaseKey.case_id).where(col(CaseKey.erased_on).is_not(None))
            due = (
                await session.exec(
                    select(CaseView.case_id)
                    .where(
                        col(CaseView.status).in_(CONCLUDED),
                        col(CaseView.updated_at) < cutoff,
                        col(CaseView.case_id).not_in(gone),
                    )
                    .limit(BATCH)
                )
            ).all()
            for case_id in due:
                await _erase(
                    runtime,
                    session,
                    UUID(case_id),
                    cause="retention",
                    by=RETENTION_ACTOR,
                    reason=RETENTION_REASON,
                    retention_days=retention_days,
                    now=now,
                )
            erased += len(due)
        if len(due) < BATCH:
            break
    async with runtime.unit_of_work() as session:
        await session.exec(
            update(Erasure)
            .where(col(Erasure.retain_until) < local_date(now))
            .values(sealed=None, retain_until=None)
        )
    return erased


async def run_retention(runtime: ServiceRuntime, *, retention_days: int, every_seconds: float) -> None:
    """The retention check, while intake runs (`ServiceRuntime.in_background`)."""
    while True:
        try:
            erased = await erase_expired(runtime, retention_days=retention_days)
            if erased:
                log.info("retention: erased the personal data of %d concluded cases", erased)
        except Exception as exc:  # the database is away: the next check does it
            log.warning("retention check failed (%s); trying again later", describe_failure(exc))
        await asyncio.sleep(every_seconds)


async def list_erasures(runtime: ServiceRuntime, *, limit: int = 200) -> list[ErasurePublic]:
    async with runtime.database.session() as session:
        rows = (
            await session.exec(select(Erasure).order_by(col(Erasure.erased_at).desc()).limit(limit))
        ).all()
    return [_public(row) for row in rows]


async def _erase(
    runtime: ServiceRuntime,
    session: AsyncSession,
    case_id: UUID,
    *,
    cause: Literal["request", "retention"],
    by: str,
    reason: str,
    retention_days: int,
    now: datetime | None = None,
) -> Erasure:
    now = now or datetime.now(UTC)
    view = await session.get(CaseView, str(case_id))
    submission = await session.get(Submission, str(case_id))
    if view is None or submission is None:
        raise NotFound("no case with this id")
    keyring = _keyring(runtime)
    refusal = erasure_refusal(view.status, await keyring.is_erased(session, str(case_id)))
    if refusal:
        raise Conflict(refusal)
    sealed = None
    retain_until: date | None = None
    if cause == "request":
        retain_until = local_date(view.updated_at) + timedelta(days=retention_days)
        sealed = seal_document(
            archive_key_from_secret(runtime.settings.case_key_secret),
            {"submission": submission.content, "reply": view.reply, "timeline": view.timeline},
            label=str(case_id),
        )
    await keyring.destroy(session, case_id, local_date(now))
    checkpoint_after_commit(session)
    submission.content = erase_texts(submission.content, KEPT_WHEN_ERASED)
    submission.notify_by = None
    session.add(submission)
    # No address stays in the notification outbox: what is not sent yet is withdrawn.
    await session.exec(
        update(Notification)
        .where(col(Notification.case_id) == str(case_id), col(Notification.state) == "pending")
        .values(state="withdrawn")
    )
    await session.exec(
        update(Notification).where(col(Notification.case_id) == str(case_id)).values(address=None)
    )
    await scrub_notices(session, str(case_id))
    await erase_addresses(session, str(case_id))  # no longer found by the email or phone given
    if view.reply is not None:
        view.reply = ERASED
    view.timeline = [
        {**entry, "detail": ERASED} if entry.get("detail") and personal_fields(entry["event"]) else entry
        for entry in view.timeline
    ]
    session.add(view)
    # The key's own record in the outbox goes: the outbox keeps what it sent, and this it must not.
    await session.exec(
        delete(OutboxMessage).where(
            col(OutboxMessage.key) == str(case_id), col(OutboxMessage.event_type) == CaseKeyIssued.event_type
        )
    )
    erasure = Erasure(
        case_id=str(case_id),
        erased_at=now,
        cause=cause,
        erased_by=by,
        reason=reason,
        sealed=sealed,
        retain_until=retain_until,
    )
    session.add(erasure)
    await runtime.emit(session, [PersonalDataErased(case_id=case_id, erased_on=local_date(now), cause=cause)])
    return erasure


def _public(row: Erasure) -> ErasurePublic:
    return ErasurePublic(
        case_id=UUID(row.case_id),
        erased_at=row.erased_at,
        cause=row.cause,
        erased_by=row.erased_by,
        reason=row.reason,
        sealed_record_until=row.retain_until if row.sealed is not None else None,
    )
