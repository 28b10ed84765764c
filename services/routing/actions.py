"""The handler's actions on a case (accept, return, request-supplement, consult-third-party,
third-party-replied, extend, close) and routing's reactions to the citizen's follow-ups.

Each use case loads the case, asks :mod:`services.routing.workflow` whether the action is allowed,
claims the change with a compare-and-set on the task's state (so two racing actions cannot both pass),
and emits the event, which changes the task and writes its history line
(`services.routing.projection`) — all in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.routing.db import Department, Task
from services.routing.domain import assign
from services.routing.handlers import (
    actor_of,
    as_error,
    facts_of,
    follow,
    load_rules,
    own_task,
    require_active,
)
from services.routing.schemas import (
    ActionResult,
    ExtensionCreate,
    ReturnCreate,
    SupplementRequestCreate,
    ThirdPartyConsultationCreate,
    ThirdPartyReplyCreate,
)
from services.routing.workflow import (
    ActionRefused,
    CaseFile,
    CaseState,
    ExtensionRules,
    check_accept,
    check_close,
    check_consult_third_party,
    check_extend,
    check_request_supplement,
    check_return,
    check_third_party_replied,
    reopens,
    returned_to,
)
from shared.auth import Principal
from shared.calendar_store import LiveCalendar
from shared.codes import Channel, Role
from shared.dates import today
from shared.errors import Conflict, Forbidden, NotFound
from shared.events import (
    CaseAccepted,
    CaseAssigned,
    CaseClosed,
    CaseRated,
    CaseReopened,
    CaseReturned,
    DeadlineExtended,
    Envelope,
    EventPayload,
    SubmissionReceived,
    SupplementRequested,
    ThirdPartyConsulted,
    ThirdPartyReplied,
)
from shared.runtime import ServiceRuntime


@dataclass(frozen=True, slots=True)
class Office:
    """Routing's standing rules, from settings."""

    calendar: LiveCalendar
    """Follows the stored calendar (refresh it in the unit of work before counting)."""
    triage_department: str
    max_returns: int
    return_window_days: int
    supplement_window_days: int
    extension: ExtensionRules


def _file(task: Task) -> CaseFile:
    return CaseFile(
        channel=task.channel,
        state=CaseState(task.state),
        department=task.department_id,
        extended=task.extended,
        supplement_requested=task.supplement_requested,
        returned_by=tuple(task.returned_by),
    )


@contextmanager
def _as_http_error() -> Iterator[None]:
    """A refusal of the state machine, as the error the HTTP edge maps to 409, 422 or 403."""
    try:
        yield
    except ActionRefused as refusal:
        raise as_error(refusal) from refusal


async def _move(session: AsyncSession, task: Task, to: CaseState, **values: Any) -> None:
    """Compare-and-set: the task moves only if nobody moved it since it was read."""
    result = await session.exec(
        update(Task)
        .where(
            col(Task.case_id) == task.case_id,
            col(Task.state) == task.state,
            col(Task.department_id) == task.department_id,
        )
        .values(state=to.value, updated_at=datetime.now(UTC), **values)
    )
    if result.rowcount != 1:
        raise Conflict("the case changed while you were working on it; reload it")


async def _act(
    runtime: ServiceRuntime, case_id: UUID, events: Sequence[EventPayload], session: AsyncSession
) -> ActionResult:
    """Emit the action's events: the task and its history follow them."""
    envelopes = await runtime.emit(session, events)
    task = await session.get(Task, str(case_id))
    assert task is not None
    return ActionResult(case_id=str(case_id), state=task.state, event_id=str(envelopes[-1].id))


async def accept(runtime: ServiceRuntime, case_id: UUID, principal: Principal) -> ActionResult:
    """签收: the department takes the case on."""
    async with runtime.unit_of_work() as session:
        task = await own_task(session, case_id, principal)
        with _as_http_error():
            check_accept(_file(task))
        await _move(session, task, CaseState.ACCEPTED)
        by = actor_of(principal)
        return await _act(
            runtime,
            case_id,
            [CaseAccepted(case_id=case_id, department_id=task.department_id, by=by)],
            session,
        )


async def return_case(
    runtime: ServiceRuntime, office: Office, case_id: UUID, body: ReturnCreate, principal: Principal
) -> ActionResult:
    """退回: not this department's business; routing assigns the next matching department, or triage."""
    async with runtime.unit_of_work() as session:
        await office.calendar.refresh(session)
        task = await own_task(session, case_id, principal)
        day = today()
        deadline = office.calendar.add_working_days(task.assigned_on, office.return_window_days).due_date
        with _as_http_error():
            check_return(
                _file(task), triage_department=office.triage_department, today=day, return_deadline=deadline
            )
        returned_by = (*task.returned_by, task.department_id)
        if returned_to(returned_by, max_returns=office.max_returns) == "triage":
            department_id, rule_id = office.triage_department, None
            reason = f"returned {len(returned_by)} times: waiting in triage for an admin to dispatch"
        else:
            submission = SubmissionReceived.model_validate(task.submission)
            rules = await load_rules(session)
            choice = assign(
                facts_of(submission), rules, triage_department=office.triage_department, excluded=returned_by
            )
            department_id, rule_id, reason = choice.department, choice.rule_id, choice.reason
        department = await session.get(Department, department_id)
        if department is None:
            raise NotFound(f"no department {department_id}")
        await _move(session, task, CaseState.ASSIGNED)
        events: list[EventPayload] = [
            CaseReturned(
                case_id=case_id, department_id=task.department_id, reason=body.reason, by=actor_of(principal)
            ),
            CaseAssigned(
                case_id=case_id,
                channel=Channel(task.channel),
                department_id=department.id,
                department_name=department.name,
                rule_id=rule_id,
                reason=reason,
                assigned_on=day,
            ),
        ]
        envelopes = await runtime.emit(session, events)
    return ActionResult(case_id=str(case_id), state=CaseState.ASSIGNED.value, event_id=str(envelopes[0].id))


async def request_supplement(
    runtime: ServiceRuntime,
    office: Office,
    case_id: UUID,
    body: SupplementRequestCreate,
    principal: Principal,
) -> ActionResult:
    """补正告知: once, within 7 working days of receipt; the applicant has the working days given."""
    async with runtime.unit_of_work() as session:
        await office.calendar.refresh(session)
        task = await own_task(session, case_id, principal)
        day = today()
        window_end = office.calendar.add_working_days(
            task.receipt_date, office.supplement_window_days
        ).due_date
        with _as_http_error():
            check_request_supplement(
                _file(task), today=day, window_end=window_end, working_days=body.working_days
            )
        due = office.calendar.add_working_days(day, body.working_days).due_date
        await _move(session, task, CaseState.SUPPLEMENT_REQUESTED)
        event = SupplementRequested(
            case_id=case_id, items=body.items, due_date=due, requested_on=day, by=actor_of(principal)
        )
        return await _act(runtime, case_id, [event], session)


async def consult_third_party(
    runtime: ServiceRuntime, case_id: UUID, body: ThirdPartyConsultationCreate, principal: Principal
) -> ActionResult:
    """征求第三方意见 (OGI Art. 32): the reply clock pauses while the third party has its 15 days."""
    async with runtime.unit_of_work() as session:
        task = await own_task(session, case_id, principal)
        with _as_http_error():
            check_consult_third_party(_file(task))
        await _move(session, task, CaseState.THIRD_PARTY_CONSULTED)
        event = ThirdPartyConsulted(
            case_id=case_id, party=body.party, consulted_on=today(), by=actor_of(principal)
        )
        return await _act(runtime, case_id, [event], session)


async def third_party_replied(
    runtime: ServiceRuntime, case_id: UUID, _body: ThirdPartyReplyCreate, principal: Principal
) -> ActionResult:
    async with runtime.unit_of_work() as session:
        task = await own_task(session, case_id, principal)
        with _as_http_error():
            check_third_party_replied(_file(task))
        await _move(session, task, CaseState.ACCEPTED)
        event = ThirdPartyReplied(case_id=case_id, replied_on=today(), by=actor_of(principal))
        return await _act(runtime, case_id, [event], session)


async def extend(
    runtime: ServiceRuntime, office: Office, case_id: UUID, body: ExtensionCreate, principal: Principal
) -> ActionResult:
    """延期: a disclosure request with the disclosure office head's approval; a letter by its department head."""
    async with runtime.unit_of_work() as session:
        await require_active(session, principal)
        task = await session.get(Task, str(case_id), with_for_update=True)
        if task is None:
            raise NotFound(f"no case {case_id}")
        is_disclosure_head = Role.DISCLOSURE_HEAD in principal.roles
        is_department_head = (
            Role.DEPARTMENT_HEAD in principal.roles and principal.department == task.department_id
        )
        if not (is_disclosure_head or principal.department == task.department_id):
            raise Forbidden("this case belongs to another department")
        with _as_http_error():
            check_extend(
                _file(task),
                working_days=body.working_days,
                is_disclosure_head=is_disclosure_head,
                is_department_head=is_department_head,
                rules=office.extension,
            )
        await _move(session, task, CaseState(task.state), extended=True)
        event = DeadlineExtended(
            case_id=case_id, working_days=body.working_days, reason=body.reason, by=actor_of(principal)
        )
        return await _act(runtime, case_id, [event], session)


async def close(runtime: ServiceRuntime, case_id: UUID, principal: Principal) -> ActionResult:
    """办结."""
    async with runtime.unit_of_work() as session:
        task = await own_task(session, case_id, principal)
        with _as_http_error():
            check_close(_file(task))
        await _move(session, task, CaseState.CLOSED)
        event = CaseClosed(case_id=case_id, closed_on=today(), by=actor_of(principal))
        return await _act(runtime, case_id, [event], session)


# --- reactions ---------------------------------------------------------------------------------

on_supplement_received = follow
"""The applicant answered: the case is back in the department's hands (`services.routing.projection`)."""

on_review_rejected = follow
"""A reviewer would not publish the reply as it is: the department sees why in the case history."""


async def on_case_rated(session: AsyncSession, _envelope: Envelope, payload: CaseRated) -> list[EventPayload]:
    """An unsatisfied rating sends the case back to its department for re-handling (发回重办)."""
    task = await session.get(Task, str(payload.case_id))
    if task is None or not reopens(_file(task), payload.rating.value):
        return []
    reason = "市民对答复不满意" + (f"：{payload.comment}" if payload.comment else "")
    return [CaseReopened(case_id=payload.case_id, reason=reason)]
