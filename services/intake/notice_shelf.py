"""The applicant's notices (我的告知书): each formal notice routing issued on a disclosure request, kept
as ``notice.issued`` says, for the applicant to read and download with their tracking code.

The first download is the notice's online delivery (网上送达): intake announces it as
``notice.downloaded`` — once, however often it is downloaded, whichever intake instance serves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.db import ApplicantNotice, Submission
from services.intake.domain import hash_tracking_code
from services.intake.schemas import ApplicantNoticePublic
from shared.errors import NotFound
from shared.events import Envelope, EventPayload, NoticeDownloaded, NoticeIssued
from shared.notice_documents import notice_html, notice_pdf
from shared.notices import KINDS, NoticeKind, compose
from shared.runtime import ServiceRuntime
from shared.sealing import ERASED, erase_fields
from shared.uow import Delivered, performed

__all__ = [
    "NoticeShelf",
    "NoticeUnitOfWork",
    "SqlNoticeShelf",
    "download",
    "keep_notice",
    "notices_of",
    "notices_unit_of_work",
    "scrub_notices",
    "serve_notice",
]


class NoticeShelf(Protocol):
    async def keep(self, notice: NoticeIssued) -> None:
        """Keep a notice as issued (a second copy of it changes nothing)."""
        ...

    async def applicant(self, tracking_hash: str) -> Submission | None:
        """The request whose tracking code hashes to ``tracking_hash``."""
        ...

    async def notices(self, case_id: str) -> list[ApplicantNotice]:
        """The case's notices in the order they were issued."""
        ...

    async def claim_download(self, notice_id: str, at: datetime) -> bool:
        """Mark the notice downloaded at ``at`` unless it was already: True the first time only."""
        ...


class SqlNoticeShelf:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def keep(self, notice: NoticeIssued) -> None:
        if await self._session.get(ApplicantNotice, str(notice.notice_id)) is not None:
            return
        self._session.add(
            ApplicantNotice(
                notice_id=str(notice.notice_id),
                case_id=str(notice.case_id),
                kind=notice.kind.value,
                number=notice.number,
                issued_on=notice.issued_on,
                facts=notice.model_dump(mode="json"),
            )
        )

    async def applicant(self, tracking_hash: str) -> Submission | None:
        rows = await self._session.exec(select(Submission).where(Submission.tracking_hash == tracking_hash))
        return rows.first()

    async def notices(self, case_id: str) -> list[ApplicantNotice]:
        rows = await self._session.exec(
            select(ApplicantNotice)
            .where(ApplicantNotice.case_id == case_id)
            .order_by(col(ApplicantNotice.issued_on), col(ApplicantNotice.number))
        )
        return list(rows.all())

    async def claim_download(self, notice_id: str, at: datetime) -> bool:
        result = await self._session.exec(
            update(ApplicantNotice)
            .where(col(ApplicantNotice.notice_id) == notice_id, col(ApplicantNotice.downloaded_at).is_(None))
            .values(downloaded_at=at)
        )
        return bool(result.rowcount == 1)


@dataclass(frozen=True, slots=True)
class NoticeUnitOfWork:
    shelf: NoticeShelf


async def notices_unit_of_work(session: AsyncSession) -> NoticeUnitOfWork:
    return NoticeUnitOfWork(SqlNoticeShelf(session))


async def keep_notice(event: Delivered[NoticeIssued], uow: NoticeUnitOfWork) -> list[EventPayload]:
    """A notice routing issued, kept for the applicant."""
    await uow.shelf.keep(event.payload)
    return []


@dataclass(frozen=True, slots=True)
class NoticeDownload:
    """The applicant downloads a notice with the tracking code they hold."""

    tracking_code: str
    notice_id: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


async def _request(uow: NoticeUnitOfWork, tracking_code: str) -> Submission:
    submission = await uow.shelf.applicant(hash_tracking_code(tracking_code))
    if submission is None:
        raise NotFound("no case has this tracking code")
    return submission


async def download(request: NoticeDownload, uow: NoticeUnitOfWork) -> list[EventPayload]:
    """网上送达: the first download of a notice delivers it (``notice.downloaded``)."""
    submission = await _request(uow, request.tracking_code)
    notice = _find(await uow.shelf.notices(submission.case_id), request.notice_id)
    if not await uow.shelf.claim_download(notice.notice_id, request.at):
        return []
    return [
        NoticeDownloaded(
            case_id=UUID(notice.case_id),
            notice_id=UUID(notice.notice_id),
            number=notice.number,
            downloaded_at=request.at,
        )
    ]


def _find(notices: list[ApplicantNotice], notice_id: str) -> ApplicantNotice:
    for notice in notices:
        if notice.notice_id == notice_id:
            return notice
    raise NotFound("no such notice on this case")


def _applicant_name(submission: Submission) -> str | None:
    # a disclosure request as the form sent it names its "applicant"; other channels a "contact"
    contact: dict[str, Any] = submission.content.get("applicant") or submission.content.get("contact") or {}
    for name in (contact.get("organisation"), contact.get("name")):
        if name and name != ERASED:
            return str(name)
    return None


def _public(notice: ApplicantNotice) -> ApplicantNoticePublic:
    return ApplicantNoticePublic(
        notice_id=notice.notice_id,
        kind=notice.kind,
        title=KINDS[NoticeKind(notice.kind)],
        number=notice.number,
        issued_on=notice.issued_on,
    )


async def notices_of(runtime: ServiceRuntime, tracking_code: str) -> list[ApplicantNoticePublic]:
    async with runtime.database.session() as session:
        uow = await notices_unit_of_work(session)
        submission = await _request(uow, tracking_code)
        return [_public(notice) for notice in await uow.shelf.notices(submission.case_id)]


async def serve_notice(runtime: ServiceRuntime, request: NoticeDownload, *, pdf: bool) -> bytes | str:
    """The notice for the applicant, as PDF or HTML; its first download is its online delivery —
    recorded only once the document is laid out, so a failure to lay it out delivers nothing."""
    async with runtime.database.session() as session:
        uow = await notices_unit_of_work(session)
        submission = await _request(uow, request.tracking_code)
        notice = _find(await uow.shelf.notices(submission.case_id), request.notice_id)
        facts = NoticeIssued.model_validate(notice.facts).facts()
        document = compose(facts, _applicant_name(submission))
    laid_out = await notice_pdf(document) if pdf else notice_html(document)

    async def delivered(_uow: NoticeUnitOfWork, _envelopes: list[Envelope]) -> None:
        return None

    await performed(runtime, notices_unit_of_work, download, request, delivered)
    return laid_out


async def scrub_notices(session: AsyncSession, case_id: str) -> None:
    """An erased person's words leave their notices too (what the reply quotes)."""
    rows = await session.exec(select(ApplicantNotice).where(ApplicantNotice.case_id == case_id))
    for notice in rows.all():
        notice.facts = erase_fields(notice.facts, NoticeIssued.personal)
        session.add(notice)


async def keep_in(session: AsyncSession, envelope: Envelope, payload: Any) -> None:
    """Intake's own ``notice.downloaded`` on its shelf, live and in a replay: the download stays claimed."""
    if isinstance(payload, NoticeDownloaded):
        await SqlNoticeShelf(session).claim_download(str(payload.notice_id), payload.downloaded_at)
