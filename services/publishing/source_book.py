"""What publishing keeps to publish from (底稿): the letters whose writers consented to publication,
the comments on consultations with their adoption decisions, and the consultations themselves.

`SourceBook` is what publishing's use cases may do with them; `SqlSourceBook` does it in one transaction
of publishing's database. The use-case tests use a fake in memory (`tests/publishing/usecases`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.publishing.db import ConsentedLetter, Consultation, ConsultationComment

__all__ = ["SourceBook", "SqlSourceBook"]


class SourceBook(Protocol):
    async def letter(self, case_id: UUID | str) -> ConsentedLetter | None: ...

    async def comment(self, case_id: UUID | str) -> ConsultationComment | None: ...

    async def comments(self, consultation_id: UUID | str) -> Sequence[ConsultationComment]:
        """A consultation's comments in the order received (by receipt date, then case)."""
        ...

    async def consultation(
        self, consultation_id: UUID | str, *, for_change: bool = False
    ) -> Consultation | None:
        """``for_change`` holds it until the unit of work ends (two admins closing it at once)."""
        ...

    async def keep(self, row: ConsentedLetter | ConsultationComment | Consultation) -> None:
        """Keep a new or changed row."""
        ...

    async def drop(self, comment: ConsultationComment) -> None: ...


class SqlSourceBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def letter(self, case_id: UUID | str) -> ConsentedLetter | None:
        return await self._session.get(ConsentedLetter, str(case_id))

    async def comment(self, case_id: UUID | str) -> ConsultationComment | None:
        return await self._session.get(ConsultationComment, str(case_id))

    async def comments(self, consultation_id: UUID | str) -> Sequence[ConsultationComment]:
        query = (
            select(ConsultationComment)
            .where(ConsultationComment.consultation_id == str(consultation_id))
            .order_by(col(ConsultationComment.received_on), col(ConsultationComment.case_id))
        )
        return (await self._session.exec(query)).all()

    async def consultation(
        self, consultation_id: UUID | str, *, for_change: bool = False
    ) -> Consultation | None:
        return await self._session.get(Consultation, str(consultation_id), with_for_update=for_change)

    async def keep(self, row: ConsentedLetter | ConsultationComment | Consultation) -> None:
        self._session.add(row)

    async def drop(self, comment: ConsultationComment) -> None:
        await self._session.delete(comment)
