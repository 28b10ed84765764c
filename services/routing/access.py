"""Who read whose personal data (个人信息查阅记录): every time staff see a case's submission — its
page, or the inbox that lists it — a line is kept, and an admin lists them (PIPL: access to personal
data is logged)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlmodel import col, select

from services.routing.db import PersonalDataAccess
from services.routing.schemas import AccessPublic
from shared.auth import Principal, require_roles
from shared.codes import Role
from shared.runtime import ServiceRuntime

__all__ = ["access_log", "record_access"]


async def record_access(
    runtime: ServiceRuntime, principal: Principal, case_ids: Iterable[str], what: str
) -> None:
    now = datetime.now(UTC)
    rows = [
        PersonalDataAccess(at=now, actor_id=principal.sub, actor=principal.name, case_id=case_id, what=what)
        for case_id in case_ids
    ]
    if rows:
        async with runtime.database.transaction() as session:
            session.add_all(rows)


async def access_log(
    runtime: ServiceRuntime,
    principal: Principal,
    *,
    case_id: str | None = None,
    actor_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AccessPublic]:
    """Newest first; for one case or one member of staff."""
    require_roles(principal, Role.ADMIN)
    query = select(PersonalDataAccess)
    if case_id is not None:
        query = query.where(PersonalDataAccess.case_id == case_id)
    if actor_id is not None:
        query = query.where(PersonalDataAccess.actor_id == actor_id)
    query = query.order_by(col(PersonalDataAccess.at).desc(), col(PersonalDataAccess.id).desc())
    async with runtime.database.session() as session:
        rows = (await session.exec(query.limit(limit).offset(offset))).all()
    return [AccessPublic.model_validate(row, from_attributes=True) for row in rows]
