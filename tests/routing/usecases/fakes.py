"""A task book and an office in memory: the fake unit of work of routing's use-case tier (no database,
no broker), and the edge the use cases run behind — the events applied to the book by the projection,
as `services.routing.actions.act` and the consumer do in one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from services.routing import actions, handlers
from services.routing.config import RoutingSettings
from services.routing.db import HistoryEntry, IssuedNotice, Task
from services.routing.domain import Rule
from services.routing.projection import project
from services.routing.task_book import RoutingUnitOfWork
from shared.calendar_data import default_calendar
from shared.events import CaseRated, Envelope, EventPayload, NoticeIssued, SubmissionReceived, new_event
from shared.uow import Delivered
from tests.support.calendars import FixedCalendarBook

SETTINGS = RoutingSettings()
SEED: dict[str, Any] = json.loads(SETTINGS.seed_file.read_text())


class FakeTaskBook:
    """Tasks kept apart from the copies the use cases read, so a compare-and-set compares with what
    is stored, as the database does."""

    def __init__(self) -> None:
        self.stored: dict[str, Task] = {}
        self.history: list[HistoryEntry] = []
        self.clusters: dict[str, str] = {}

    async def task(self, case_id: UUID | str, *, for_change: bool = False) -> Task | None:
        stored = self.stored.get(str(case_id))
        return None if stored is None else stored.model_copy(deep=True)

    async def add(self, row: Task | HistoryEntry) -> None:
        if isinstance(row, HistoryEntry):
            self.history.append(row)
        else:
            self.stored[row.case_id] = row.model_copy(deep=True)

    async def move(self, task: Task, **values: Any) -> bool:
        stored = self.stored.get(task.case_id)
        if stored is None or (stored.state, stored.department_id) != (task.state, task.department_id):
            return False
        for name, value in values.items():
            setattr(stored, name, value)
        return True

    async def keep_cluster(self, case_id: str, cluster_id: str) -> None:
        self.clusters[case_id] = cluster_id

    def lines(self, case_id: UUID | str) -> list[str]:
        return [entry.summary for entry in self.history if entry.case_id == str(case_id)]

    def state(self, case_id: UUID | str) -> str:
        return self.stored[str(case_id)].state


class FakeOffice:
    """The demo office's departments and rules (`services/routing/data/demo_office.json`)."""

    def __init__(self) -> None:
        self.departments = {d["id"]: d["name"] for d in SEED["departments"]}
        self.deactivated: set[str] = set()
        self.routing_rules = [
            Rule(
                id=r["id"],
                priority=r["priority"],
                department=r["department"],
                reason=r.get("reason", ""),
                channel=r.get("channel"),
                mailbox=r.get("mailbox"),
                category=r.get("category"),
                applicant_type=r.get("applicant_type"),
                keywords=tuple(r.get("keywords", ())),
            )
            for r in SEED["rules"]
        ]

    async def rules(self) -> list[Rule]:
        return self.routing_rules

    async def department_name(self, department_id: str) -> str | None:
        return self.departments.get(department_id)

    async def is_deactivated(self, handler: str) -> bool:
        return handler in self.deactivated


class FakeNoticeBook:
    """The notice register in memory: the numbers taken per year."""

    def __init__(self) -> None:
        self.last: dict[int, int] = {}

    async def next_number(self, year: int) -> int:
        self.last[year] = self.last.get(year, 0) + 1
        return self.last[year]

    async def notices(self, case_id: str) -> list[IssuedNotice]:
        return []

    async def enter(self, envelope: Envelope, payload: Any) -> None:
        """The numbers a replayed notice took stay taken."""
        if isinstance(payload, NoticeIssued):
            self.last[payload.year] = max(self.last.get(payload.year, 0), payload.sequence)


def fake_unit_of_work() -> tuple[RoutingUnitOfWork, FakeTaskBook, FakeOffice]:
    """A unit of work on an empty book, the demo office, its policy from the default settings and the
    2026 calendar as announced."""
    book, office = FakeTaskBook(), FakeOffice()
    return (
        RoutingUnitOfWork(
            book, office, SETTINGS.policy(), FixedCalendarBook(default_calendar()), FakeNoticeBook()
        ),
        book,
        office,
    )


async def applied(uow: RoutingUnitOfWork, events: Sequence[EventPayload]) -> list[Envelope]:
    """What the edge does with a use case's events: each applied to the task book and the notice
    register, in order."""
    envelopes = [new_event(payload, source="/routing") for payload in events]
    for envelope, payload in zip(envelopes, events, strict=True):
        await project(uow.tasks, envelope, payload)
        await uow.notices.enter(envelope, payload)
    return envelopes


async def received(
    uow: RoutingUnitOfWork, *events: EventPayload, at: datetime | None = None
) -> list[EventPayload]:
    """Events of other services as routing's consumer takes them (sent ``at``, or now): the use case,
    then its own events applied. Returns what routing announced."""
    announced: list[EventPayload] = []
    for payload in events:
        envelope = new_event(payload, source="/tests")
        if at is not None:
            envelope = envelope.model_copy(update={"time": at})
        if isinstance(payload, SubmissionReceived):
            decided = await handlers.on_submission_received(Delivered(envelope, payload), uow)
        elif isinstance(payload, CaseRated):
            decided = await actions.on_case_rated(Delivered(envelope, payload), uow)
        else:
            decided = await handlers.follow(Delivered(envelope, payload), uow)
        await applied(uow, decided)
        announced.extend(decided)
    return announced
