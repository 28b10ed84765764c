"""The workbench's notices (告知书): list a case's notices, open one as HTML or PDF, record a delivery.

Only the case's department reads them (the same rule as the case), and each reading is in the
personal-data access log: a notice names the applicant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from services.routing.access import record_access
from services.routing.handlers import actor_of, own_task
from services.routing.notice_book import SqlNoticeBook
from services.routing.notices import delivered, deliveries_of, document_of, find, notice_public
from services.routing.schemas import ActionResult, DeliveryCreate, NoticePublic
from services.routing.task_book import SqlOfficeBook, SqlTaskBook
from shared.auth import Principal
from shared.events import EventPayload
from shared.notice_documents import notice_html, notice_pdf
from shared.runtime import ServiceRuntime

__all__ = ["case_notices", "notice_document", "record_delivery"]


async def case_notices(runtime: ServiceRuntime, case_id: UUID, principal: Principal) -> list[NoticePublic]:
    async with runtime.database.session() as session:
        await own_task(SqlTaskBook(session), SqlOfficeBook(session), case_id, principal)
        notices = await SqlNoticeBook(session).notices(str(case_id))
    return [notice_public(notice) for notice in notices]


async def notice_document(
    runtime: ServiceRuntime, case_id: UUID, notice_id: UUID, principal: Principal, *, pdf: bool
) -> bytes | str:
    """The notice laid out, with the applicant's name and its deliveries so far."""
    async with runtime.database.session() as session:
        task = await own_task(SqlTaskBook(session), SqlOfficeBook(session), case_id, principal)
        notice = find(await SqlNoticeBook(session).notices(str(case_id)), str(notice_id))
    await record_access(runtime, principal, [str(case_id)], "notice")
    document = document_of(notice, task)
    if pdf:
        return await notice_pdf(document, deliveries_of(notice))
    return notice_html(document, deliveries_of(notice))


async def record_delivery(
    runtime: ServiceRuntime, case_id: UUID, notice_id: UUID, body: DeliveryCreate, principal: Principal
) -> ActionResult:
    """送达: the handler records how the notice reached the applicant (``notice.delivered``)."""

    async def deliver(session: AsyncSession) -> list[EventPayload]:
        await own_task(SqlTaskBook(session), SqlOfficeBook(session), case_id, principal)
        notice = find(await SqlNoticeBook(session).notices(str(case_id)), str(notice_id))
        return [delivered(notice, body, by=actor_of(principal), at=datetime.now(UTC))]

    async with runtime.unit_of_work() as session:
        envelopes = await runtime.emit(session, await deliver(session))
    return ActionResult(case_id=str(case_id), state="delivered", event_id=str(envelopes[0].id))
