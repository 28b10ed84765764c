"""The admin's use cases: departments and handlers, routing rules, the triage queue (待分办), the
cases sent back for re-handling that may be re-routed (改派), and how often each department returns cases. Every change to the office's data is audited (操作留痕).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.routing.access import record_access
from services.routing.accounts import end_sessions
from services.routing.db import AuditEntry, Department, Handler, RoutingRule, Task
from services.routing.handlers import actor_of
from services.routing.schemas import (
    AuditPublic,
    Bounces,
    DepartmentChange,
    DepartmentCreate,
    DepartmentPublic,
    HandlerCreate,
    HandlerPublic,
    RuleCreate,
    RuleIn,
    RulePublic,
    TaskPublic,
)
from services.routing.workflow import OPEN, REROUTABLE
from shared.auth import Principal, require_roles
from shared.codes import Role
from shared.errors import Conflict, InvalidInput, NotFound
from shared.runtime import ServiceRuntime


def _audit(
    session: AsyncSession,
    principal: Principal,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    session.add(
        AuditEntry(
            at=datetime.now(UTC),
            actor=actor_of(principal),
            action=action,
            target=target,
            before=before,
            after=after,
        )
    )


async def _department(session: AsyncSession, department_id: str) -> Department:
    department = await session.get(Department, department_id)
    if department is None:
        raise InvalidInput("department_id", f"no department {department_id!r}")
    return department


# --- departments and handlers -----------------------------------------------------------------


async def add_department(
    runtime: ServiceRuntime, body: DepartmentCreate, principal: Principal
) -> DepartmentPublic:
    require_roles(principal, Role.ADMIN)
    async with runtime.unit_of_work() as session:
        if await session.get(Department, body.id) is not None:
            raise Conflict(f"department {body.id} exists")
        session.add(Department(**body.model_dump()))
        _audit(session, principal, "department.added", body.id, None, body.model_dump())
    return DepartmentPublic(id=body.id, name=body.name)


async def change_department(
    runtime: ServiceRuntime, department_id: str, body: DepartmentChange, principal: Principal
) -> DepartmentPublic:
    require_roles(principal, Role.ADMIN)
    async with runtime.unit_of_work() as session:
        department = await session.get(Department, department_id)
        if department is None:
            raise NotFound(f"no department {department_id}")
        before = department.model_dump()
        department.name, department.description = body.name, body.description
        session.add(department)
        _audit(session, principal, "department.changed", department_id, before, department.model_dump())
    return DepartmentPublic(id=department_id, name=body.name)


async def list_handlers(runtime: ServiceRuntime, principal: Principal) -> list[HandlerPublic]:
    require_roles(principal, Role.ADMIN)
    async with runtime.database.session() as session:
        rows = (
            await session.exec(select(Handler).order_by(col(Handler.department_id), col(Handler.id)))
        ).all()
    return [handler_public(row) for row in rows]


def handler_public(row: Handler) -> HandlerPublic:
    return HandlerPublic(
        id=row.id,
        name=row.name,
        department_id=row.department_id,
        roles=list(row.roles),
        active=row.active,
        password_set=row.password_hash is not None,
    )


async def put_handler(runtime: ServiceRuntime, body: HandlerCreate, principal: Principal) -> HandlerPublic:
    """Add a handler, or change one (name, department, roles, active)."""
    require_roles(principal, Role.ADMIN)
    async with runtime.unit_of_work() as session:
        await _department(session, body.department_id)
        existing = await session.get(Handler, body.id)
        before = existing.model_dump() if existing else None
        values = body.model_dump(mode="json")
        handler = existing or Handler(**values)
        for key, value in values.items():
            setattr(handler, key, value)
        session.add(handler)
        if not handler.active:
            await end_sessions(session, [handler.id], datetime.now(UTC))  # signed out everywhere it checks
        _audit(
            session,
            principal,
            "handler.changed" if existing else "handler.added",
            body.id,
            _without_secrets(before),
            values,
        )
    return handler_public(handler)


def _without_secrets(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the audit trail keeps of an account: never its password's hash."""
    return None if row is None else {k: v for k, v in row.items() if k != "password_hash"}


# --- rules ----------------------------------------------------------------------------------------


def _rule_public(rule: RoutingRule) -> RulePublic:
    return RulePublic.model_validate(rule, from_attributes=True)


async def list_rules(runtime: ServiceRuntime, principal: Principal) -> list[RulePublic]:
    require_roles(principal, Role.ADMIN)
    async with runtime.database.session() as session:
        rows = (
            await session.exec(select(RoutingRule).order_by(col(RoutingRule.priority), col(RoutingRule.id)))
        ).all()
    return [_rule_public(row) for row in rows]


async def add_rule(runtime: ServiceRuntime, body: RuleCreate, principal: Principal) -> RulePublic:
    require_roles(principal, Role.ADMIN)
    async with runtime.unit_of_work() as session:
        await _department(session, body.department_id)
        if await session.get(RoutingRule, body.id) is not None:
            raise Conflict(f"rule {body.id} exists")
        rule = RoutingRule(**body.model_dump(mode="json"))
        session.add(rule)
        _audit(session, principal, "rule.added", body.id, None, body.model_dump(mode="json"))
    return _rule_public(rule)


async def change_rule(
    runtime: ServiceRuntime, rule_id: str, body: RuleIn, principal: Principal
) -> RulePublic:
    """Change a rule (to disable it, send ``enabled: false``); rules are never deleted, so history stays readable."""
    require_roles(principal, Role.ADMIN)
    async with runtime.unit_of_work() as session:
        rule = await session.get(RoutingRule, rule_id)
        if rule is None:
            raise NotFound(f"no rule {rule_id}")
        await _department(session, body.department_id)
        before = _rule_public(rule).model_dump(mode="json")
        for key, value in body.model_dump(mode="json").items():
            setattr(rule, key, value)
        session.add(rule)
        after = _rule_public(rule).model_dump(mode="json")
        action = "rule.disabled" if before["enabled"] and not after["enabled"] else "rule.changed"
        _audit(session, principal, action, rule_id, before, after)
    return _rule_public(rule)


async def audit_trail(runtime: ServiceRuntime, principal: Principal, *, limit: int) -> list[AuditPublic]:
    require_roles(principal, Role.ADMIN)
    async with runtime.database.session() as session:
        rows = (await session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit))).all()
    return [AuditPublic.model_validate(row, from_attributes=True) for row in rows]


# --- triage and returns ---------------------------------------------------------------------------


async def bounces(runtime: ServiceRuntime, principal: Principal) -> list[Bounces]:
    """How many cases each department has returned (退回次数), most first."""
    require_roles(principal, Role.ADMIN)
    async with runtime.database.session() as session:
        returned = (await session.exec(select(Task.returned_by))).all()
    counts = Counter(department for departments in returned for department in departments)
    return [Bounces(department_id=d, returned=n) for d, n in counts.most_common()]


async def triage_cases(runtime: ServiceRuntime, principal: Principal, triage: str) -> list[TaskPublic]:
    """The cases waiting in triage (待分办) for an admin to dispatch, oldest first."""
    require_roles(principal, Role.ADMIN)
    async with runtime.database.session() as session:
        rows = (
            await session.exec(
                select(Task)
                .where(
                    Task.department_id == triage, col(Task.state).in_(sorted(state.value for state in OPEN))
                )
                .order_by(col(Task.received_at))
            )
        ).all()
    await record_access(runtime, principal, [row.case_id for row in rows], "inbox")
    return [TaskPublic.model_validate(row, from_attributes=True) for row in rows]


async def reopened_cases(runtime: ServiceRuntime, principal: Principal) -> list[TaskPublic]:
    """The cases sent back for re-handling (发回重办) and not replied again, which an admin may give to
    another department (改派): supervised first, then the oldest."""
    require_roles(principal, Role.ADMIN)
    async with runtime.database.session() as session:
        rows = (
            await session.exec(
                select(Task)
                .where(col(Task.reopened) > 0, col(Task.state).in_(sorted(s.value for s in REROUTABLE)))
                .order_by(col(Task.supervised).desc(), col(Task.received_at))
            )
        ).all()
    await record_access(runtime, principal, [row.case_id for row in rows], "inbox")
    return [TaskPublic.model_validate(row, from_attributes=True) for row in rows]
