"""Issuing and delivering the formal notices of a disclosure request (告知书), and reading them back.

A notice is issued in the same transaction as the step the applicant must be told of — the request
registered (回执, as routing receives it), a supplement asked for (补正告知书), the reply extended
(延期答复告知书), the reply itself (答复告知书) — with the next document number of the year
(`services.routing.notice_book`). The handler records a delivery by post or in person; intake records
the online one when the applicant first downloads it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from services.routing.db import IssuedNotice, Task
from services.routing.schemas import DeliveryCreate, NoticePublic
from shared.codes import Outcome
from shared.dates import local_date
from shared.errors import InvalidInput, NotFound
from shared.events import NoticeDelivered, NoticeIssued
from shared.notices import (
    DELIVERY_WAYS,
    KINDS,
    LEGAL_BASIS,
    DeliveryWay,
    Issuer,
    NoticeDocument,
    NoticeKind,
    compose,
    document_number,
)
from shared.sealing import ERASED

__all__ = [
    "applicant_of",
    "delivered",
    "deliveries_of",
    "document_of",
    "find",
    "issue_notice",
    "notice_public",
    "receipt_notice_id",
]

DISCLOSURE = "disclosure_request"


def receipt_notice_id(case_id: UUID) -> UUID:
    """The receipt's id follows from the case: one receipt per request, however often it is received."""
    return uuid5(NAMESPACE_URL, f"civic:notice:receipt:{case_id}")


async def issue_notice(
    notices: Any,
    issuer: Issuer,
    task: Task,
    kind: NoticeKind,
    *,
    on: date,
    by: str | None = None,
    notice_id: UUID | None = None,
    outcome: Outcome | None = None,
    **facts: Any,
) -> NoticeIssued:
    """The notice of ``kind`` on ``task``'s request, with the year's next document number."""
    sequence = await notices.next_number(on.year)
    return NoticeIssued(
        case_id=UUID(task.case_id),
        notice_id=notice_id or uuid4(),
        kind=kind,
        year=on.year,
        sequence=sequence,
        number=document_number(issuer.number_prefix, on.year, sequence),
        issued_on=on,
        receipt_date=task.receipt_date,
        office=issuer.office,
        reconsideration_body=issuer.reconsideration_body,
        court=issuer.court,
        reconsideration_days=issuer.reconsideration_days,
        litigation_months=issuer.litigation_months,
        outcome=outcome,
        legal_basis=LEGAL_BASIS[outcome] if outcome is not None else None,
        by=by,
        **facts,
    )


def delivered(notice: IssuedNotice, body: DeliveryCreate, *, by: str, at: datetime) -> NoticeDelivered:
    """A delivery the handler records (邮寄, 直接送达, 电子邮件); online delivery is intake's to record."""
    if body.way is DeliveryWay.ONLINE:
        raise InvalidInput("way", "online delivery is recorded when the applicant downloads the notice")
    if body.delivered_on > local_date(at):
        raise InvalidInput("delivered_on", "a delivery cannot be recorded before it happened")
    if body.delivered_on < notice.issued_on:
        raise InvalidInput("delivered_on", f"the notice was issued on {notice.issued_on}")
    return NoticeDelivered(
        case_id=UUID(notice.case_id),
        notice_id=UUID(notice.notice_id),
        number=notice.number,
        way=body.way,
        delivered_at=datetime.combine(body.delivered_on, at.timetz()),
        by=by,
        note=body.note,
    )


def applicant_of(task: Task) -> str | None:
    """The applicant's name (or organisation) as the request gave it; None once erased."""
    contact = task.submission.get("contact") or {}
    for name in (contact.get("organisation"), contact.get("name")):
        if name and name != ERASED:
            return str(name)
    return None


def deliveries_of(notice: IssuedNotice) -> list[str]:
    return [
        f"{DELIVERY_WAYS[DeliveryWay(d['way'])]}，{datetime.fromisoformat(d['at']):%Y-%m-%d %H:%M}"
        for d in notice.deliveries
    ]


def document_of(notice: IssuedNotice, task: Task) -> NoticeDocument:
    return compose(NoticeIssued.model_validate(notice.facts).facts(), applicant_of(task))


def notice_public(notice: IssuedNotice) -> NoticePublic:
    return NoticePublic(
        notice_id=notice.notice_id,
        kind=notice.kind,
        title=KINDS[NoticeKind(notice.kind)],
        number=notice.number,
        issued_on=notice.issued_on,
        deliveries=deliveries_of(notice),
    )


def find(notices: list[IssuedNotice], notice_id: str) -> IssuedNotice:
    for notice in notices:
        if notice.notice_id == notice_id:
            return notice
    raise NotFound(f"no notice {notice_id} on this case")
