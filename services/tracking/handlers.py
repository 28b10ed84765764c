"""Tracking's reactions to case events: start, pause, move and stop each case's clocks (计时).

Each is a use case of the one shape (`shared.uow`): ``on_<event>(event, uow) -> events``, working
through the clock book and the calendar of a `TrackingUnitOfWork`; the consumer commits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from uuid import UUID

from services.tracking.clock_book import ClockBook, TrackingUnitOfWork
from services.tracking.clocks import (
    ClockRules,
    ClockStart,
    ReplyClock,
    clock_name,
    clock_on_consultation_closed,
    clocks_on_assignment,
    clocks_on_submission,
    compute,
    describe_due_date,
    paused_working_days,
    reply_due,
)
from services.tracking.db import CaseChannel, Clock, ClockLedgerEntry
from services.tracking.labels import ART_32
from shared.codes import Channel, ClockKind, ClockState
from shared.dates import cn_date, cn_md, local_date
from shared.events import (
    AdoptionReportPublished,
    CaseAccepted,
    CaseAssigned,
    CaseClosed,
    CaseReopened,
    CaseReplied,
    CaseReturned,
    ConsultationClosed,
    DeadlineBreached,
    DeadlineExtended,
    DeadlineSet,
    Envelope,
    EventPayload,
    SubmissionReceived,
    SubmissionRefused,
    SupplementReceived,
    SupplementRequested,
    ThirdPartyConsulted,
    ThirdPartyReplied,
)
from shared.uow import Delivered
from shared.workdays import Calendar

HANDLING_CLOCKS = frozenset(ClockKind) - {ClockKind.ADOPTION_REPORT}
"""The clocks of a case's own handling, which its reply or close stops. A comment's adoption-report
clock is the consultation's (采纳情况公布): it runs from the close until the report is published,
whatever happens to the comment meanwhile — and so whichever of the two topics tracking reads first."""
OPEN_STATES = (ClockState.RUNNING.value, ClockState.PAUSED.value, ClockState.BREACHED.value)


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
    book: ClockBook,
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
        clock = await book.clock(case_id, start.kind, start.party_id)
        if (
            clock is not None
            and clock.state in OPEN_STATES
            and (clock.start_date, clock.working_days, clock.due_date)
            == (start.start, start.working_days, due.due_date)
        ):
            continue  # started again from the same day: nothing changes
        old = clock.due_date if clock is not None and clock.state != ClockState.STOPPED else None
        new = clock is None
        if clock is None:
            clock = Clock(  # type: ignore[call-arg]
                case_id=str(case_id), kind=start.kind.value, party_id=start.party_id, channel=channel.value
            )
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
        await (book.add_clock(clock) if new else book.record(clock))
        await book.record(_ledger(clock, envelope, old, due.due_date, note))
        emitted.append(
            DeadlineSet(
                case_id=case_id,
                clock=start.kind,
                due_date=due.due_date,
                provisional=due.provisional,
                old_due_date=old,
                cause=envelope.type,
                note=note,
                party_id=start.party_id or None,
            )
        )
    return emitted


async def on_submission_received(
    event: Delivered[SubmissionReceived], uow: TrackingUnitOfWork, *, rules: ClockRules
) -> list[EventPayload]:
    payload, book = event.payload, uow.clocks
    if await book.case(payload.case_id) is None:
        await book.record(
            CaseChannel(
                case_id=str(payload.case_id),
                channel=payload.channel.value,
                consultation_id=str(payload.comment.consultation_id) if payload.comment else None,
            )
        )
    closes_on = payload.comment.consultation_closes_on if payload.comment else None
    starts = clocks_on_submission(payload.channel, payload.receipt_date, closes_on, rules)
    emitted = await _start_clocks(
        book, event.envelope, payload.case_id, payload.channel, starts, uow.calendar
    )
    if payload.comment is not None:
        emitted += await _catch_up_with_consultation(
            uow, event.envelope, payload.case_id, payload.comment.consultation_id, rules
        )
    return emitted


async def _catch_up_with_consultation(
    uow: TrackingUnitOfWork, envelope: Envelope, case_id: UUID, consultation_id: UUID, rules: ClockRules
) -> list[EventPayload]:
    """A comment read after its consultation closed, or after its report was published — they travel
    on two topics — goes through what those events did to the comments already there, with the same
    causes and times (from the consultation's own ledger): the clocks and ledgers never depend on
    which topic tracking read first, so a replay, which reads by time, rebuilds them as they were."""
    book, calendar = uow.clocks, uow.calendar
    consultation = await book.clock(consultation_id, ClockKind.ADOPTION_REPORT)
    if consultation is None or consultation.id is None:
        return []
    emitted: list[EventPayload] = []
    for entry in await book.ledger(consultation.id):
        past = envelope.model_copy(update={"id": UUID(entry.event_id), "type": entry.cause, "time": entry.at})
        comment = await book.clock(case_id, ClockKind.ADOPTION_REPORT)
        if entry.cause == ConsultationClosed.event_type:
            start = clock_on_consultation_closed(consultation.start_date, rules)
            if comment is not None and comment.state in OPEN_STATES and comment.start_date != start.start:
                emitted += await _start_clocks(
                    book, past, case_id, Channel.CONSULTATION_COMMENT, [start], calendar
                )
        elif entry.cause == AdoptionReportPublished.event_type:
            day = local_date(entry.at)
            note = f"{cn_md(day)}采纳情况已公布，计时停止"
            await _stop(book, past, case_id, {ClockKind.ADOPTION_REPORT}, note, on=day, calendar=calendar)
    return emitted


async def on_case_assigned(
    event: Delivered[CaseAssigned], uow: TrackingUnitOfWork, *, rules: ClockRules
) -> list[EventPayload]:
    payload, book = event.payload, uow.clocks
    case = await book.case(payload.case_id) or CaseChannel(
        case_id=str(payload.case_id), channel=payload.channel.value
    )
    if case.supervised and case.department_id != payload.department_id:
        case.supervision_read_by = None  # the notice follows the case to its new department's head
    case.department_id, case.department_name = payload.department_id, payload.department_name
    await book.record(case)
    running = frozenset(ClockKind(clock.kind) for clock in await book.clocks(payload.case_id))
    starts = clocks_on_assignment(
        payload.channel, payload.assigned_on, running, rules, rerouted=payload.rerouted
    )
    return await _start_clocks(book, event.envelope, payload.case_id, payload.channel, starts, uow.calendar)


async def _stop(
    book: ClockBook,
    envelope: Envelope,
    case_id: UUID | str,
    kinds: Collection[ClockKind] | None,
    note: str,
    *,
    on: date,
    calendar: Calendar | None = None,
    party_id: str | None = None,
) -> None:
    """Stop the case's open clocks of ``kinds`` (all when None) on ``on`` — of a third party's, only
    ``party_id``'s when given; with a calendar, record how many working days the clock used and
    whether it stopped in time."""
    for clock in await book.clocks(case_id):
        if party_id is not None and clock.party_id != party_id:
            continue
        if (kinds is None or ClockKind(clock.kind) in kinds) and clock.state in OPEN_STATES:
            clock.state, clock.stopped_on = ClockState.STOPPED.value, on
            if calendar is not None:
                clock.days_used = max(
                    0, calendar.working_days_between(clock.start_date, on) - clock.paused_days
                )
                clock.on_time = on <= clock.due_date
            await book.record(clock)
            await book.record(_ledger(clock, envelope, clock.due_date, None, note))


async def on_case_accepted(event: Delivered[CaseAccepted], uow: TrackingUnitOfWork) -> list[EventPayload]:
    day = local_date(event.envelope.time)
    note = f"{cn_md(day)}已签收，不再退回"
    await _stop(uow.clocks, event.envelope, event.payload.case_id, {ClockKind.RETURN_WINDOW}, note, on=day)
    return []


async def on_case_returned(event: Delivered[CaseReturned], uow: TrackingUnitOfWork) -> list[EventPayload]:
    day = local_date(event.envelope.time)
    note = f"{cn_md(day)}已退回"
    await _stop(uow.clocks, event.envelope, event.payload.case_id, {ClockKind.RETURN_WINDOW}, note, on=day)
    return []


async def on_case_replied(event: Delivered[CaseReplied], uow: TrackingUnitOfWork) -> list[EventPayload]:
    """A reply stops the case's own clocks; the reply clock keeps the working days it used."""
    day = event.payload.replied_on
    note = f"{cn_md(day)}已答复，计时停止"
    await _stop(
        uow.clocks,
        event.envelope,
        event.payload.case_id,
        HANDLING_CLOCKS,
        note,
        on=day,
        calendar=uow.calendar,
    )
    return []


async def on_case_reopened(
    event: Delivered[CaseReopened], uow: TrackingUnitOfWork, *, rules: ClockRules
) -> list[EventPayload]:
    """Sent back for re-handling (发回重办): a mailbox letter's reply period starts again that day."""
    case_id = event.payload.case_id
    case = await uow.clocks.case(case_id)
    if case is None or case.channel != Channel.MAILBOX.value:
        return []
    start = ClockStart(ClockKind.REPLY, local_date(event.envelope.time), rules.mailbox_reply_days, "发回重办")
    return await _start_clocks(uow.clocks, event.envelope, case_id, Channel.MAILBOX, [start], uow.calendar)


async def on_case_closed(event: Delivered[CaseClosed], uow: TrackingUnitOfWork) -> list[EventPayload]:
    day = local_date(event.envelope.time)
    await _stop(
        uow.clocks, event.envelope, event.payload.case_id, HANDLING_CLOCKS, "已办结，计时停止", on=day
    )
    return []


async def on_submission_refused(
    event: Delivered[SubmissionRefused], uow: TrackingUnitOfWork
) -> list[EventPayload]:
    """Intake took back what it had accepted: nothing is owed, no clock runs (none counts as replied)."""
    payload = event.payload
    await _stop(
        uow.clocks, event.envelope, payload.case_id, None, "不予受理，计时停止", on=payload.refused_on
    )
    return []


async def on_consultation_closed(
    event: Delivered[ConsultationClosed], uow: TrackingUnitOfWork, *, rules: ClockRules
) -> list[EventPayload]:
    """The adoption report is due N working days after the close — for the consultation and for each
    of its comments (the close may differ from the date planned when the comment came in)."""
    payload, book, envelope = event.payload, uow.clocks, event.envelope
    if await book.case(payload.consultation_id) is None:
        await book.record(
            CaseChannel(case_id=str(payload.consultation_id), channel=Channel.CONSULTATION_COMMENT.value)
        )
    start = clock_on_consultation_closed(payload.closed_on, rules)
    emitted = await _start_clocks(
        book, envelope, payload.consultation_id, Channel.CONSULTATION_COMMENT, [start], uow.calendar
    )
    for comment in await book.comments(payload.consultation_id):
        clock = await book.clock(comment.case_id, ClockKind.ADOPTION_REPORT)
        if clock is not None and clock.state in OPEN_STATES and clock.start_date != payload.closed_on:
            emitted += await _start_clocks(
                book, envelope, UUID(comment.case_id), Channel.CONSULTATION_COMMENT, [start], uow.calendar
            )
    return emitted


async def on_adoption_report_published(
    event: Delivered[AdoptionReportPublished], uow: TrackingUnitOfWork
) -> list[EventPayload]:
    book, envelope, calendar = uow.clocks, event.envelope, uow.calendar
    day = local_date(envelope.time)
    note = f"{cn_md(day)}采纳情况已公布，计时停止"
    await _stop(book, envelope, event.payload.consultation_id, None, note, on=day, calendar=calendar)
    for comment in await book.comments(event.payload.consultation_id):
        await _stop(
            book, envelope, comment.case_id, {ClockKind.ADOPTION_REPORT}, note, on=day, calendar=calendar
        )
    return []


async def _recompute(
    book: ClockBook, envelope: Envelope, clock: Clock, calendar: Calendar, note: str
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
    await book.record(clock)
    full_note = f"{note}，{clock_name(kind, clock.party_id)}{cn_date(due.due_date)}" + (
        "（暂定）" if due.provisional else ""
    )
    await book.record(_ledger(clock, envelope, old, due.due_date, full_note))
    return [
        DeadlineSet(
            case_id=UUID(clock.case_id),
            clock=kind,
            due_date=due.due_date,
            provisional=due.provisional,
            old_due_date=old,
            cause=envelope.type,
            note=full_note,
            party_id=clock.party_id or None,
        )
    ]


async def on_deadline_extended(
    event: Delivered[DeadlineExtended], uow: TrackingUnitOfWork
) -> list[EventPayload]:
    payload = event.payload
    clock = await uow.clocks.clock(payload.case_id, ClockKind.REPLY)
    if clock is None or clock.state == ClockState.STOPPED:
        return []
    clock.extension_days += payload.working_days
    note = f"经批准延期{payload.working_days}个工作日（{payload.reason}）"
    return await _recompute(uow.clocks, event.envelope, clock, uow.calendar, note)


async def on_supplement_requested(
    event: Delivered[SupplementRequested], uow: TrackingUnitOfWork
) -> list[EventPayload]:
    """Waiting for the applicant's supplement: the reply clock stands still until it arrives, and the
    applicant's deadline (补正期限) runs — the working days the notice gives, from the notice's day."""
    payload, book, calendar = event.payload, uow.clocks, uow.calendar
    day = payload.requested_on
    note = f"{cn_md(day)}已告知补正"
    await _stop(book, event.envelope, payload.case_id, {ClockKind.SUPPLEMENT_WINDOW}, note, on=day)
    days = payload.working_days or max(1, calendar.working_days_between(day, payload.due_date))
    start = ClockStart(ClockKind.SUPPLEMENT_DUE, day, days, "告知补正")
    emitted = await _start_clocks(
        book, event.envelope, payload.case_id, Channel.DISCLOSURE_REQUEST, [start], calendar
    )
    supplement_due = compute(calendar, start).due_date
    clock = await book.clock(payload.case_id, ClockKind.REPLY)
    if clock is None or clock.state != ClockState.RUNNING:
        return emitted
    clock.state = ClockState.PAUSED.value
    await book.record(clock)
    note = (
        f"{cn_date(day)}告知补正，待申请人于{cn_date(supplement_due)}前补正，答复期限自收到补正之日起重新计算"
    )
    await book.record(_ledger(clock, event.envelope, clock.due_date, clock.due_date, note))
    return emitted


async def on_supplement_received(
    event: Delivered[SupplementReceived], uow: TrackingUnitOfWork
) -> list[EventPayload]:
    """The applicant's deadline stops; the reply period starts again on the day the supplement
    arrives (OGI Art. 30)."""
    payload = event.payload
    day = payload.receipt_date
    note = f"{cn_md(day)}收到补正材料，计时停止"
    await _stop(uow.clocks, event.envelope, payload.case_id, {ClockKind.SUPPLEMENT_DUE}, note, on=day)
    clock = await uow.clocks.clock(payload.case_id, ClockKind.REPLY)
    if clock is None or clock.state == ClockState.STOPPED:
        return []
    clock.state = ClockState.RUNNING.value
    clock.start_date, clock.counted_from, clock.paused_days = payload.receipt_date, "收到补正材料", 0
    note = f"补正材料于{day.month}月{day.day}日收到，重新计算{clock.working_days}个工作日"
    return await _recompute(uow.clocks, event.envelope, clock, uow.calendar, note)


# --- third parties (征求第三方意见, OGI Art. 32) -----------------------------------------------------


def _waiting(clock: Clock) -> bool:
    """A third party still within its days and not yet answered: the reply clock waits for it."""
    return clock.kind == ClockKind.THIRD_PARTY and clock.state == ClockState.RUNNING


async def on_third_party_consulted(
    event: Delivered[ThirdPartyConsulted], uow: TrackingUnitOfWork, *, rules: ClockRules
) -> list[EventPayload]:
    """Waiting for third parties is not counted: the reply clock stands still from the first one
    consulted; each party has its own 15 working days."""
    payload, book = event.payload, uow.clocks
    party = payload.party_id or ""
    name = clock_name(ClockKind.THIRD_PARTY, party).removesuffix("答复期限")
    already = await book.clock(payload.case_id, ClockKind.THIRD_PARTY, party)
    clock = await book.clock(payload.case_id, ClockKind.REPLY)
    emitted: list[EventPayload] = []
    if clock is not None and clock.state == ClockState.RUNNING:
        clock.state, clock.paused_on = ClockState.PAUSED.value, payload.consulted_on
        await book.record(clock)
        note = f"{cn_date(payload.consulted_on)}起征求{name}意见，期间不计入答复期限"
        await book.record(_ledger(clock, event.envelope, clock.due_date, clock.due_date, note))
    elif clock is not None and clock.paused_on is not None and already is None:
        note = f"{cn_date(payload.consulted_on)}另征求{name}意见，答复期限继续暂停"
        await book.record(_ledger(clock, event.envelope, clock.due_date, clock.due_date, note))
    if await book.case(payload.case_id) is not None:
        start = ClockStart(
            ClockKind.THIRD_PARTY, payload.consulted_on, rules.third_party_days, "征求第三方意见", party
        )
        emitted += await _start_clocks(
            book, event.envelope, payload.case_id, Channel.DISCLOSURE_REQUEST, [start], uow.calendar
        )
    return emitted


async def on_third_party_replied(
    event: Delivered[ThirdPartyReplied], uow: TrackingUnitOfWork
) -> list[EventPayload]:
    """The party that answered stops its clock (an event without a party: every party waited for, as
    when one was consulted at a time); the reply clock goes on once no party is waited for."""
    payload, book, calendar = event.payload, uow.clocks, uow.calendar
    day = payload.replied_on
    party = payload.party_id
    name = clock_name(ClockKind.THIRD_PARTY, party or "").removesuffix("答复期限")
    note = f"{cn_md(day)}{name}已答复，计时停止"
    await _stop(
        book,
        event.envelope,
        payload.case_id,
        {ClockKind.THIRD_PARTY},
        note,
        on=day,
        calendar=calendar,
        party_id=party,
    )
    return await _resume_reply_clock(
        uow, event.envelope, payload.case_id, day, "征求第三方意见用时{days}个工作日不计入，顺延"
    )


async def on_deadline_breached(
    event: Delivered[DeadlineBreached], uow: TrackingUnitOfWork
) -> list[EventPayload]:
    """What a red card of the due check does (its projection, as it is sent and in a replay): the clock
    is breached. A third party's 15 working days passed unanswered: the office decides on its own (OGI
    Art. 32), so the reply clock goes on by itself once no other party is waited for, the consultation
    counted up to that party's last day; the ``deadline.set`` returned says so (`alarms` sends it)."""
    payload, book = event.payload, uow.clocks
    clock = await book.clock(payload.case_id, payload.clock, payload.party_id or "")
    if clock is None or clock.due_date != payload.due_date:
        return []  # the date moved since the card
    if clock.state == ClockState.RUNNING:
        clock.state = ClockState.BREACHED.value
        await book.record(clock)
    if payload.clock is not ClockKind.THIRD_PARTY or clock.state != ClockState.BREACHED:
        return []  # not a third party's, or answered meanwhile
    name = clock_name(ClockKind.THIRD_PARTY, clock.party_id).removesuffix("答复期限")
    note = (
        f"{name}自{cn_date(clock.start_date)}起{clock.working_days}个工作日内未答复，"
        f"依{ART_32}由本机关依法决定，答复期限恢复计算，征求意见用时{{days}}个工作日不计入"
    )
    return await _resume_reply_clock(uow, event.envelope, payload.case_id, clock.due_date, note)


async def _resume_reply_clock(
    uow: TrackingUnitOfWork, envelope: Envelope, case_id: UUID, ended_on: date, note: str
) -> list[EventPayload]:
    """Let the reply clock go on if it stands still for third parties and none is waited for any
    more. The pause ends on the latest day a party of this consultation ended (its answer, or its
    last day); ``note`` says why, ``{days}`` the working days not counted."""
    book, calendar = uow.clocks, uow.calendar
    clocks = await book.clocks(case_id)
    if any(_waiting(clock) for clock in clocks):
        return []
    clock = next((c for c in clocks if c.kind == ClockKind.REPLY), None)
    if clock is None or clock.state != ClockState.PAUSED or clock.paused_on is None:
        return []
    paused_on = clock.paused_on
    # each party's wait counts at most to its last day: an answer after it does not stretch the
    # pause (Art. 32 gives a party 15 working days, not more)
    ends = [
        min(party.stopped_on or party.due_date, party.due_date)
        for party in clocks
        if party.kind == ClockKind.THIRD_PARTY and party.start_date >= paused_on
    ] or [ended_on]
    paused = paused_working_days(calendar, paused_on, max(ends))
    clock.paused_days += paused
    clock.state, clock.paused_on = ClockState.RUNNING.value, None
    return await _recompute(book, envelope, clock, calendar, note.format(days=paused))
