"""Routing's reactions to the case's events (assign a new case by the rules, follow the others) in the
one use-case shape, and its reads: the office's departments, a department's tasks, a case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlmodel import col, func, select

from services.routing.access import record_access
from services.routing.clustering import clusters_of, members_of
from services.routing.db import Department, Handler, HistoryEntry, RoutingRule, Task
from services.routing.domain import CaseFacts, assign
from services.routing.notices import issue_notice, receipt_notice_id
from services.routing.projection import project
from services.routing.schemas import CaseDetail, DepartmentPublic, HistoryPublic, TaskPublic
from services.routing.task_book import OfficeBook, RoutingUnitOfWork, SqlOfficeBook, SqlTaskBook, TaskBook
from services.routing.workflow import OPEN, ActionRefused
from shared.auth import Principal, require_roles
from shared.codes import Channel, Role
from shared.dates import local_date
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.events import CaseAssigned, EventPayload, SubmissionReceived
from shared.notices import NoticeKind
from shared.runtime import ServiceRuntime
from shared.uow import Delivered

HANDLING_ROLES = (Role.HANDLER, Role.DEPARTMENT_HEAD)


async def seed_office(runtime: ServiceRuntime, seed: dict[str, Any]) -> None:
    """Departments and rules from data, on first start only (later changes go through the admin API)."""
    async with runtime.database.transaction() as session:
        if (await session.exec(select(Department.id).limit(1))).first() is not None:
            return
        for item in seed["departments"]:
            session.add(Department(**item))
        await session.flush()
        for item in seed.get("handlers", []):
            session.add(Handler(**item))
        for item in seed["rules"]:
            session.add(
                RoutingRule(
                    **{k: v for k, v in item.items() if k != "department"}, department_id=item["department"]
                )
            )


async def list_departments(runtime: ServiceRuntime) -> list[DepartmentPublic]:
    async with runtime.database.session() as session:
        rows = (await session.exec(select(Department).order_by(col(Department.id)))).all()
    return [DepartmentPublic(id=d.id, name=d.name, description=d.description) for d in rows]


def facts_of(payload: SubmissionReceived) -> CaseFacts:
    if payload.mailbox is not None:
        return CaseFacts(
            channel=payload.channel.value,
            subject=payload.mailbox.subject,
            body=payload.mailbox.body,
            mailbox=payload.mailbox.mailbox,
            category=payload.mailbox.category,
        )
    if payload.comment is not None:
        return CaseFacts(channel=payload.channel.value, body=payload.comment.body)
    assert payload.disclosure is not None
    return CaseFacts(
        channel=payload.channel.value,
        body=payload.disclosure.description,
        applicant_type=payload.disclosure.applicant_type.value,
    )


def as_error(refusal: ActionRefused) -> Exception:
    """A refusal of the state machine, as the error the HTTP edge maps to 422 (naming the field),
    403 or 409."""
    if refusal.kind == "input":
        return InvalidInput(refusal.field or "(body)", str(refusal))
    if refusal.kind == "role":
        return Forbidden(str(refusal))
    return Conflict(str(refusal))


def actor_of(principal: Principal) -> str:
    return f"{principal.name}（{principal.sub}）"


async def case_detail(runtime: ServiceRuntime, case_id: UUID, principal: Principal) -> CaseDetail:
    async with runtime.database.session() as session:
        task = await own_task(SqlTaskBook(session), SqlOfficeBook(session), case_id, principal)
        history = (
            await session.exec(
                select(HistoryEntry)
                .where(HistoryEntry.case_id == str(case_id))
                .order_by(col(HistoryEntry.at), col(HistoryEntry.id))
            )
        ).all()
    await record_access(runtime, principal, [str(case_id)], "case")
    return CaseDetail(
        task=_public(task, (await _clusters(runtime, task.case_id)).get(task.case_id)),
        history=[HistoryPublic.model_validate(entry, from_attributes=True) for entry in history],
    )


async def on_submission_received(
    event: Delivered[SubmissionReceived], uow: RoutingUnitOfWork
) -> list[EventPayload]:
    """Assign a new case by the rules (转办), saying which rule and why; the task follows the event.
    Its similarity to other cases is decided apart, without holding the assignment up
    (`services.routing.clustering`)."""
    payload = event.payload
    if await uow.tasks.task(payload.case_id) is not None:
        return []
    await project(uow.tasks, event.envelope, payload)
    assignment = assign(
        facts_of(payload), await uow.office.rules(), triage_department=uow.policy.triage_department
    )
    department_name = await uow.office.department_name(assignment.department)
    if department_name is None:
        raise LookupError(f"rule {assignment.rule_id} names unknown department {assignment.department}")
    assigned: list[EventPayload] = [
        CaseAssigned(
            case_id=payload.case_id,
            channel=payload.channel,
            department_id=assignment.department,
            department_name=department_name,
            rule_id=assignment.rule_id,
            reason=assignment.reason,
            assigned_on=local_date(event.envelope.time),
        )
    ]
    task = await uow.tasks.task(payload.case_id)
    if payload.channel == Channel.DISCLOSURE_REQUEST and task is not None:
        # 登记回执: the applicant is told the request is registered, and from which day it counts.
        receipt = await issue_notice(
            uow.notices,
            uow.policy.issuer,
            task,
            NoticeKind.RECEIPT,
            on=local_date(event.envelope.time),
            notice_id=receipt_notice_id(payload.case_id),
        )
        assigned.append(receipt)
    return assigned


async def follow(event: Delivered[EventPayload], uow: RoutingUnitOfWork) -> list[EventPayload]:
    """Another service's event the task follows (the deadline, a card, a supplement, a rejection), or
    the notice register does (a notice delivered online)."""
    await project(uow.tasks, event.envelope, event.payload)
    await uow.notices.enter(event.envelope, event.payload)
    return []


async def list_tasks(
    runtime: ServiceRuntime, principal: Principal, *, state: str | None = None, channel: str | None = None
) -> list[TaskPublic]:
    query = await _inbox_query(runtime, principal, state=state, channel=channel)
    return await listed(runtime, principal, query)


@dataclass(frozen=True, slots=True)
class InboxPage:
    """A page of the department's inbox, with how many cases match in all."""

    tasks: list[TaskPublic]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


async def inbox_page(
    runtime: ServiceRuntime,
    principal: Principal,
    *,
    state: str | None = None,
    channel: str | None = None,
    page: int = 1,
    size: int = 50,
) -> InboxPage:
    """The department's inbox a page at a time, soonest due first: its open work unless a state is
    asked for. Only the cases shown count as read (个人信息查阅记录)."""
    query = await _inbox_query(runtime, principal, state=state, channel=channel, open_only=state is None)
    async with runtime.database.session() as session:
        total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    page = min(max(page, 1), max(1, -(-total // size)))
    tasks = await listed(runtime, principal, query.limit(size).offset((page - 1) * size))
    return InboxPage(tasks, total, page, size)


async def _inbox_query(
    runtime: ServiceRuntime,
    principal: Principal,
    *,
    state: str | None,
    channel: str | None,
    open_only: bool = False,
) -> Any:
    require_roles(principal, *HANDLING_ROLES)
    if principal.department is None:
        raise Forbidden("the token names no department")
    async with runtime.database.session() as session:
        await require_active(SqlOfficeBook(session), principal)
    query = select(Task).where(Task.department_id == principal.department)
    if state is not None:
        query = query.where(Task.state == state)
    elif open_only:
        query = query.where(col(Task.state).in_(sorted(state.value for state in OPEN)))
    if channel is not None:
        query = query.where(Task.channel == channel)
    return query.order_by(
        col(Task.due_date).is_(None), col(Task.due_date), col(Task.received_at), col(Task.case_id)
    )


async def listed(runtime: ServiceRuntime, principal: Principal, query: Any) -> list[TaskPublic]:
    """The tasks ``query`` selects, with their clusters; each counts as read (个人信息查阅记录)."""
    async with runtime.database.session() as session:
        rows = (await session.exec(query)).all()
        clusters = await clusters_of(session, [row.case_id for row in rows])
    await record_access(runtime, principal, [row.case_id for row in rows], "inbox")
    return [_public(row, clusters.get(row.case_id)) for row in rows]


async def cluster_cases(runtime: ServiceRuntime, principal: Principal, cluster_id: str) -> list[TaskPublic]:
    """The caller's department's cases among a cluster of similar submissions (相似诉求), oldest first."""
    query = await _inbox_query(runtime, principal, state=None, channel=None)
    rows = query.where(col(Task.case_id).in_(members_of(cluster_id)))
    tasks = await listed(runtime, principal, rows.order_by(None).order_by(col(Task.received_at)))
    if not tasks:
        raise NotFound(f"no cluster {cluster_id} in {principal.department}")
    return tasks


async def _clusters(runtime: ServiceRuntime, case_id: str) -> dict[str, tuple[str, int]]:
    async with runtime.database.session() as session:
        return await clusters_of(session, [case_id])


def _public(task: Task, cluster: tuple[str, int] | None) -> TaskPublic:
    public = TaskPublic.model_validate(task, from_attributes=True)
    if cluster is None:
        return public
    return public.model_copy(update={"cluster_id": cluster[0], "cluster_size": cluster[1]})


async def require_active(office: OfficeBook, principal: Principal) -> None:
    """A handler an admin deactivated acts no more (the token they hold still verifies)."""
    if await office.is_deactivated(principal.sub):
        raise Forbidden(f"{principal.sub} is deactivated: an admin can activate them again")


async def own_task(
    tasks: TaskBook, office: OfficeBook, case_id: UUID, principal: Principal, *, for_change: bool = False
) -> Task:
    """The case, if it is the caller's department's and the caller may handle it."""
    require_roles(principal, *HANDLING_ROLES)
    await require_active(office, principal)
    task = await tasks.task(case_id, for_change=for_change)
    if task is None:
        raise NotFound(f"no case {case_id}")
    if task.department_id != principal.department:
        raise Forbidden("this case belongs to another department")
    return task
