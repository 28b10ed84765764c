"""What routing forgets when a case's personal data is erased (个人信息删除): the task's title and the
submission it shows, the history lines that quote the person, what the notices quote (告知书), and the words the similarity index holds.
Who did what and when stays: the record of the handling is the office's, not the person's."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.routing.clustering import SharedClusters
from services.routing.db import HistoryEntry, Task
from services.routing.notice_book import scrub_notices
from services.routing.projection import PERSONAL_LINES
from shared.events import SubmissionReceived
from shared.sealing import ERASED, erase_fields

__all__ = ["scrub_case"]


async def scrub_case(session: AsyncSession, case_id: str, *, clusters: SharedClusters | None) -> None:
    if clusters is not None:  # first: the similarity lock before any row lock, as its consumer takes them
        await clusters.forget(session, case_id)
    task = await session.get(Task, case_id)
    if task is not None:
        task.title = ERASED
        task.submission = erase_fields(task.submission, SubmissionReceived.personal)
        session.add(task)
    lines = await session.exec(
        select(HistoryEntry).where(
            HistoryEntry.case_id == case_id, col(HistoryEntry.event).in_(list(PERSONAL_LINES))
        )
    )
    for line in lines.all():
        line.summary = PERSONAL_LINES[line.event] + ERASED
        session.add(line)
    await scrub_notices(session, case_id)
