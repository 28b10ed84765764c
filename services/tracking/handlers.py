"""Tracking's use cases: start and stop clocks from case events; show a case's deadlines."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.tracking.clocks import (
    ClockRules,
    ClockStart,
    clocks_on_assignment,
    clocks_on_submission,
    compute,
    describe_due_date,
)
from services.tracking.db import CaseChannel, Clock, ClockLedgerEntry
from services.tracking.schemas import CaseDeadlines, ClockPublic, LedgerEntryPublic
from shared.auth import Principal
from shared.codes import Channel, ClockKind, ClockState, Role
from shared.errors import Forbidden, NotFound
from shared.events import (
    CaseAssigned,
    CaseClosed,
    CaseReplied,
    DeadlineSet,
    Envelope,
    EventPayload,
    SubmissionReceived,
)
from shared.http import require_roles
from shared.runtime import ServiceRuntime
from shared.workdays import WorkingCalendar


async def _start_clocks(
    session: AsyncSession,
    envelope: Envelope,
    case_id: UUID,
    channel: Channel,
    starts: list[ClockStart],
    calendar: WorkingCalendar,
) -> list[EventPayload]:
    emitted: list[EventPayload] = []
    for start in starts:
        due = compute(calendar, start)
        note = describe_due_date(start, due)
        clock = Clock(
            case_id=str(case_id),
            kind=start.kind.value,
            channel=channel.value,
            start_date=start.start,
            working_days=start.working_days,
            counted_from=start.counted_from,
            due_date=due.due_date,
            provisional=due.provisional,
            state=ClockState.RUNNING.value,
        )
        session.add(clock)
        await session.flush()
        assert clock.id is not None
        session.add(
            ClockLedgerEntry(
                clock_id=clock.id,
                cause=envelope.type,
                event_id=str(envelope.id),
                new_due_date=due.due_date,
                note=note,
                at=datetime.now(UTC),
            )
        )
        emitted.append(
            DeadlineSet(
                case_id=case_id,
                clock=start.kind,
                due_date=due.due_date,
                provisional=due.provisional,
                cause=envelope.type,
                note=note,
            )
        )
    return emitted


async def on_submission_received(
    session: AsyncSession,
    envelope: Envelope,
    payload: SubmissionReceived,
    *,
    calendar: WorkingCalendar,
    rules: ClockRules,
) -> list[EventPayload]:
    if await session.get(CaseChannel, str(payload.case_id)) is None:
        session.add(CaseChannel(case_id=str(payload.case_id), channel=payload.channel.value))
    closes_on = payload.comment.consultation_closes_on if payload.comment else None
    starts = clocks_on_submission(payload.channel, payload.receipt_date, closes_on, rules)
    return await _start_clocks(session, envelope, payload.case_id, payload.channel, starts, calendar)


async def on_case_assigned(
    session: AsyncSession,
    envelope: Envelope,
    payload: CaseAssigned,
    *,
    calendar: WorkingCalendar,
    rules: ClockRules,
) -> list[EventPayload]:
    case = await session.get(CaseChannel, str(payload.case_id)) or CaseChannel(
        case_id=str(payload.case_id), channel=payload.channel.value
    )
    case.department_id = payload.department_id
    session.add(case)
    existing = (await session.exec(select(Clock.kind).where(Clock.case_id == str(payload.case_id)))).all()
    running = frozenset(ClockKind(kind) for kind in existing)
    starts = clocks_on_assignment(payload.channel, payload.assigned_on, running, rules)
    return await _start_clocks(session, envelope, payload.case_id, payload.channel, starts, calendar)


async def _stop(
    session: AsyncSession, envelope: Envelope, case_id: UUID, kinds: set[str] | None, note: str
) -> None:
    clocks = (await session.exec(select(Clock).where(Clock.case_id == str(case_id)))).all()
    for clock in clocks:
        if (kinds is None or clock.kind in kinds) and clock.state in (ClockState.RUNNING, ClockState.PAUSED):
            clock.state = ClockState.STOPPED.value
            session.add(clock)
            assert clock.id is not None
            session.add(
                ClockLedgerEntry(
                    clock_id=clock.id,
                    cause=envelope.type,
                    event_id=str(envelope.id),
                    old_due_date=clock.due_date,
                    new_due_date=None,
                    note=note,
                    at=datetime.now(UTC),
                )
            )


async def on_case_replied(
    session: AsyncSession, envelope: Envelope, payload: CaseReplied
) -> list[EventPayload]:
    await _stop(
        session,
        envelope,
        payload.case_id,
        {ClockKind.REPLY.value, ClockKind.ADOPTION_REPORT.value},
        f"{payload.replied_on.month}月{payload.replied_on.day}日已答复，计时停止",
    )
    return []


async def on_case_closed(
    session: AsyncSession, envelope: Envelope, payload: CaseClosed
) -> list[EventPayload]:
    await _stop(session, envelope, payload.case_id, None, "已办结，计时停止")
    return []


SUPERVISING_ROLES = (Role.ADMIN, Role.DISCLOSURE_HEAD)
HANDLING_ROLES = (Role.HANDLER, Role.DEPARTMENT_HEAD)


async def case_deadlines(runtime: ServiceRuntime, case_id: UUID, principal: Principal) -> CaseDeadlines:
    """Supervisors see every case's clocks; handlers and department heads their department's only."""
    require_roles(principal, *SUPERVISING_ROLES, *HANDLING_ROLES)
    async with runtime.database.session() as session:
        case = await session.get(CaseChannel, str(case_id))
        if case is None:
            raise NotFound(f"no clocks for case {case_id}")
        if not principal.has_any(SUPERVISING_ROLES) and case.department_id != principal.department:
            raise Forbidden("this case belongs to another department")
        clocks = (
            await session.exec(select(Clock).where(Clock.case_id == str(case_id)).order_by(col(Clock.id)))
        ).all()
        if not clocks:
            raise NotFound(f"no clocks for case {case_id}")
        ledger = (
            await session.exec(
                select(ClockLedgerEntry)
                .where(col(ClockLedgerEntry.clock_id).in_([c.id for c in clocks]))
                .order_by(col(ClockLedgerEntry.id))
            )
        ).all()
    return CaseDeadlines(
        case_id=str(case_id),
        clocks=[
            ClockPublic(
                kind=ClockKind(clock.kind),
                due_date=clock.due_date,
                provisional=clock.provisional,
                state=ClockState(clock.state),
                ledger=[
                    LedgerEntryPublic(
                        cause=entry.cause,
                        old_due_date=entry.old_due_date,
                        new_due_date=entry.new_due_date,
                        note=entry.note,
                    )
                    for entry in ledger
                    if entry.clock_id == clock.id
                ],
            )
            for clock in clocks
        ],
    )
