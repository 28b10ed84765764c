"""A view book in memory: the fake unit of work of intake's use-case tier."""

from __future__ import annotations

from datetime import datetime

from services.intake.domain import CitizenView
from services.intake.view_book import ViewsUnitOfWork


class FakeViewBook:
    def __init__(self) -> None:
        self.views: dict[str, CitizenView] = {}
        self.kept_at: dict[str, datetime] = {}

    async def view(self, case_id: str) -> CitizenView | None:
        return self.views.get(case_id)

    async def keep(self, case_id: str, view: CitizenView, at: datetime) -> None:
        self.views[case_id] = view
        self.kept_at[case_id] = max(self.kept_at.get(case_id, at), at)


def fake_unit_of_work() -> tuple[ViewsUnitOfWork, FakeViewBook]:
    book = FakeViewBook()
    return ViewsUnitOfWork(book), book
