"""Routing's use cases: seed the office, assign a case, list a department's tasks, reply."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.routing.access import record_access
from services.routing.clustering import clusters_of, members_of
from services.routing.db import Department, Handler, HistoryEntry, RoutingRule, Task
from services.routing.domain import CaseFacts, Rule, assign
from services.routing.projection import project
from services.routing.schemas import (
    ActionResult,
    CaseDetail,
    ClusterReplyResult,
    DepartmentPublic,
    HistoryPublic,
    ReplyCreate,
    TaskPublic,
)
from services.routing.workflow import ActionRefused, CaseState, ReplyDraft, check_reply
from shared.auth import Principal, require_roles
from shared.codes import Channel, Role
from shared.dates import local_date
from shared.db import per_transaction
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.events import (
    CaseAssigned,
    CaseReplied,
    Envelope,
    EventPayload,
    SubmissionReceived,
)
from shared.runtime import ServiceRuntime

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
    return [DepartmentPublic(id=d.id, name=d.name) for d in rows]


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
        task = await own_task(session, case_id, principal)
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


async def load_rules(session: AsyncSession) -> list[Rule]:
    """The routing rules as the transaction sees them, read once for all its events."""
    return await per_transaction(session, "routing_rules", _read_rules)


async def department_names(session: AsyncSession) -> dict[str, str]:
    """Every department's name by id, read once per transaction."""

    async def read(session: AsyncSession) -> dict[str, str]:
        return {row.id: row.name for row in (await session.exec(select(Department))).all()}

    return await per_transaction(session, "routing_departments", read)


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


async def on_submission_received(
    session: AsyncSession,
    envelope: Envelope,
    payload: SubmissionReceived,
    *,
    triage_department: str,
) -> list[EventPayload]:
    """Assign a new case by the rules (转办), saying which rule and why; the task follows the event.
    Its similarity to other cases is decided apart, without holding the assignment up
    (`services.routing.clustering`)."""
    if await session.get(Task, str(payload.case_id)) is not None:
        return []
    await project(session, envelope, payload)
    rules = await load_rules(session)
    assignment = assign(facts_of(payload), rules, triage_department=triage_department)
    department_name = (await department_names(session)).get(assignment.department)
    if department_name is None:
        raise LookupError(f"rule {assignment.rule_id} names unknown department {assignment.department}")
    return [
        CaseAssigned(
            case_id=payload.case_id,
            channel=payload.channel,
            department_id=assignment.department,
            department_name=department_name,
            rule_id=assignment.rule_id,
            reason=assignment.reason,
            assigned_on=local_date(envelope.time),
        )
    ]


async def follow(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> list[EventPayload]:
    """Another service's event the task follows (the deadline, a card, a supplement, a rejection)."""
    await project(session, envelope, payload)
    return []


async def list_tasks(
    runtime: ServiceRuntime, principal: Principal, *, state: str | None = None, channel: str | None = None
) -> list[TaskPublic]:
    require_roles(principal, *HANDLING_ROLES)
    if principal.department is None:
        raise Forbidden("the token names no department")
    async with runtime.database.session() as session:
        await require_active(session, principal)
    query = select(Task).where(Task.department_id == principal.department)
    if state is not None:
        query = query.where(Task.state == state)
    if channel is not None:
        query = query.where(Task.channel == channel)
    query = query.order_by(col(Task.due_date).is_(None), col(Task.due_date), col(Task.received_at))
    async with runtime.database.session() as session:
        rows = (await session.exec(query)).all()
        clusters = await clusters_of(session, [row.case_id for row in rows])
    await record_access(runtime, principal, [row.case_id for row in rows], "inbox")
    return [_public(row, clusters.get(row.case_id)) for row in rows]


async def _clusters(runtime: ServiceRuntime, case_id: str) -> dict[str, tuple[str, int]]:
    async with runtime.database.session() as session:
        return await clusters_of(session, [case_id])


def _public(task: Task, cluster: tuple[str, int] | None) -> TaskPublic:
    public = TaskPublic.model_validate(task, from_attributes=True)
    if cluster is None:
        return public
    return public.model_copy(update={"cluster_id": cluster[0], "cluster_size": cluster[1]})


async def require_active(session: AsyncSession, principal: Principal) -> None:
    """A handler an admin deactivated acts no more (the token they hold still verifies)."""
    handler = await session.get(Handler, principal.sub)
    if handler is not None and not handler.active:
        raise Forbidden(f"{principal.sub} is deactivated: an admin can activate them again")


async def own_task(session: AsyncSession, case_id: UUID, principal: Principal) -> Task:
    require_roles(principal, *HANDLING_ROLES)
    await require_active(session, principal)
    task = await session.get(Task, str(case_id), with_for_update=True)
    if task is None:
        raise NotFound(f"no case {case_id}")
    if task.department_id != principal.department:
        raise Forbidden("this case belongs to another department")
    return task


async def reply(
    runtime: ServiceRuntime, case_id: UUID, body: ReplyCreate, principal: Principal
) -> ActionResult:
    async with runtime.unit_of_work() as session:
        task = await own_task(session, case_id, principal)
        draft = ReplyDraft(
            channel=task.channel,
            text=body.text,
            outcome=body.outcome.value if body.outcome else None,
            adoption=body.adoption.value if body.adoption else None,
            reason=body.reason,
        )
        try:
            check_reply(task.state, draft)
        except ActionRefused as refusal:
            raise as_error(refusal) from refusal
        department = await session.get(Department, task.department_id)
        now = datetime.now(UTC)
        # Compare-and-set: of two replies racing, exactly one finds the case still open.
        claimed = await session.exec(
            update(Task)
            .where(
                col(Task.case_id) == task.case_id,
                col(Task.state) == task.state,
                col(Task.department_id) == task.department_id,  # not a case just returned elsewhere
            )
            .values(state=CaseState.REPLIED.value, updated_at=now)
        )
        if claimed.rowcount != 1:
            raise Conflict("the case changed while you were replying; reload it")
        (event,) = await runtime.emit(
            session,
            [
                CaseReplied(
                    case_id=case_id,
                    channel=Channel(task.channel),
                    department_id=task.department_id,
                    department_name=department.name if department else task.department_id,
                    text=body.text,
                    replied_on=local_date(now),
                    outcome=body.outcome,
                    adoption=body.adoption,
                    reason=body.reason,
                    by=actor_of(principal),
                )
            ],
        )
    return ActionResult(case_id=str(case_id), state=CaseState.REPLIED.value, event_id=str(event.id))


async def reply_to_cluster(
    runtime: ServiceRuntime, cluster_id: str, body: ReplyCreate, principal: Principal
) -> ClusterReplyResult:
    """One reply to every open case of a cluster in the caller's department; each case gets its own
    ``case.replied`` and keeps its own clock. Cases elsewhere, or not open, are left and reported."""
    require_roles(principal, *HANDLING_ROLES)
    async with runtime.database.session() as session:
        members = (
            await session.exec(
                select(Task)
                .where(col(Task.case_id).in_(members_of(cluster_id)))
                .order_by(col(Task.received_at))
            )
        ).all()
    if not members:
        raise NotFound(f"no cluster {cluster_id}")
    replied: list[str] = []
    skipped: dict[str, str] = {}
    for task in members:
        if task.department_id != principal.department:
            skipped[task.case_id] = "another department's case"
            continue
        try:
            await reply(runtime, UUID(task.case_id), body, principal)
        except (Conflict, InvalidInput) as refusal:
            skipped[task.case_id] = refusal.message
        else:
            replied.append(task.case_id)
    return ClusterReplyResult(cluster_id=cluster_id, replied=replied, skipped=skipped)
