"""The department head's supervision notices (督办通知): the cases of their department an unsatisfied
citizen sent to supervision, the unread first. Reading one is `services.routing.actions.acknowledge_supervision`."""

from __future__ import annotations

from sqlmodel import col, func, select

from services.routing.db import Task
from services.routing.handlers import listed, require_active
from services.routing.schemas import TaskPublic
from services.routing.task_book import SqlOfficeBook
from shared.auth import Principal, require_roles
from shared.codes import Role
from shared.errors import Forbidden
from shared.runtime import ServiceRuntime

__all__ = ["supervised_cases", "unread_supervision_notices"]


async def supervised_cases(
    runtime: ServiceRuntime, principal: Principal, *, unread_only: bool = False
) -> list[TaskPublic]:
    """The head's department's supervised cases: unread notices first, then the latest supervised."""
    require_roles(principal, Role.DEPARTMENT_HEAD)
    if principal.department is None:
        raise Forbidden("the token names no department")
    async with runtime.database.session() as session:
        await require_active(SqlOfficeBook(session), principal)
    query = select(Task).where(Task.department_id == principal.department, col(Task.supervised) > 0)
    if unread_only:
        query = query.where(col(Task.supervision_read_by).is_(None))
    query = query.order_by(
        col(Task.supervision_read_by).is_not(None), col(Task.supervised_on).desc(), col(Task.case_id)
    )
    return await listed(runtime, principal, query)


async def unread_supervision_notices(runtime: ServiceRuntime, principal: Principal) -> int:
    """How many of the head's department's supervision notices are unread (0 for anyone else)."""
    if Role.DEPARTMENT_HEAD not in principal.roles or principal.department is None:
        return 0
    async with runtime.database.session() as session:
        query = select(func.count()).where(
            Task.department_id == principal.department,
            col(Task.supervised) > 0,
            col(Task.supervision_read_by).is_(None),
        )
        return int((await session.exec(query)).one())
