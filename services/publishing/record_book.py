"""Publishing's unit of work for the public figures: the record book (统计台账) — one record per case,
without personal data, that the statistics and the annual report are counted from.

`RecordBook` is what the record reactions (`services.publishing.records`) may do with stored state;
`SqlRecordBook` does it in the consumer's transaction (`services.publishing.unit_of_work`). The use-case tests use a fake in memory
(`tests/publishing/usecases`).
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from services.publishing.db import CaseRecord

__all__ = ["RecordBook", "SqlRecordBook"]


class RecordBook(Protocol):
    async def record(self, case_id: UUID | str) -> CaseRecord | None: ...

    async def keep(self, record: CaseRecord) -> None:
        """Keep a new or changed record."""
        ...


class SqlRecordBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, case_id: UUID | str) -> CaseRecord | None:
        return await self._session.get(CaseRecord, str(case_id))

    async def keep(self, record: CaseRecord) -> None:
        self._session.add(record)
