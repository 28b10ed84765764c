"""The handler's actions on a case (accept, return, request-supplement, consult-third-party,
third-party-replied, extend, reply, close), the admin's dispatch from triage and re-routing of a
reopened case (改派), the department head's reading of a supervision notice (督办通知), and routing's
reaction to the citizen's rating — each a use case of the one shape, ``verb(action, uow) -> events``.

Each loads the case through the task book, asks :mod:`services.routing.workflow` whether the action is
allowed, claims the change with a compare-and-set on the task's state (so two racing actions cannot both
pass), and returns the event — which, once the edge (:func:`act`) emits it, changes the task and writes
its history line (`services.routing.projection`) — all in one transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.routing.clustering import members_of
from services.routing.db import Task
from services.routing.domain import assign
from services.routing.handlers import (
    HANDLING_ROLES,
    actor_of,
    as_error,
    facts_of,
    own_task,
    require_active,
)
from services.routing.notices import issue_notice
from services.routing.schemas import (
    ActionResult,
    ClusterReplyResult,
    DispatchCreate,
    ExtensionCreate,
    ReplyCreate,
    RerouteCreate,
    ReturnCreate,
    SupplementRequestCreate,
    ThirdPartyConsultationCreate,
    ThirdPartyReplyCreate,
)
from services.routing.task_book import Office, RoutingUnitOfWork, routing_unit_of_work
from services.routing.workflow import (
    ActionRefused,
    CaseFile,
    CaseState,
    ReplyDraft,
    check_accept,
    check_close,
    check_consult_third_party,
    check_extend,
    check_reply,
    check_request_supplement,
    check_reroute,
    check_return,
    check_third_party_replied,
    next_party,
    reopens,
    returned_to,
    supervises,
)
from shared.auth import Principal, require_roles
from shared.codes import Channel, Role
from shared.dates import local_date, today
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.events import (
    CaseAccepted,
    CaseAssigned,
    CaseClosed,
    CaseRated,
    CaseReopened,
    CaseReplied,
    CaseReturned,
    CaseSupervised,
    CaseSupervisionAcknowledged,
    DeadlineExtended,
    Envelope,
    EventPayload,
    SubmissionReceived,
    SupplementRequested,
    ThirdPartyConsulted,
    ThirdPartyReplied,
)
from shared.notices import NoticeKind
from shared.runtime import ServiceRuntime
from shared.uow import Delivered, performed

__all__ = [
    "ActionUseCase",
    "CaseAction",
    "accept",
    "acknowledge_supervision",
    "act",
    "close",
    "consult_third_party",
    "dispatch",
    "extend",
    "on_case_rated",
    "reply",
    "reply_to_cluster",
    "request_supplement",
    "reroute",
    "return_case",
    "third_party_replied",
]

B = TypeVar("B")


@dataclass(frozen=True, slots=True)
class CaseAction(Generic[B]):
    """A member of staff's action on a case (办理): which case, who, what they sent, and on which day."""

    case_id: UUID
    by: Principal
    body: B
    on: date = field(default_factory=today)


ActionUseCase = Callable[[CaseAction[Any], RoutingUnitOfWork], Awaitable[Sequence[EventPayload]]]


def _file(task: Task) -> CaseFile:
    return CaseFile(
        channel=task.channel,
        state=CaseState(task.state),
        department=task.department_id,
        extended=task.extended,
        supplement_requested=task.supplement_requested,
        returned_by=tuple(task.returned_by),
        reopened=task.reopened,
        supplement_due=task.supplement_due,
        supplement_lapsed=task.supplement_lapsed,
        third_parties=tuple(task.third_parties.items()),
    )


@contextmanager
def _as_http_error() -> Iterator[None]:
    """A refusal of the state machine, as the error the HTTP edge maps to 409, 422 or 403."""
    try:
        yield
    except ActionRefused as refusal:
        raise as_error(refusal) from refusal


async def _claim(
    uow: RoutingUnitOfWork, task: Task, to: CaseState, *, doing: str = "working on it", **values: Any
) -> None:
    """Compare-and-set: the task moves only if nobody moved it since it was read."""
    if not await uow.tasks.move(task, state=to.value, **values):
        raise Conflict(f"the case changed while you were {doing}; reload it")


async def _own(action: CaseAction[Any], uow: RoutingUnitOfWork) -> Task:
    return await own_task(uow.tasks, uow.office, action.case_id, action.by, for_change=True)


async def accept(action: CaseAction[None], uow: RoutingUnitOfWork) -> list[EventPayload]:
    """签收: the department takes the case on."""
    task = await _own(action, uow)
    check_accept(_file(task))
    await _claim(uow, task, CaseState.ACCEPTED)
    return [CaseAccepted(case_id=action.case_id, department_id=task.department_id, by=actor_of(action.by))]


async def return_case(action: CaseAction[ReturnCreate], uow: RoutingUnitOfWork) -> list[EventPayload]:
    """退回: not this department's business; routing assigns the next matching department, or triage."""
    policy = uow.policy
    task = await _own(action, uow)
    calendar = await uow.calendar.current()
    deadline = calendar.add_working_days(task.assigned_on, policy.return_window_days).due_date
    check_return(
        _file(task), triage_department=policy.triage_department, today=action.on, return_deadline=deadline
    )
    returned_by = (*task.returned_by, task.department_id)
    if returned_to(returned_by, max_returns=policy.max_returns) == "triage":
        department_id, rule_id = policy.triage_department, None
        reason = f"returned {len(returned_by)} times: waiting in triage for an admin to dispatch"
    else:
        submission = SubmissionReceived.model_validate(task.submission)
        choice = assign(
            facts_of(submission),
            await uow.office.rules(),
            triage_department=policy.triage_department,
            excluded=returned_by,
        )
        department_id, rule_id, reason = choice.department, choice.rule_id, choice.reason
    department_name = await uow.office.department_name(department_id)
    if department_name is None:
        raise NotFound(f"no department {department_id}")
    await _claim(uow, task, CaseState.ASSIGNED)
    return [
        CaseReturned(
            case_id=action.case_id,
            department_id=task.department_id,
            reason=action.body.reason,
            by=actor_of(action.by),
        ),
        CaseAssigned(
            case_id=action.case_id,
            channel=Channel(task.channel),
            department_id=department_id,
            department_name=department_name,
            rule_id=rule_id,
            reason=reason,
            assigned_on=action.on,
        ),
    ]


async def request_supplement(
    action: CaseAction[SupplementRequestCreate], uow: RoutingUnitOfWork
) -> list[EventPayload]:
    """补正告知: once, within 7 working days of receipt; the applicant has the working days given."""
    task = await _own(action, uow)
    body = action.body
    calendar = await uow.calendar.current()
    window_end = calendar.add_working_days(task.receipt_date, uow.policy.supplement_window_days).due_date
    check_request_supplement(
        _file(task), today=action.on, window_end=window_end, working_days=body.working_days
    )
    due = calendar.add_working_days(action.on, body.working_days).due_date
    await _claim(uow, task, CaseState.SUPPLEMENT_REQUESTED)
    by = actor_of(action.by)
    return [
        SupplementRequested(
            case_id=action.case_id,
            items=body.items,
            due_date=due,
            requested_on=action.on,
            working_days=body.working_days,
            by=by,
        ),
        await issue_notice(
            uow.notices,
            uow.policy.issuer,
            task,
            NoticeKind.SUPPLEMENT,
            on=action.on,
            by=by,
            items=body.items,
            working_days=body.working_days,
            due_date=due,
        ),
    ]


async def consult_third_party(
    action: CaseAction[ThirdPartyConsultationCreate], uow: RoutingUnitOfWork
) -> list[EventPayload]:
    """征求第三方意见 (OGI Art. 32): the reply clock pauses while any third party consulted has its 15
    days; several may be consulted at once, each numbered on the case."""
    task = await _own(action, uow)
    case = _file(task)
    check_consult_third_party(case)
    await _claim(uow, task, CaseState.THIRD_PARTY_CONSULTED)
    return [
        ThirdPartyConsulted(
            case_id=action.case_id,
            party=action.body.party,
            consulted_on=action.on,
            party_id=next_party(case),
            by=actor_of(action.by),
        )
    ]


async def third_party_replied(
    action: CaseAction[ThirdPartyReplyCreate], uow: RoutingUnitOfWork
) -> list[EventPayload]:
    """第三方答复: the party that answered; the case goes on once no other party is waited for."""
    task = await _own(action, uow)
    case = _file(task)
    party = check_third_party_replied(case, action.body.party_id)
    still_waiting = [waiting for waiting in case.waiting_parties if waiting != party]
    await _claim(uow, task, CaseState.THIRD_PARTY_CONSULTED if still_waiting else CaseState.ACCEPTED)
    return [
        ThirdPartyReplied(
            case_id=action.case_id, replied_on=action.on, party_id=party, by=actor_of(action.by)
        )
    ]


async def extend(action: CaseAction[ExtensionCreate], uow: RoutingUnitOfWork) -> list[EventPayload]:
    """延期: a disclosure request with the disclosure office head's approval; a letter by its department head."""
    principal = action.by
    await require_active(uow.office, principal)
    task = await uow.tasks.task(action.case_id, for_change=True)
    if task is None:
        raise NotFound(f"no case {action.case_id}")
    is_disclosure_head = Role.DISCLOSURE_HEAD in principal.roles
    is_department_head = (
        Role.DEPARTMENT_HEAD in principal.roles and principal.department == task.department_id
    )
    if not (is_disclosure_head or principal.department == task.department_id):
        raise Forbidden("this case belongs to another department")
    check_extend(
        _file(task),
        working_days=action.body.working_days,
        is_disclosure_head=is_disclosure_head,
        is_department_head=is_department_head,
        rules=uow.policy.extension,
    )
    await _claim(uow, task, CaseState(task.state), extended=True)
    extended: list[EventPayload] = [
        DeadlineExtended(
            case_id=action.case_id,
            working_days=action.body.working_days,
            reason=action.body.reason,
            by=actor_of(principal),
        )
    ]
    if task.channel == Channel.DISCLOSURE_REQUEST:
        # the new date, when the reply clock runs and tracking has said its date; while it stands
        # still (a supplement, a third party) the notice gives the days only — the date is not yet known
        calendar = await uow.calendar.current()
        running = task.state in (CaseState.ASSIGNED, CaseState.ACCEPTED)
        new_due = (
            calendar.add_working_days(task.due_date, action.body.working_days).due_date
            if running and task.due_date is not None
            else None
        )
        extended.append(
            await issue_notice(
                uow.notices,
                uow.policy.issuer,
                task,
                NoticeKind.EXTENSION,
                on=action.on,
                by=actor_of(principal),
                working_days=action.body.working_days,
                reason=action.body.reason,
                due_date=new_due,
            )
        )
    return extended


async def reply(action: CaseAction[ReplyCreate], uow: RoutingUnitOfWork) -> list[EventPayload]:
    """答复: the department's answer; publishing reviews it before the public sees it."""
    task = await _own(action, uow)
    body = action.body
    draft = ReplyDraft(
        channel=task.channel,
        text=body.text,
        outcome=body.outcome.value if body.outcome else None,
        adoption=body.adoption.value if body.adoption else None,
        reason=body.reason,
    )
    check_reply(
        task.state, draft, supplement_due=task.supplement_due, supplement_lapsed=task.supplement_lapsed
    )
    department_name = await uow.office.department_name(task.department_id)
    # Compare-and-set: of two replies racing, exactly one finds the case still open.
    await _claim(uow, task, CaseState.REPLIED, doing="replying")
    return [
        CaseReplied(
            case_id=action.case_id,
            channel=Channel(task.channel),
            department_id=task.department_id,
            department_name=department_name or task.department_id,
            text=body.text,
            replied_on=action.on,
            outcome=body.outcome,
            adoption=body.adoption,
            reason=body.reason,
            by=actor_of(action.by),
        ),
        *(
            [
                await issue_notice(
                    uow.notices,
                    uow.policy.issuer,
                    task,
                    NoticeKind.REPLY,
                    on=action.on,
                    by=actor_of(action.by),
                    outcome=body.outcome,
                    text=body.text,
                    reason=body.reason,
                )
            ]
            if body.outcome is not None and task.channel == Channel.DISCLOSURE_REQUEST
            else []
        ),
    ]


async def close(action: CaseAction[None], uow: RoutingUnitOfWork) -> list[EventPayload]:
    """办结."""
    task = await _own(action, uow)
    check_close(_file(task))
    await _claim(uow, task, CaseState.CLOSED)
    return [CaseClosed(case_id=action.case_id, closed_on=action.on, by=actor_of(action.by))]


async def dispatch(action: CaseAction[DispatchCreate], uow: RoutingUnitOfWork) -> list[EventPayload]:
    """An admin sends a case waiting in triage to the department that must handle it (人工分办)."""
    require_roles(action.by, Role.ADMIN)
    triage = uow.policy.triage_department
    task = await uow.tasks.task(action.case_id, for_change=True)
    if task is None:
        raise NotFound(f"no case {action.case_id}")
    if task.department_id != triage or task.state != CaseState.ASSIGNED:
        raise Conflict("only a case waiting in triage is dispatched by hand")
    department_id = action.body.department_id
    department_name = await uow.office.department_name(department_id)
    if department_name is None:
        raise InvalidInput("department_id", f"no department {department_id!r}")
    if department_id == triage:
        raise InvalidInput("department_id", "dispatch to a department, not back to triage")
    # Compare-and-set: of two admins dispatching at once, one finds the case still in triage.
    if not await uow.tasks.move(task, department_id=department_id):
        raise Conflict("the case was dispatched meanwhile")
    note = action.body.note
    return [
        CaseAssigned(
            case_id=action.case_id,
            channel=Channel(task.channel),
            department_id=department_id,
            department_name=department_name,
            rule_id=None,
            reason="人工分办" + (f"：{note}" if note else ""),
            assigned_on=action.on,
            by=actor_of(action.by),
        )
    ]


async def reroute(action: CaseAction[RerouteCreate], uow: RoutingUnitOfWork) -> list[EventPayload]:
    """改派: an admin gives a case sent back for re-handling (发回重办), not replied again, to another
    department; it is assigned there afresh, and its re-handling starts again that day."""
    require_roles(action.by, Role.ADMIN)
    task = await uow.tasks.task(action.case_id, for_change=True)
    if task is None:
        raise NotFound(f"no case {action.case_id}")
    department_id = action.body.department_id
    check_reroute(_file(task), department_id, triage_department=uow.policy.triage_department)
    department_name = await uow.office.department_name(department_id)
    if department_name is None:
        raise InvalidInput("department_id", f"no department {department_id!r}")
    # Compare-and-set: of two admins re-routing at once, one finds the case where it was.
    await _claim(uow, task, CaseState(task.state), doing="re-routing it", department_id=department_id)
    note = action.body.note
    return [
        CaseAssigned(
            case_id=action.case_id,
            channel=Channel(task.channel),
            department_id=department_id,
            department_name=department_name,
            rule_id=None,
            reason="发回重办改派" + (f"：{note}" if note else ""),
            assigned_on=action.on,
            by=actor_of(action.by),
            rerouted=True,
        )
    ]


async def acknowledge_supervision(action: CaseAction[None], uow: RoutingUnitOfWork) -> list[EventPayload]:
    """The head of the case's department reads the notice of its supervision (督办通知已阅)."""
    principal = action.by
    require_roles(principal, Role.DEPARTMENT_HEAD)
    task = await _own(action, uow)
    if not task.supervised:
        raise Conflict("the case is not under supervision (督办)")
    if task.supervision_read_by is not None:
        raise Conflict(f"the supervision notice was read already, by {task.supervision_read_by}")
    return [
        CaseSupervisionAcknowledged(
            case_id=action.case_id,
            department_id=task.department_id,
            unsatisfied=task.supervised,
            acknowledged_on=action.on,
            by=actor_of(principal),
        )
    ]


# --- the HTTP edge -------------------------------------------------------------------------------


async def act(
    runtime: ServiceRuntime, office: Office, use_case: ActionUseCase, action: CaseAction[Any]
) -> ActionResult:
    """An action in one transaction (`shared.uow.performed`): the use case decides on the unit of
    work, its events go to the outbox and into the task (the projection), and the answer shows the
    task's state after them; a refusal of the state machine is the error the HTTP edge maps to 409,
    422 or 403."""

    async def unit_of_work(session: AsyncSession) -> RoutingUnitOfWork:
        return await routing_unit_of_work(session, office)

    async def answer(uow: RoutingUnitOfWork, envelopes: list[Envelope]) -> ActionResult:
        task = await uow.tasks.task(action.case_id)
        assert task is not None, "an action's case has a task"
        return ActionResult(case_id=str(action.case_id), state=task.state, event_id=str(envelopes[0].id))

    with _as_http_error():
        return await performed(runtime, unit_of_work, use_case, action, answer)


async def reply_to_cluster(
    runtime: ServiceRuntime, office: Office, cluster_id: str, body: ReplyCreate, principal: Principal
) -> ClusterReplyResult:
    """One reply to every open case of a cluster in the caller's department; each case gets its own
    ``case.replied`` (a transaction each) and keeps its own clock. Cases elsewhere, or not open, are
    left and reported."""
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
            await act(runtime, office, reply, CaseAction(UUID(task.case_id), principal, body))
        except (Conflict, InvalidInput) as refusal:
            skipped[task.case_id] = refusal.message
        else:
            replied.append(task.case_id)
    return ClusterReplyResult(cluster_id=cluster_id, replied=replied, skipped=skipped)


# --- reactions ---------------------------------------------------------------------------------


async def on_case_rated(event: Delivered[CaseRated], uow: RoutingUnitOfWork) -> list[EventPayload]:
    """An unsatisfied rating sends the case back to its department for re-handling (发回重办); from the
    second, it goes to supervision (督办) too, with a notice to its department's head."""
    payload = event.payload
    task = await uow.tasks.task(payload.case_id)
    if task is None or not reopens(_file(task), payload.rating.value):
        return []
    reason = "市民对答复不满意" + (f"：{payload.comment}" if payload.comment else "")
    events: list[EventPayload] = [CaseReopened(case_id=payload.case_id, reason=reason)]
    unsatisfied = task.reopened + 1
    if supervises(unsatisfied, from_unsatisfied=uow.policy.supervise_from_unsatisfied):
        events.append(
            CaseSupervised(
                case_id=payload.case_id,
                department_id=task.department_id,
                department_name=await uow.office.department_name(task.department_id) or task.department_id,
                unsatisfied=unsatisfied,
                reason=f"市民第{unsatisfied}次对答复不满意",
                supervised_on=local_date(event.envelope.time),
            )
        )
    return events
