"""Tracking's use cases: start and stop clocks from case events; show a case's deadlines."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.tracking.clocks import (
    ClockRules,
    ClockStart,
    ReplyClock,
    alarm_due,
    clocks_on_assignment,
    clocks_on_submission,
    cn_date,
    compute,
    describe_due_date,
    paused_working_days,
    reply_due,
)
from services.tracking.db import AlarmSent, CaseChannel, Clock, ClockLedgerEntry
from services.tracking.schemas import CaseDeadlines, ClockPublic, LedgerEntryPublic
from shared.auth import Principal
from shared.codes import Channel, ClockKind, ClockState, Role
from shared.dates import today
from shared.db import insert_ignoring_duplicates
from shared.errors import Forbidden, NotFound
from shared.events import (
    CaseAssigned,
    CaseClosed,
    CaseReplied,
    DeadlineBreached,
    DeadlineExtended,
    DeadlineSet,
    DeadlineWarning,
    Envelope,
    EventPayload,
    SubmissionReceived,
    SupplementReceived,
    SupplementRequested,
    ThirdPartyConsulted,
    ThirdPartyReplied,
)
from shared.http import require_roles
from shared.runtime import ServiceRuntime
from shared.workdays import WorkingCalendar

log = logging.getLogger(__name__)

ALARM_TABLE = AlarmSent.__table__  # type: ignore[attr-defined]


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
        if (kinds is None or clock.kind in kinds) and clock.state in (
            ClockState.RUNNING,
            ClockState.PAUSED,
            ClockState.BREACHED,
        ):
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


# --- what moves the reply clock -----------------------------------------------------------------


async def _reply_clock(session: AsyncSession, case_id: UUID) -> Clock | None:
    return (
        await session.exec(
            select(Clock).where(Clock.case_id == str(case_id), col(Clock.kind).in_([ClockKind.REPLY.value]))
        )
    ).first()


def _ledger(
    clock: Clock, envelope: Envelope, old: date | None, new: date | None, note: str
) -> ClockLedgerEntry:
    assert clock.id is not None
    return ClockLedgerEntry(
        clock_id=clock.id,
        cause=envelope.type,
        event_id=str(envelope.id),
        old_due_date=old,
        new_due_date=new,
        note=note,
        at=datetime.now(UTC),
    )


def _recompute(
    session: AsyncSession, envelope: Envelope, clock: Clock, calendar: WorkingCalendar, note: str
) -> list[EventPayload]:
    """Count the reply deadline again; record and announce it (the old date and why it moved)."""
    due = reply_due(
        calendar,
        ReplyClock(
            start=clock.start_date,
            working_days=clock.working_days,
            counted_from=clock.counted_from,
            extension_days=clock.extension_days,
            paused_days=clock.paused_days,
        ),
    )
    old = clock.due_date
    clock.due_date, clock.provisional = due.due_date, due.provisional
    session.add(clock)
    full_note = f"{note}，答复期限{cn_date(due.due_date)}" + ("（暂定）" if due.provisional else "")
    session.add(_ledger(clock, envelope, old, due.due_date, full_note))
    return [
        DeadlineSet(
            case_id=UUID(clock.case_id),
            clock=ClockKind.REPLY,
            due_date=due.due_date,
            provisional=due.provisional,
            old_due_date=old,
            cause=envelope.type,
            note=full_note,
        )
    ]


async def on_deadline_extended(
    session: AsyncSession, envelope: Envelope, payload: DeadlineExtended, *, calendar: WorkingCalendar
) -> list[EventPayload]:
    clock = await _reply_clock(session, payload.case_id)
    if clock is None or clock.state == ClockState.STOPPED:
        return []
    clock.extension_days += payload.working_days
    return _recompute(
        session, envelope, clock, calendar, f"经批准延期{payload.working_days}个工作日（{payload.reason}）"
    )


async def on_supplement_requested(
    session: AsyncSession, envelope: Envelope, payload: SupplementRequested
) -> list[EventPayload]:
    """Waiting for the applicant's supplement: the reply clock stands still until it arrives."""
    clock = await _reply_clock(session, payload.case_id)
    if clock is None or clock.state != ClockState.RUNNING:
        return []
    clock.state = ClockState.PAUSED.value
    session.add(clock)
    note = f"{cn_date(payload.requested_on)}告知补正，待申请人于{cn_date(payload.due_date)}前补正，答复期限自收到补正之日起重新计算"
    session.add(_ledger(clock, envelope, clock.due_date, clock.due_date, note))
    return []


async def on_supplement_received(
    session: AsyncSession, envelope: Envelope, payload: SupplementReceived, *, calendar: WorkingCalendar
) -> list[EventPayload]:
    """The reply period starts again on the day the supplement arrives (OGI Art. 30)."""
    clock = await _reply_clock(session, payload.case_id)
    if clock is None or clock.state == ClockState.STOPPED:
        return []
    clock.state = ClockState.RUNNING.value
    clock.start_date, clock.counted_from, clock.paused_days = payload.receipt_date, "收到补正材料", 0
    day = payload.receipt_date
    return _recompute(
        session,
        envelope,
        clock,
        calendar,
        f"补正材料于{day.month}月{day.day}日收到，重新计算{clock.working_days}个工作日",
    )


async def on_third_party_consulted(
    session: AsyncSession,
    envelope: Envelope,
    payload: ThirdPartyConsulted,
    *,
    calendar: WorkingCalendar,
    rules: ClockRules,
) -> list[EventPayload]:
    """Waiting for a third party is not counted; the third party has its own 15 working days."""
    clock = await _reply_clock(session, payload.case_id)
    emitted: list[EventPayload] = []
    if clock is not None and clock.state == ClockState.RUNNING:
        clock.state, clock.paused_on = ClockState.PAUSED.value, payload.consulted_on
        session.add(clock)
        note = f"{cn_date(payload.consulted_on)}起征求第三方意见，期间不计入答复期限"
        session.add(_ledger(clock, envelope, clock.due_date, clock.due_date, note))
    if await session.get(CaseChannel, str(payload.case_id)) is not None:
        existing = (
            await session.exec(
                select(Clock).where(
                    Clock.case_id == str(payload.case_id), Clock.kind == ClockKind.THIRD_PARTY.value
                )
            )
        ).first()
        if existing is None:
            start = ClockStart(
                ClockKind.THIRD_PARTY, payload.consulted_on, rules.third_party_days, "征求第三方意见"
            )
            emitted += await _start_clocks(
                session, envelope, payload.case_id, Channel.DISCLOSURE_REQUEST, [start], calendar
            )
    return emitted


async def on_third_party_replied(
    session: AsyncSession, envelope: Envelope, payload: ThirdPartyReplied, *, calendar: WorkingCalendar
) -> list[EventPayload]:
    await _stop(session, envelope, payload.case_id, {ClockKind.THIRD_PARTY.value}, "第三方已答复，计时停止")
    clock = await _reply_clock(session, payload.case_id)
    if clock is None or clock.state != ClockState.PAUSED or clock.paused_on is None:
        return []
    paused = paused_working_days(calendar, clock.paused_on, payload.replied_on)
    clock.paused_days += paused
    clock.state, clock.paused_on = ClockState.RUNNING.value, None
    return _recompute(session, envelope, clock, calendar, f"征求第三方意见用时{paused}个工作日不计入，顺延")


# --- cards ----------------------------------------------------------------------------------------

ALARM_HORIZON_DAYS = 14
"""Only clocks due within this many calendar days (or overdue) are read: an indexed range query."""


async def raise_alarms(runtime: ServiceRuntime, calendar: WorkingCalendar, *, on: date) -> int:
    """Send each yellow and red card that is due on ``on``, exactly once per clock and due date."""
    sent = 0
    async with runtime.unit_of_work() as session:
        due_soon = (
            await session.exec(
                select(Clock).where(
                    col(Clock.state).in_([ClockState.RUNNING.value, ClockState.BREACHED.value]),
                    col(Clock.due_date) <= on + timedelta(days=ALARM_HORIZON_DAYS),
                )
            )
        ).all()
        for clock in due_soon:
            kind = alarm_due(calendar, clock.due_date, on)
            if kind is None or (kind == "warning" and clock.state == ClockState.BREACHED):
                continue
            assert clock.id is not None
            first_time = await insert_ignoring_duplicates(
                session,
                ALARM_TABLE,
                {
                    "clock_id": clock.id,
                    "kind": kind,
                    "due_date": clock.due_date,
                    "sent_at": datetime.now(UTC),
                },
            )
            if not first_time:
                continue
            card: EventPayload
            if kind == "breached":
                clock.state = ClockState.BREACHED.value
                session.add(clock)
                card = DeadlineBreached(
                    case_id=UUID(clock.case_id), clock=ClockKind(clock.kind), due_date=clock.due_date
                )
            else:
                card = DeadlineWarning(
                    case_id=UUID(clock.case_id), clock=ClockKind(clock.kind), due_date=clock.due_date
                )
            runtime.emit(session, [card])
            sent += 1
    return sent


async def watch_deadlines(runtime: ServiceRuntime, calendar: WorkingCalendar, every_seconds: float) -> None:
    """The periodic due check (督办提醒), until cancelled."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            await raise_alarms(runtime, calendar, on=today())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the due check failed; trying again at the next interval")
