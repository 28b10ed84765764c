"""Intake's view book (办理进度): each case as the citizen follows it with their tracking code.

`ViewBook` is what the view's reactions (`handlers.on_case_event`) and the citizen's follow-ups may do
with stored state: read a case's view as the domain's `CitizenView`, keep the one an event made of it,
claim a follow-up once; `SqlViewBook` does it in one transaction. The use-case tests use a fake in
memory (`tests/intake/usecases`).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.db import CaseView
from services.intake.domain import CitizenView, TimelineEntry

__all__ = ["SqlViewBook", "ViewBook", "entry_json", "view_of"]


class ViewBook(Protocol):
    async def view(self, case_id: str) -> CitizenView | None:
        """The case's view, or None for a case this intake does not hold."""
        ...

    async def keep(self, case_id: str, view: CitizenView, at: datetime) -> None:
        """Keep the view an event at ``at`` made of the case's."""
        ...

    async def by_code(self, tracking_hash: str) -> tuple[str, CitizenView] | None:
        """The case (its id and view) whose tracking code hashes to ``tracking_hash``."""
        ...

    async def claim_supplement(self, case_id: str) -> bool:
        """Mark the asked-for supplement sent, unless it already was (two sends racing: one wins)."""
        ...

    async def claim_rating(self, case_id: str, replies: int) -> bool:
        """Mark reply number ``replies`` rated, unless it already was (one rating per reply)."""
        ...


def entry_json(entry: TimelineEntry) -> dict[str, Any]:
    data = asdict(entry)
    data["at"] = entry.at.isoformat()
    return data


def _entry_from_json(data: dict[str, Any]) -> TimelineEntry:
    return TimelineEntry(
        at=datetime.fromisoformat(data["at"]),
        event=data["event"],
        title=data["title"],
        detail=data.get("detail"),
    )


def view_of(row: CaseView) -> CitizenView:
    return CitizenView(
        status=row.status,
        department=row.department,
        due_date=row.due_date,
        due_date_provisional=row.due_date_provisional,
        reply=row.reply,
        replied_on=row.replied_on,
        timeline=tuple(_entry_from_json(item) for item in row.timeline),
        supplement_pending=row.supplement_pending,
        supplement_due=row.supplement_due,
        replies=row.replies,
        rated_reply=row.rated_reply,
    )


class SqlViewBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def view(self, case_id: str) -> CitizenView | None:
        row = await self._session.get(CaseView, case_id)
        return view_of(row) if row is not None else None

    async def keep(self, case_id: str, view: CitizenView, at: datetime) -> None:
        row = await self._session.get(CaseView, case_id)  # from the identity map: read just before
        assert row is not None, "keep() follows view()"
        row.status = view.status
        row.department = view.department
        row.due_date = view.due_date
        row.due_date_provisional = view.due_date_provisional
        row.reply = view.reply
        row.replied_on = view.replied_on
        row.timeline = [entry_json(entry) for entry in view.timeline]
        row.supplement_pending = view.supplement_pending
        row.supplement_due = view.supplement_due
        row.replies = view.replies
        row.rated_reply = view.rated_reply
        row.updated_at = max(row.updated_at, at)  # in any order of arrival
        self._session.add(row)

    async def by_code(self, tracking_hash: str) -> tuple[str, CitizenView] | None:
        row = (
            await self._session.exec(select(CaseView).where(CaseView.tracking_hash == tracking_hash))
        ).first()
        return (row.case_id, view_of(row)) if row is not None else None

    async def claim_supplement(self, case_id: str) -> bool:
        claimed = await self._session.exec(
            update(CaseView)
            .where(col(CaseView.case_id) == case_id, col(CaseView.supplement_pending).is_(True))
            .values(supplement_pending=False)
        )
        return bool(claimed.rowcount == 1)

    async def claim_rating(self, case_id: str, replies: int) -> bool:
        claimed = await self._session.exec(
            update(CaseView)
            .where(col(CaseView.case_id) == case_id, col(CaseView.rated_reply) < replies)
            .values(rated_reply=replies)
        )
        return bool(claimed.rowcount == 1)
