"""Tracking's use cases: start and stop clocks from case events; show a case's deadlines."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Table, and_, bindparam, func, insert, update
from sqlalchemy import case as when
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from services.tracking.clocks import (
    CLOCK_NAMES,
    WINDOWS,
    ClockRules,
    ClockStart,
    CountedClock,
    ReplyClock,
    alarm_due,
    clock_on_consultation_closed,
    clocks_on_assignment,
    clocks_on_submission,
    cn_date,
    cn_md,
    compute,
    describe_due_date,
    paused_working_days,
    recount,
    reply_due,
)
from services.tracking.db import AlarmSent, CaseChannel, Clock, ClockLedgerEntry
from services.tracking.schemas import (
    CalendarYearPublic,
    CalendarYearUpdate,
    CaseDeadlines,
    ClockPublic,
    LedgerEntryPublic,
    StatsQuery,
    StatsRow,
    SupervisionStats,
)
from shared.auth import Principal
from shared.calendar_store import CalendarYear, LiveCalendar, store_year
from shared.codes import Channel, ClockKind, ClockState, Role
from shared.dates import local_date, today
from shared.db import insert_ignoring_duplicates
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.events import (
    AdoptionReportPublished,
    CalendarUpdated,
    CaseAccepted,
    CaseAssigned,
    CaseClosed,
    CaseReopened,
    CaseReplied,
    CaseReturned,
    ConsultationClosed,
    DeadlineBreached,
    DeadlineExtended,
    DeadlineLapsed,
    DeadlineSet,
    DeadlineWarning,
    Envelope,
    EventPayload,
    SubmissionReceived,
    SubmissionRefused,
    SupplementReceived,
    SupplementRequested,
    ThirdPartyConsulted,
    ThirdPartyReplied,
)
from shared.failures import safe_traceback
from shared.http import require_roles
from shared.runtime import ServiceRuntime
from shared.workdays import Calendar, provisional_year

log = logging.getLogger(__name__)

ALARM_TABLE: Table = AlarmSent.__table__  # type: ignore[attr-defined]
CLOCK_TABLE: Table = Clock.__table__  # type: ignore[attr-defined]
LEDGER_TABLE: Table = ClockLedgerEntry.__table__  # type: ignore[attr-defined]
CASE_TABLE: Table = CaseChannel.__table__  # type: ignore[attr-defined]


OPEN_STATES = (ClockState.RUNNING.value, ClockState.PAUSED.value, ClockState.BREACHED.value)


async def _clock(session: AsyncSession, case_id: UUID | str, kind: ClockKind) -> Clock | None:
    return (
        await session.exec(
            select(Clock).where(Clock.case_id == str(case_id), Clock.kind == kind.value).with_for_update()
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
        at=envelope.time,
    )


async def _start_clocks(
    session: AsyncSession,
    envelope: Envelope,
    case_id: UUID,
    channel: Channel,
    starts: list[ClockStart],
    calendar: Calendar,
) -> list[EventPayload]:
    """Start each clock, or start it again from the new date if the case has one of that kind."""
    emitted: list[EventPayload] = []
    for start in starts:
        due = compute(calendar, start)
        note = describe_due_date(start, due)
        clock = await _clock(session, case_id, start.kind)
        if (
            clock is not None
            and clock.state in OPEN_STATES
            and (clock.start_date, clock.working_days, clock.due_date)
            == (start.start, start.working_days, due.due_date)
        ):
            continue  # started again from the same day: nothing changes
        old = clock.due_date if clock is not None and clock.state != ClockState.STOPPED else None
        if clock is None:
            clock = Clock(case_id=str(case_id), kind=start.kind.value, channel=channel.value)  # type: ignore[call-arg]
        clock.start_date, clock.working_days, clock.counted_from = (
            start.start,
            start.working_days,
            start.counted_from,
        )
        clock.due_date, clock.provisional, clock.state = (
            due.due_date,
            due.provisional,
            ClockState.RUNNING.value,
        )
        clock.extension_days, clock.paused_days, clock.paused_on = 0, 0, None
        clock.stopped_on, clock.days_used, clock.on_time = None, None, None
        session.add(clock)
        await session.flush()
        session.add(_ledger(clock, envelope, old, due.due_date, note))
        emitted.append(
            DeadlineSet(
                case_id=case_id,
                clock=start.kind,
                due_date=due.due_date,
                provisional=due.provisional,
                old_due_date=old,
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
    calendar: Calendar,
    rules: ClockRules,
) -> list[EventPayload]:
    if await session.get(CaseChannel, str(payload.case_id)) is None:
        session.add(
            CaseChannel(
                case_id=str(payload.case_id),
                channel=payload.channel.value,
                consultation_id=str(payload.comment.consultation_id) if payload.comment else None,
            )
        )
    closes_on = payload.comment.consultation_closes_on if payload.comment else None
    starts = clocks_on_submission(payload.channel, payload.receipt_date, closes_on, rules)
    return await _start_clocks(session, envelope, payload.case_id, payload.channel, starts, calendar)


async def on_case_assigned(
    session: AsyncSession,
    envelope: Envelope,
    payload: CaseAssigned,
    *,
    calendar: Calendar,
    rules: ClockRules,
) -> list[EventPayload]:
    case = await session.get(CaseChannel, str(payload.case_id)) or CaseChannel(
        case_id=str(payload.case_id), channel=payload.channel.value
    )
    case.department_id, case.department_name = payload.department_id, payload.department_name
    session.add(case)
    existing = (await session.exec(select(Clock.kind).where(Clock.case_id == str(payload.case_id)))).all()
    running = frozenset(ClockKind(kind) for kind in existing)
    starts = clocks_on_assignment(payload.channel, payload.assigned_on, running, rules)
    return await _start_clocks(session, envelope, payload.case_id, payload.channel, starts, calendar)


async def _stop(
    session: AsyncSession,
    envelope: Envelope,
    case_id: UUID | str,
    kinds: set[ClockKind] | None,
    note: str,
    *,
    on: date,
    calendar: Calendar | None = None,
) -> None:
    """Stop the case's open clocks of ``kinds`` (all when None) on ``on``; with a calendar, record how
    many working days the clock used and whether it stopped in time."""
    clocks = (await session.exec(select(Clock).where(Clock.case_id == str(case_id)).with_for_update())).all()
    for clock in clocks:
        if (kinds is None or ClockKind(clock.kind) in kinds) and clock.state in OPEN_STATES:
            clock.state, clock.stopped_on = ClockState.STOPPED.value, on
            if calendar is not None:
                clock.days_used = max(
                    0, calendar.working_days_between(clock.start_date, on) - clock.paused_days
                )
                clock.on_time = on <= clock.due_date
            session.add(clock)
            session.add(_ledger(clock, envelope, clock.due_date, None, note))


async def on_case_accepted(
    session: AsyncSession, envelope: Envelope, payload: CaseAccepted
) -> list[EventPayload]:
    day = local_date(envelope.time)
    await _stop(
        session, envelope, payload.case_id, {ClockKind.RETURN_WINDOW}, f"{cn_md(day)}已签收，不再退回", on=day
    )
    return []


async def on_case_returned(
    session: AsyncSession, envelope: Envelope, payload: CaseReturned
) -> list[EventPayload]:
    day = local_date(envelope.time)
    await _stop(session, envelope, payload.case_id, {ClockKind.RETURN_WINDOW}, f"{cn_md(day)}已退回", on=day)
    return []


async def on_case_replied(
    session: AsyncSession, envelope: Envelope, payload: CaseReplied, *, calendar: Calendar
) -> list[EventPayload]:
    """A reply stops every clock of the case; the reply clock keeps the working days it used."""
    day = payload.replied_on
    await _stop(
        session, envelope, payload.case_id, None, f"{cn_md(day)}已答复，计时停止", on=day, calendar=calendar
    )
    return []


async def on_case_reopened(
    session: AsyncSession,
    envelope: Envelope,
    payload: CaseReopened,
    *,
    calendar: Calendar,
    rules: ClockRules,
) -> list[EventPayload]:
    """Sent back for re-handling (发回重办): a mailbox letter's reply period starts again that day."""
    case = await session.get(CaseChannel, str(payload.case_id))
    if case is None or case.channel != Channel.MAILBOX.value:
        return []
    start = ClockStart(ClockKind.REPLY, local_date(envelope.time), rules.mailbox_reply_days, "发回重办")
    return await _start_clocks(session, envelope, payload.case_id, Channel.MAILBOX, [start], calendar)


async def on_case_closed(
    session: AsyncSession, envelope: Envelope, payload: CaseClosed
) -> list[EventPayload]:
    await _stop(session, envelope, payload.case_id, None, "已办结，计时停止", on=local_date(envelope.time))
    return []


async def on_submission_refused(
    session: AsyncSession, envelope: Envelope, payload: SubmissionRefused
) -> list[EventPayload]:
    """Intake took back what it had accepted: nothing is owed, no clock runs (none counts as replied)."""
    await _stop(session, envelope, payload.case_id, None, "不予受理，计时停止", on=payload.refused_on)
    return []


async def on_consultation_closed(
    session: AsyncSession,
    envelope: Envelope,
    payload: ConsultationClosed,
    *,
    calendar: Calendar,
    rules: ClockRules,
) -> list[EventPayload]:
    """The adoption report is due N working days after the close — for the consultation and for each
    of its comments (the close may differ from the date planned when the comment came in)."""
    if await session.get(CaseChannel, str(payload.consultation_id)) is None:
        session.add(
            CaseChannel(case_id=str(payload.consultation_id), channel=Channel.CONSULTATION_COMMENT.value)
        )
    start = clock_on_consultation_closed(payload.closed_on, rules)
    emitted = await _start_clocks(
        session, envelope, payload.consultation_id, Channel.CONSULTATION_COMMENT, [start], calendar
    )
    comments = (
        await session.exec(
            select(CaseChannel).where(CaseChannel.consultation_id == str(payload.consultation_id))
        )
    ).all()
    for comment in comments:
        clock = await _clock(session, comment.case_id, ClockKind.ADOPTION_REPORT)
        if clock is not None and clock.state in OPEN_STATES and clock.start_date != payload.closed_on:
            emitted += await _start_clocks(
                session, envelope, UUID(comment.case_id), Channel.CONSULTATION_COMMENT, [start], calendar
            )
    return emitted


async def on_adoption_report_published(
    session: AsyncSession, envelope: Envelope, payload: AdoptionReportPublished, *, calendar: Calendar
) -> list[EventPayload]:
    day = local_date(envelope.time)
    note = f"{cn_md(day)}采纳情况已公布，计时停止"
    await _stop(session, envelope, payload.consultation_id, None, note, on=day, calendar=calendar)
    comments = (
        await session.exec(
            select(CaseChannel.case_id).where(CaseChannel.consultation_id == str(payload.consultation_id))
        )
    ).all()
    for case_id in comments:
        await _stop(session, envelope, case_id, {ClockKind.ADOPTION_REPORT}, note, on=day, calendar=calendar)
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
    return await _clock(session, case_id, ClockKind.REPLY)


def _recompute(
    session: AsyncSession, envelope: Envelope, clock: Clock, calendar: Calendar, note: str
) -> list[EventPayload]:
    """Count the clock's due date again; record and announce it (the old date and why it moved)."""
    kind = ClockKind(clock.kind)
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
    full_note = f"{note}，{CLOCK_NAMES[kind]}{cn_date(due.due_date)}" + (
        "（暂定）" if due.provisional else ""
    )
    session.add(_ledger(clock, envelope, old, due.due_date, full_note))
    return [
        DeadlineSet(
            case_id=UUID(clock.case_id),
            clock=kind,
            due_date=due.due_date,
            provisional=due.provisional,
            old_due_date=old,
            cause=envelope.type,
            note=full_note,
        )
    ]


async def on_deadline_extended(
    session: AsyncSession, envelope: Envelope, payload: DeadlineExtended, *, calendar: Calendar
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
    day = payload.requested_on
    note = f"{cn_md(day)}已告知补正"
    await _stop(session, envelope, payload.case_id, {ClockKind.SUPPLEMENT_WINDOW}, note, on=day)
    clock = await _reply_clock(session, payload.case_id)
    if clock is None or clock.state != ClockState.RUNNING:
        return []
    clock.state = ClockState.PAUSED.value
    session.add(clock)
    note = f"{cn_date(payload.requested_on)}告知补正，待申请人于{cn_date(payload.due_date)}前补正，答复期限自收到补正之日起重新计算"
    session.add(_ledger(clock, envelope, clock.due_date, clock.due_date, note))
    return []


async def on_supplement_received(
    session: AsyncSession, envelope: Envelope, payload: SupplementReceived, *, calendar: Calendar
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
    calendar: Calendar,
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
        start = ClockStart(
            ClockKind.THIRD_PARTY, payload.consulted_on, rules.third_party_days, "征求第三方意见"
        )
        emitted += await _start_clocks(
            session, envelope, payload.case_id, Channel.DISCLOSURE_REQUEST, [start], calendar
        )
    return emitted


async def on_third_party_replied(
    session: AsyncSession, envelope: Envelope, payload: ThirdPartyReplied, *, calendar: Calendar
) -> list[EventPayload]:
    day = payload.replied_on
    note = f"{cn_md(day)}第三方已答复，计时停止"
    await _stop(session, envelope, payload.case_id, {ClockKind.THIRD_PARTY}, note, on=day, calendar=calendar)
    clock = await _reply_clock(session, payload.case_id)
    if clock is None or clock.state != ClockState.PAUSED or clock.paused_on is None:
        return []
    paused = paused_working_days(calendar, clock.paused_on, payload.replied_on)
    clock.paused_days += paused
    clock.state, clock.paused_on = ClockState.RUNNING.value, None
    return _recompute(session, envelope, clock, calendar, f"征求第三方意见用时{paused}个工作日不计入，顺延")


# --- the calendar ---------------------------------------------------------------------------------


async def store_calendar_year(
    runtime: ServiceRuntime, calendar: LiveCalendar, year: int, body: CalendarYearUpdate, principal: Principal
) -> CalendarYearPublic:
    """An admin stores a year (the State Council's notice, or a correction); every open clock that
    counts through it is recomputed when ``calendar.updated`` comes back."""
    require_roles(principal, Role.ADMIN)
    record = body.to_record(year, default_source=f"{principal.name} 录入")
    async with runtime.unit_of_work() as session:
        _previous, revision = await store_year(session, record)
        await runtime.emit(
            session,
            [
                CalendarUpdated(
                    year=year,
                    holidays=tuple(sorted(record.holidays)),
                    extra_workdays=tuple(sorted(record.extra_workdays)),
                    status=record.status,
                )
            ],
        )
        await calendar.refresh(session)
    return CalendarYearPublic.of(record, revision)


async def calendar_years(runtime: ServiceRuntime) -> list[CalendarYearPublic]:
    async with runtime.database.session() as session:
        rows = (await session.exec(select(CalendarYear).order_by(col(CalendarYear.year)))).all()
    return [CalendarYearPublic.of(row.to_record(), row.revision) for row in rows]


async def calendar_year(runtime: ServiceRuntime, year: int) -> CalendarYearPublic:
    async with runtime.database.session() as session:
        row = await session.get(CalendarYear, year)
    if row is None:
        return CalendarYearPublic.of(provisional_year(year), None)
    return CalendarYearPublic.of(row.to_record(), row.revision)


async def on_calendar_updated(
    session: AsyncSession, envelope: Envelope, payload: CalendarUpdated, *, calendar: LiveCalendar
) -> list[EventPayload]:
    """Recount every open clock that counts through the year; announce each date that moved.

    Only clocks whose span (start, due] reaches into the year can change: an indexed range query on
    the due date finds them, and each distinct (start, days) pair is counted once (`recount`).
    """
    await calendar.refresh(session)
    first, last = date(payload.year, 1, 1), date(payload.year, 12, 31)
    c = CLOCK_TABLE.c
    rows = (
        await (await session.connection()).execute(
            sa_select(
                c.id,
                c.case_id,
                c.kind,
                c.state,
                c.start_date,
                c.working_days + c.extension_days + c.paused_days,
                c.due_date,
                c.provisional,
            )
            .where(c.state.in_(OPEN_STATES), c.due_date >= first, c.start_date <= last)
            .with_for_update()  # a reply committing meanwhile waits, then stops the recounted clock
        )
    ).all()
    by_id = {row[0]: row for row in rows}
    counted = (CountedClock(row[0], row[4], row[5], row[6], row[7]) for row in rows)
    status = "节假日安排已公布" if payload.status == "announced" else "节假日安排暂按周末计算"
    # The day and time of the announcement, not of its processing: a replay counts as it was counted.
    today_ = local_date(envelope.time)
    updates: list[dict[str, Any]] = []
    ledger: list[dict[str, Any]] = []
    emitted: list[EventPayload] = []
    now = envelope.time
    for clock, due in recount(calendar, counted):
        _, case_id, kind, state, *_ = by_id[clock.id]
        moved = due.due_date != clock.due_date
        note = (
            f"{payload.year}年{status}，{CLOCK_NAMES[ClockKind(kind)]}"
            + (
                f"由{cn_date(clock.due_date)}调整为{cn_date(due.due_date)}"
                if moved
                else f"确定为{cn_date(due.due_date)}"
            )
            + ("（暂定）" if due.provisional else "")
        )
        if state == ClockState.BREACHED and due.due_date >= today_:
            state = ClockState.RUNNING.value  # the red card was for the old date
        updates.append(
            {"clock_id": clock.id, "due": due.due_date, "provisional": due.provisional, "new_state": state}
        )
        ledger.append(
            {
                "clock_id": clock.id,
                "cause": envelope.type,
                "event_id": str(envelope.id),
                "old_due_date": clock.due_date,
                "new_due_date": due.due_date,
                "note": note,
                "at": now,
            }
        )
        emitted.append(
            DeadlineSet(
                case_id=UUID(case_id),
                clock=ClockKind(kind),
                due_date=due.due_date,
                provisional=due.provisional,
                old_due_date=clock.due_date,
                cause=envelope.type,
                note=note,
            )
        )
    if updates:
        await session.exec(
            update(CLOCK_TABLE)
            .where(c.id == bindparam("clock_id"))
            .values(
                due_date=bindparam("due"), provisional=bindparam("provisional"), state=bindparam("new_state")
            ),
            params=updates,
        )
        await session.exec(insert(LEDGER_TABLE), params=ledger)
    log.info("calendar %s: %d open clocks counted again, %d changed", payload.year, len(rows), len(updates))
    return emitted


# --- cards ----------------------------------------------------------------------------------------

ALARM_HORIZON_DAYS = 14
"""Only clocks due within this many calendar days (or overdue) are read: an indexed range query."""


def clocks_due_by(on: date) -> SelectOfScalar[Clock]:
    """Running clocks due within the horizon or overdue: a range on ``ix_tracking_clock_due``.

    A breached clock has had its red card (it runs again only if its date moves), and a window that
    ran out is stopped, so a clock overdue for months is read once, not at every check."""
    return select(Clock).where(
        Clock.state == ClockState.RUNNING.value,
        col(Clock.due_date) <= on + timedelta(days=ALARM_HORIZON_DAYS),
    )


def clocks_to_card(on: date) -> SelectOfScalar[Clock]:
    """`clocks_due_by`, locked for the due check: a reply committing meanwhile waits for the cards and
    then stops its clock, instead of a card overwriting the reply's stop with the state it read."""
    return clocks_due_by(on).with_for_update()


ALARM_CHUNK = 500
"""Clocks carded per transaction: a due check over many clocks never holds the writer for long."""


async def raise_alarms(
    runtime: ServiceRuntime, calendar: Calendar, *, on: date, chunk: int = ALARM_CHUNK
) -> int:
    """Send each yellow and red card that is due on ``on``, exactly once per clock and due date.

    A window (the supplement notice, the return) that runs out is stopped, without a card: it is
    announced as ``deadline.lapsed``. The clocks are taken ``chunk`` at a time in id order, each chunk
    in a transaction of its own (a reply meanwhile waits for one chunk, not for the whole check). The
    number of cards sent is returned.
    """
    sent, after = 0, 0
    while True:
        async with runtime.unit_of_work() as session:
            if isinstance(calendar, LiveCalendar):
                await calendar.refresh(session)
            clocks = (
                await session.exec(
                    clocks_to_card(on).where(col(Clock.id) > after).order_by(col(Clock.id)).limit(chunk)
                )
            ).all()
            for clock in clocks:
                sent += await _card(runtime, session, calendar, clock, on)
        if len(clocks) < chunk:
            return sent
        after = clocks[-1].id or 0


async def _card(
    runtime: ServiceRuntime, session: AsyncSession, calendar: Calendar, clock: Clock, on: date
) -> int:
    """The card ``clock`` is due on ``on``, if any and not sent before; 1 when a card was sent."""
    kind = alarm_due(calendar, clock.due_date, on)
    if kind is None or (kind == "warning" and clock.state == ClockState.BREACHED):
        return 0
    lapsed = kind == "breached" and ClockKind(clock.kind) in WINDOWS
    first_time = await insert_ignoring_duplicates(
        session,
        ALARM_TABLE,
        {
            "case_id": clock.case_id,
            "clock": clock.kind,
            "kind": "lapsed" if lapsed else kind,
            "due_date": clock.due_date,
            "sent_at": datetime.now(UTC),
        },
    )
    if not first_time:  # sent before (another instance, or before a replay): keep the state in step
        if lapsed:
            clock.state, clock.stopped_on = ClockState.STOPPED.value, clock.due_date
        elif clock.state == ClockState.RUNNING and kind == "breached":
            clock.state = ClockState.BREACHED.value
        session.add(clock)
        return 0
    # The events do the rest (`services.tracking.projection`): a lapse stops the window on its
    # due date, a red card marks the clock breached — here, and in a replay of the log.
    event_type = DeadlineLapsed if lapsed else DeadlineBreached if kind == "breached" else DeadlineWarning
    await runtime.emit(
        session,
        [event_type(case_id=UUID(clock.case_id), clock=ClockKind(clock.kind), due_date=clock.due_date)],
    )
    return 0 if lapsed else 1  # a lapse is no card


async def watch_deadlines(runtime: ServiceRuntime, calendar: Calendar, every_seconds: float) -> None:
    """The periodic due check (督办提醒), until cancelled."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            await raise_alarms(runtime, calendar, on=today())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("the due check failed; trying again at the next interval\n%s", safe_traceback(exc))


# --- supervision (督办) ----------------------------------------------------------------------------

DUE_SOON_WORKING_DAYS = 2


async def supervision_stats(
    runtime: ServiceRuntime,
    calendar: Calendar,
    principal: Principal,
    query: StatsQuery,
    *,
    on: date | None = None,
) -> SupervisionStats:
    """Reply clocks per department and channel: open, due within 2 working days, overdue, replied,
    replied on time and the average working days to reply. The period selects clocks by the day they
    started (receipt, or assignment for a letter). Department heads see their own department only."""
    require_roles(principal, *SUPERVISING_ROLES, Role.DEPARTMENT_HEAD)
    if query.period_from and query.period_to and query.period_from > query.period_to:
        raise InvalidInput("from", "the period starts after it ends")
    department = query.department
    if not principal.has_any(SUPERVISING_ROLES):
        if department is not None and department != principal.department:
            raise Forbidden("a department head sees their own department only")
        department = principal.department
    day = on or today()
    soon = calendar.add_working_days(day, DUE_SOON_WORKING_DAYS).due_date
    c, k = CLOCK_TABLE.c, CASE_TABLE.c
    is_open = c.state.in_(OPEN_STATES)
    running = c.state != ClockState.PAUSED.value
    statement = (
        sa_select(
            k.department_id,
            func.max(k.department_name),
            c.channel,
            func.count(),
            func.sum(when((is_open, 1), else_=0)),
            func.sum(when((and_(is_open, running, c.due_date >= day, c.due_date <= soon), 1), else_=0)),
            func.sum(when((and_(is_open, running, c.due_date < day), 1), else_=0)),
            func.sum(when((c.on_time.is_not(None), 1), else_=0)),
            func.sum(when((c.on_time.is_(True), 1), else_=0)),
            func.avg(c.days_used),
        )
        .join(CASE_TABLE, k.case_id == c.case_id)
        .where(c.kind == ClockKind.REPLY.value)
        .group_by(k.department_id, c.channel)
        .order_by(k.department_id, c.channel)
    )
    if query.period_from:
        statement = statement.where(c.start_date >= query.period_from)
    if query.period_to:
        statement = statement.where(c.start_date <= query.period_to)
    if query.channel:
        statement = statement.where(c.channel == query.channel.value)
    if department:
        statement = statement.where(k.department_id == department)
    async with runtime.database.session() as session:
        rows = (await (await session.connection()).execute(statement)).all()
    lines = [
        StatsRow(
            department_id=dept_id,
            department_name=dept_name,
            channel=Channel(channel),
            cases=int(cases),
            open=int(open_ or 0),
            due_soon=int(soon_ or 0),
            overdue=int(overdue or 0),
            replied=int(replied_ or 0),
            replied_on_time=int(on_time or 0),
            on_time_rate=round(int(on_time or 0) / int(replied_), 4) if replied_ else None,
            average_working_days=round(float(avg), 1) if avg is not None else None,
        )
        for dept_id, dept_name, channel, cases, open_, soon_, overdue, replied_, on_time, avg in rows
    ]
    return SupervisionStats(
        as_of=day,
        due_soon_until=soon,
        period_from=query.period_from,
        period_to=query.period_to,
        rows=lines,
        total=StatsRow.total(lines),
    )
