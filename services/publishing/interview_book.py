"""The interview book (访谈台账): the online interviews, the questions citizens sent for them with what
the moderators made of each, and the transcripts published.

`InterviewBook` is what the interview use cases (`services.publishing.interviews`,
`services.publishing.transcripts`) may do with them; `SqlInterviewBook` does it in one transaction of
publishing's database. The use-case tests use a fake in memory (`tests/publishing/usecases`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.publishing.db import Interview, InterviewQuestion, PublishedTranscript

__all__ = ["InterviewBook", "SqlInterviewBook"]


class InterviewBook(Protocol):
    async def interview(self, interview_id: UUID | str, *, for_change: bool = False) -> Interview | None:
        """``for_change`` holds it until the unit of work ends (two moderators at once)."""
        ...

    async def question(self, case_id: UUID | str) -> InterviewQuestion | None: ...

    async def questions(self, interview_id: UUID | str) -> Sequence[InterviewQuestion]:
        """An interview's questions in the order received."""
        ...

    async def transcript(self, interview_id: UUID | str) -> PublishedTranscript | None: ...

    async def keep(self, row: Interview | InterviewQuestion | PublishedTranscript) -> None:
        """Keep a new or changed row."""
        ...

    async def unpublish(self, transcript: PublishedTranscript) -> None:
        """The transcript leaves the public (撤回)."""
        ...


class SqlInterviewBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def interview(self, interview_id: UUID | str, *, for_change: bool = False) -> Interview | None:
        return await self._session.get(Interview, str(interview_id), with_for_update=for_change)

    async def question(self, case_id: UUID | str) -> InterviewQuestion | None:
        return await self._session.get(InterviewQuestion, str(case_id))

    async def questions(self, interview_id: UUID | str) -> Sequence[InterviewQuestion]:
        query = (
            select(InterviewQuestion)
            .where(InterviewQuestion.interview_id == str(interview_id))
            .order_by(col(InterviewQuestion.received_at), col(InterviewQuestion.case_id))
        )
        return (await self._session.exec(query)).all()

    async def transcript(self, interview_id: UUID | str) -> PublishedTranscript | None:
        return await self._session.get(PublishedTranscript, str(interview_id))

    async def keep(self, row: Interview | InterviewQuestion | PublishedTranscript) -> None:
        self._session.add(row)

    async def unpublish(self, transcript: PublishedTranscript) -> None:
        await self._session.delete(transcript)
