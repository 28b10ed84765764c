"""Intake's interview book (在线访谈): the interviews publishing announced, and the questions received
for each — what the interview reactions (`services.intake.questions`) work with, with the citizen
views of the askers' cases.

`InterviewBook` is what they may do with stored state; `SqlInterviewBook` does it in the consumer's
transaction; `interview_unit_of_work` gives both books on it. The use-case tests use fakes in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.db import InterviewView, Submission
from services.intake.view_book import SqlViewBook, ViewBook
from shared.codes import Channel

__all__ = ["InterviewBook", "InterviewUnitOfWork", "SqlInterviewBook", "interview_unit_of_work"]


class InterviewBook(Protocol):
    async def interview(self, interview_id: str) -> InterviewView | None: ...

    async def keep(self, row: InterviewView) -> None:
        """Keep a new or changed interview."""
        ...

    async def questions(self, interview_id: str) -> Sequence[Submission]:
        """The questions this intake received for the interview."""
        ...


class SqlInterviewBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def interview(self, interview_id: str) -> InterviewView | None:
        return await self._session.get(InterviewView, interview_id)

    async def keep(self, row: InterviewView) -> None:
        self._session.add(row)

    async def questions(self, interview_id: str) -> Sequence[Submission]:
        query = select(Submission).where(Submission.channel == Channel.INTERVIEW_QUESTION.value)
        rows = (await self._session.exec(query)).all()
        return [row for row in rows if row.content.get("interview_id") == interview_id]


@dataclass(frozen=True, slots=True)
class InterviewUnitOfWork:
    interviews: InterviewBook
    views: ViewBook


async def interview_unit_of_work(session: AsyncSession) -> InterviewUnitOfWork:
    """The unit of work on ``session``'s transaction."""
    return InterviewUnitOfWork(SqlInterviewBook(session), SqlViewBook(session))
