"""The cases under supervision (督办事项): a case a citizen was unsatisfied with again goes on the
supervision list (`case.supervised`), and shows when its department's head read the notice
(`case.supervision_acknowledged`). The reactions keep it on the case's row of the clock book; the list
is read with the case's reply clock, for supervisors (every department) and department heads (theirs)."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from services.tracking.clock_book import TrackingUnitOfWork
from services.tracking.db import CaseChannel, Clock
from services.tracking.schemas import SupervisedCasePublic
from services.tracking.supervision import SUPERVISING_ROLES
from shared.auth import Principal, require_roles
from shared.codes import Channel, ClockKind, ClockState, Role
from shared.errors import Forbidden
from shared.events import CaseSupervised, CaseSupervisionAcknowledged, EventPayload
from shared.runtime import ServiceRuntime
from shared.uow import Delivered

__all__ = ["on_case_supervised", "on_supervision_acknowledged", "supervised_cases"]


async def on_case_supervised(event: Delivered[CaseSupervised], uow: TrackingUnitOfWork) -> list[EventPayload]:
    payload = event.payload
    case = await uow.clocks.case(payload.case_id)
    if case is None:
        return []  # a case this tracking never saw
    case.supervised, case.supervised_on = payload.unsatisfied, payload.supervised_on
    case.supervision_reason, case.supervision_read_by = payload.reason, None
    case.department_id, case.department_name = payload.department_id, payload.department_name
    await uow.clocks.record(case)
    return []


async def on_supervision_acknowledged(
    event: Delivered[CaseSupervisionAcknowledged], uow: TrackingUnitOfWork
) -> list[EventPayload]:
    payload = event.payload
    case = await uow.clocks.case(payload.case_id)
    if case is None or case.supervised != payload.unsatisfied:
        return []  # a notice since superseded
    case.supervision_read_by = payload.by
    await uow.clocks.record(case)
    return []


async def supervised_cases(
    runtime: ServiceRuntime, principal: Principal, *, department: str | None = None
) -> list[SupervisedCasePublic]:
    """Every supervised case, the latest first, with its reply clock; a department head sees theirs."""
    require_roles(principal, *SUPERVISING_ROLES, Role.DEPARTMENT_HEAD)
    if not principal.has_any(SUPERVISING_ROLES):
        if principal.department is None:
            raise Forbidden("a department head's token names no department")
        if department is not None and department != principal.department:
            raise Forbidden("a department head sees their own department only")
        department = principal.department
    query = (
        select(CaseChannel, Clock)
        .join(
            Clock,
            (col(Clock.case_id) == col(CaseChannel.case_id)) & (col(Clock.kind) == ClockKind.REPLY.value),
            isouter=True,
        )
        .where(col(CaseChannel.supervised) > 0)
        .order_by(col(CaseChannel.supervised_on).desc(), col(CaseChannel.case_id))
    )
    if department is not None:
        query = query.where(CaseChannel.department_id == department)
    async with runtime.database.session() as session:
        rows = (await session.exec(query)).all()
    return [_public(case, clock) for case, clock in rows]


def _public(case: CaseChannel, clock: Clock | None) -> SupervisedCasePublic:
    assert case.supervised_on is not None
    return SupervisedCasePublic(
        case_id=case.case_id,
        channel=Channel(case.channel),
        department_id=case.department_id,
        department_name=case.department_name,
        unsatisfied=case.supervised,
        reason=case.supervision_reason or "",
        supervised_on=case.supervised_on,
        read_by=case.supervision_read_by,
        reply_due=_due(clock),
        reply_clock=ClockState(clock.state) if clock is not None else None,
    )


def _due(clock: Clock | None) -> date | None:
    return clock.due_date if clock is not None and clock.state != ClockState.STOPPED else None
