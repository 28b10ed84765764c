"""Routing's register of formal notices (告知书登记): each notice issued to a disclosure applicant, its
document number from the per-year sequence (文号), and how it was delivered (送达).

Issuing a notice (`services.routing.notices`) takes the next number of the year in the use case's
transaction; ``notice.issued`` then enters it here through the projection. A replay keeps the register
as it is (like the office's reference data) and enters each notice of the log again: one already there
is left as it is, one missing comes back, and the sequence never falls below the highest number the
log holds — no number is issued twice.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.routing.db import IssuedNotice, NoticeSequence
from shared.db import insert_ignoring_duplicates
from shared.events import Envelope, NoticeDelivered, NoticeDownloaded, NoticeIssued
from shared.notices import DeliveryWay
from shared.sealing import erase_fields

__all__ = ["NoticeBook", "SqlNoticeBook", "project_notice", "scrub_notices"]

_SEQUENCE = NoticeSequence.__table__  # type: ignore[attr-defined]


class NoticeBook(Protocol):
    async def next_number(self, year: int) -> int:
        """The year's next document number, taken for this transaction (held until it ends)."""
        ...

    async def notices(self, case_id: str) -> list[IssuedNotice]:
        """The case's notices in the order they were issued."""
        ...

    async def enter(self, envelope: Envelope, payload: Any) -> None:
        """Apply ``notice.issued`` or ``notice.delivered`` to the register (other events: nothing)."""
        ...


class SqlNoticeBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def next_number(self, year: int) -> int:
        await insert_ignoring_duplicates(self._session, _SEQUENCE, {"year": year, "last": 0})
        # One UPDATE: the row stays locked until the transaction ends, so two notices issued at once
        # (PostgreSQL) or one after the other (SQLite) never take the same number.
        await self._session.exec(
            update(NoticeSequence)
            .where(col(NoticeSequence.year) == year)
            .values(last=NoticeSequence.last + 1)
        )
        row = (await self._session.exec(select(NoticeSequence).where(NoticeSequence.year == year))).one()
        return row.last

    async def notices(self, case_id: str) -> list[IssuedNotice]:
        rows = await self._session.exec(
            select(IssuedNotice)
            .where(IssuedNotice.case_id == case_id)
            .order_by(col(IssuedNotice.issued_on), col(IssuedNotice.number))
        )
        return list(rows.all())

    async def enter(self, envelope: Envelope, payload: Any) -> None:
        await project_notice(self._session, envelope, payload)


async def project_notice(session: AsyncSession, envelope: Envelope, payload: Any) -> None:
    """Enter ``notice.issued`` in the register (and keep the year's sequence at least its number), or
    add ``notice.delivered`` (the handler's) or ``notice.downloaded`` (online, intake's) to its
    notice's deliveries — each at most once."""
    if isinstance(payload, NoticeIssued):
        if await session.get(IssuedNotice, str(payload.notice_id)) is not None:
            return
        session.add(
            IssuedNotice(
                notice_id=str(payload.notice_id),
                case_id=str(payload.case_id),
                kind=payload.kind.value,
                number=payload.number,
                issued_on=payload.issued_on,
                facts=payload.model_dump(mode="json"),
            )
        )
        await insert_ignoring_duplicates(session, _SEQUENCE, {"year": payload.year, "last": 0})
        await session.exec(
            update(NoticeSequence)
            .where(col(NoticeSequence.year) == payload.year, col(NoticeSequence.last) < payload.sequence)
            .values(last=payload.sequence)
        )
    elif isinstance(payload, NoticeDelivered | NoticeDownloaded):
        notice = await session.get(IssuedNotice, str(payload.notice_id), with_for_update=True)
        if notice is None or any(d.get("event_id") == str(envelope.id) for d in notice.deliveries):
            return
        delivery = (
            {
                "event_id": str(envelope.id),
                "way": payload.way.value,
                "at": payload.delivered_at.isoformat(),
                "by": payload.by,
                "note": payload.note,
            }
            if isinstance(payload, NoticeDelivered)
            else {
                "event_id": str(envelope.id),
                "way": DeliveryWay.ONLINE.value,
                "at": payload.downloaded_at.isoformat(),
                "by": None,
                "note": None,
            }
        )
        notice.deliveries = [*notice.deliveries, delivery]
        session.add(notice)


async def scrub_notices(session: AsyncSession, case_id: str) -> None:
    """An erased person's words leave the notices too (the reply's text and reasons they quote)."""
    rows = await session.exec(select(IssuedNotice).where(IssuedNotice.case_id == case_id))
    for notice in rows.all():
        notice.facts = erase_fields(notice.facts, NoticeIssued.personal)
        session.add(notice)
