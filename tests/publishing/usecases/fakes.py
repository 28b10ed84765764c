"""A record book in memory: the fake unit of work of publishing's use-case tier."""

from __future__ import annotations

from uuid import UUID

from services.publishing.db import CaseRecord
from services.publishing.record_book import RecordsUnitOfWork


class FakeRecordBook:
    def __init__(self) -> None:
        self.kept: dict[str, CaseRecord] = {}

    async def record(self, case_id: UUID | str) -> CaseRecord | None:
        return self.kept.get(str(case_id))

    async def keep(self, record: CaseRecord) -> None:
        self.kept[record.case_id] = record


def fake_unit_of_work() -> tuple[RecordsUnitOfWork, FakeRecordBook]:
    book = FakeRecordBook()
    return RecordsUnitOfWork(book), book
