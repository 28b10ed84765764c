"""Routing's unit of work: the task book (待办台账) — each case's task, its history and its cluster —
the office's reference data (departments, handlers, rules), its standing policy and the working-day
calendar in force.

`TaskBook` and `OfficeBook` are what routing's use cases (`services.routing.handlers`,
`services.routing.actions`) and its projection may do with stored state; `SqlTaskBook` and
`SqlOfficeBook` do it in one transaction of routing's database. The use-case tests use fakes in memory
(`tests/routing/usecases`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.routing.clustering import keep_cluster
from services.routing.db import Department, Handler, HistoryEntry, RoutingRule, Task
from services.routing.domain import Rule
from services.routing.notice_book import NoticeBook, SqlNoticeBook, project_notice
from services.routing.projection import project
from services.routing.workflow import OfficePolicy
from shared.calendar_store import CalendarBook, LiveCalendar, SqlCalendarBook
from shared.db import per_transaction
from shared.events import Envelope

__all__ = [
    "Office",
    "OfficeBook",
    "RoutingUnitOfWork",
    "SqlOfficeBook",
    "SqlTaskBook",
    "TaskBook",
    "project_in",
    "routing_unit_of_work",
]


class TaskBook(Protocol):
    async def task(self, case_id: UUID | str, *, for_change: bool = False) -> Task | None:
        """The case's task; ``for_change`` holds it until the unit of work ends (a handler's action)."""
        ...

    async def add(self, row: Task | HistoryEntry) -> None:
        """Keep a new task or history line, or a changed task."""
        ...

    async def move(self, task: Task, **values: Any) -> bool:
        """Compare-and-set: change the task only if nobody moved it (state, department) since it was
        read — of two racing actions exactly one finds it so. False when somebody had."""
        ...

    async def keep_cluster(self, case_id: str, cluster_id: str) -> None:
        """The case's cluster of similar cases (相似诉求), as ``case.clustered`` decided it."""
        ...


class OfficeBook(Protocol):
    """The office's reference data as the unit of work sees it, read once for all its events."""

    async def rules(self) -> list[Rule]: ...

    async def department_name(self, department_id: str) -> str | None:
        """None for a department the office does not have."""
        ...

    async def is_deactivated(self, handler: str) -> bool:
        """An admin deactivated this handler (the token they hold still verifies)."""
        ...


@dataclass(frozen=True, slots=True)
class RoutingUnitOfWork:
    """What a routing use case works with: the task book, the office's data and policy, and the calendar
    its working days are counted on."""

    tasks: TaskBook
    office: OfficeBook
    policy: OfficePolicy
    calendar: CalendarBook
    notices: NoticeBook


@dataclass(frozen=True, slots=True)
class Office:
    """What the edges make a unit of work with: the calendar that follows the stored one, and the
    office's policy from settings."""

    calendar: LiveCalendar
    policy: OfficePolicy


class SqlTaskBook:
    """The task book in one transaction of routing's database."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def task(self, case_id: UUID | str, *, for_change: bool = False) -> Task | None:
        return await self._session.get(Task, str(case_id), with_for_update=for_change)

    async def add(self, row: Task | HistoryEntry) -> None:
        self._session.add(row)

    async def move(self, task: Task, **values: Any) -> bool:
        result = await self._session.exec(
            update(Task)
            .where(
                col(Task.case_id) == task.case_id,
                col(Task.state) == task.state,
                col(Task.department_id) == task.department_id,  # not a case just sent elsewhere
            )
            .values(**values)  # its time is its event's, set as the event is projected
        )
        return bool(result.rowcount == 1)

    async def keep_cluster(self, case_id: str, cluster_id: str) -> None:
        await keep_cluster(self._session, case_id, cluster_id)


class SqlOfficeBook:
    """Departments, handlers and rules, read once per transaction (`shared.db.per_transaction`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def rules(self) -> list[Rule]:
        return await per_transaction(self._session, "routing_rules", _read_rules)

    async def department_name(self, department_id: str) -> str | None:
        return (await per_transaction(self._session, "routing_departments", _read_departments)).get(
            department_id
        )

    async def is_deactivated(self, handler: str) -> bool:
        row = await self._session.get(Handler, handler)
        return row is not None and not row.active


async def _read_rules(session: AsyncSession) -> list[Rule]:
    return [
        Rule(
            id=r.id,
            priority=r.priority,
            department=r.department_id,
            reason=r.reason,
            channel=r.channel,
            mailbox=r.mailbox,
            category=r.category,
            applicant_type=r.applicant_type,
            keywords=tuple(r.keywords),
            enabled=r.enabled,
        )
        for r in (await session.exec(select(RoutingRule))).all()
    ]


async def _read_departments(session: AsyncSession) -> dict[str, str]:
    return {row.id: row.name for row in (await session.exec(select(Department))).all()}


async def routing_unit_of_work(session: AsyncSession, office: Office) -> RoutingUnitOfWork:
    """The unit of work on ``session``'s transaction."""
    return RoutingUnitOfWork(
        SqlTaskBook(session),
        SqlOfficeBook(session),
        office.policy,
        SqlCalendarBook(session, office.calendar),
        SqlNoticeBook(session),
    )


async def project_in(session: AsyncSession, envelope: Envelope, payload: Any) -> None:
    """Routing's projection (`services.routing.projection`) on the task book of ``session``: the
    runtime's projector, live and in a replay."""
    await project(SqlTaskBook(session), envelope, payload)
    await project_notice(session, envelope, payload)
