"""Intake's consultation book (征求意见): the consultations open for comments as publishing announced
them, and the comments received since a moment (to take back those that came after the close).

`ConsultationBook` is what the consultation reactions (`services.intake.handlers`) may do with stored
state; `SqlConsultationBook` does it in the consumer's transaction. The use-case tests use a fake in
memory (`tests/intake/usecases`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.db import ConsultationView, Submission
from shared.codes import Channel

__all__ = ["ConsultationBook", "SqlConsultationBook"]


class ConsultationBook(Protocol):
    async def consultation(self, consultation_id: str) -> ConsultationView | None: ...

    async def keep(self, row: ConsultationView) -> None:
        """Keep a new or changed consultation."""
        ...

    async def comments_since(self, moment: datetime) -> Sequence[Submission]:
        """The comments (on any consultation) received at or after ``moment``."""
        ...


class SqlConsultationBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def consultation(self, consultation_id: str) -> ConsultationView | None:
        return await self._session.get(ConsultationView, consultation_id)

    async def keep(self, row: ConsultationView) -> None:
        self._session.add(row)

    async def comments_since(self, moment: datetime) -> Sequence[Submission]:
        query = select(Submission).where(
            Submission.channel == Channel.CONSULTATION_COMMENT.value, col(Submission.received_at) >= moment
        )
        return (await self._session.exec(query)).all()
