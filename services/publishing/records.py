"""The public figures: a projection of every case without personal data, the handling statistics
and the annual disclosure report counted from it, and the appeals an admin records for table four.

The projection's reactions have the one use-case shape (`shared.uow`): ``on_<event>(event, uow)``
on the record book (`services.publishing.record_book`)."""

from __future__ import annotations

import hashlib
from datetime import date
from uuid import UUID, uuid4

from sqlmodel import col, select

from services.publishing.annual_report import (
    AnnualReport,
    AppealRecord,
    BadRecordError,
    DisclosureRecord,
    ExcludedRecord,
    compile_annual_report,
)
from services.publishing.db import AppealRow, CaseRecord
from services.publishing.proactive import RequestRecord, find_candidates
from services.publishing.schemas import (
    AppealCreate,
    AppealDecisionCreate,
    AppealPublic,
    CandidatePublic,
    PublicStats,
    PublicStatsRow,
)
from services.publishing.unit_of_work import PublishingUnitOfWork
from shared.auth import Principal, require_roles
from shared.calendar_store import LiveCalendar
from shared.codes import Channel, ClockKind, Rating, Role, handled_by_a_department
from shared.db import Database
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events import (
    CaseAssigned,
    CaseRated,
    CaseReopened,
    CaseReplied,
    DeadlineSet,
    EventPayload,
    SubmissionReceived,
)
from shared.runtime import ServiceRuntime
from shared.sealing import ERASED
from shared.uow import Delivered
from shared.workdays import Calendar

# --- the projection -------------------------------------------------------------------------------


def applicant_key(secret: str, payload: SubmissionReceived) -> str | None:
    """A keyed hash telling distinct applicants apart (ID number, else name and phone); None if unknown."""
    contact = payload.contact
    if contact is None:
        return None
    identity = contact.id_number or "|".join(filter(None, (contact.name, contact.phone, contact.email)))
    if not identity or ERASED in identity:
        return None
    return hashlib.sha256(f"{secret}|{identity.strip().upper()}".encode()).hexdigest()[:32]


async def on_submission_received(
    event: Delivered[SubmissionReceived], uow: PublishingUnitOfWork, *, secret: str
) -> list[EventPayload]:
    payload = event.payload
    if not handled_by_a_department(payload):
        return []  # an interview question: counted with its interview (`services.publishing.interviews`)
    if await uow.records.record(payload.case_id) is None:
        disclosure = payload.disclosure
        await uow.records.keep(
            CaseRecord(
                case_id=str(payload.case_id),
                channel=payload.channel.value,
                received_on=payload.receipt_date,
                applicant_type=disclosure.applicant_type.value if disclosure else None,
                applicant_key=applicant_key(secret, payload) if disclosure else None,
                description=disclosure.description if disclosure else None,
            )
        )
    return []


async def on_case_assigned(event: Delivered[CaseAssigned], uow: PublishingUnitOfWork) -> list[EventPayload]:
    payload = event.payload
    record = await uow.records.record(payload.case_id)
    if record is not None:
        record.department_id, record.department_name = payload.department_id, payload.department_name
        await uow.records.keep(record)
    return []


async def on_deadline_set(event: Delivered[DeadlineSet], uow: PublishingUnitOfWork) -> list[EventPayload]:
    """The reply's due date, for the share answered in time (the consumer passes no other clock)."""
    payload = event.payload
    record = await uow.records.record(payload.case_id)
    if record is not None and payload.clock is ClockKind.REPLY:
        record.due_date = payload.due_date
        await uow.records.keep(record)
    return []


async def on_case_replied(event: Delivered[CaseReplied], uow: PublishingUnitOfWork) -> list[EventPayload]:
    payload = event.payload
    record = await uow.records.record(payload.case_id)
    if record is not None:
        record.replied_on = payload.replied_on
        record.outcome = payload.outcome.value if payload.outcome else record.outcome
        record.department_id, record.department_name = payload.department_id, payload.department_name
        await uow.records.keep(record)
    return []


async def on_case_reopened(event: Delivered[CaseReopened], uow: PublishingUnitOfWork) -> list[EventPayload]:
    """Sent back for re-handling: open again until it is answered again. A disclosure request handled
    again is still one request: it counts once, with its final outcome, in the year it is finally
    concluded (the national template's rule), so its earlier outcome is forgotten here."""
    record = await uow.records.record(event.payload.case_id)
    if record is not None:
        record.replied_on = None
        record.outcome = None
        await uow.records.keep(record)
    return []


async def on_case_rated(event: Delivered[CaseRated], uow: PublishingUnitOfWork) -> list[EventPayload]:
    record = await uow.records.record(event.payload.case_id)
    if record is not None:
        record.rating = event.payload.rating.value
        await uow.records.keep(record)
    return []


# --- handling statistics ----------------------------------------------------------------------------

SATISFIED = (Rating.SATISFIED.value, Rating.BASICALLY_SATISFIED.value)


def _row(
    channel: str | None,
    department: tuple[str | None, str | None],
    cases: list[CaseRecord],
    calendar: Calendar,
) -> PublicStatsRow:
    replied = [c for c in cases if c.replied_on is not None]
    timed = [c for c in replied if c.due_date is not None]
    on_time = [
        c for c in timed if c.replied_on is not None and c.due_date is not None and c.replied_on <= c.due_date
    ]
    days = [calendar.working_days_between(c.received_on, c.replied_on) for c in replied if c.replied_on]
    rated = [c for c in cases if c.rating is not None]
    satisfied = [c for c in rated if c.rating in SATISFIED]
    return PublicStatsRow(
        channel=Channel(channel) if channel else None,
        department_id=department[0],
        department=department[1],
        received=len(cases),
        replied=len(replied),
        replied_on_time=len(on_time),
        on_time_rate=round(len(on_time) / len(timed), 4) if timed else None,
        average_working_days=round(sum(days) / len(days), 1) if days else None,
        rated=len(rated),
        satisfied=sum(1 for c in rated if c.rating == Rating.SATISFIED.value),
        basically_satisfied=sum(1 for c in rated if c.rating == Rating.BASICALLY_SATISFIED.value),
        unsatisfied=sum(1 for c in rated if c.rating == Rating.UNSATISFIED.value),
        satisfaction_rate=round(len(satisfied) / len(rated), 4) if rated else None,
    )


async def public_stats(
    runtime: ServiceRuntime, calendar: LiveCalendar, *, period_from: date, period_to: date
) -> PublicStats:
    """Per channel and department, the cases received in the period: received, replied, on time,
    average working days from receipt to reply, and the citizens' ratings."""
    if period_from > period_to:
        raise InvalidInput("from", "the period starts after it ends")
    if (period_to - period_from).days > 366 * 5:
        raise InvalidInput("to", "a period of at most five years")
    async with runtime.database.session() as session:
        await calendar.refresh(session)
        cases = (
            await session.exec(
                select(CaseRecord).where(
                    col(CaseRecord.received_on) >= period_from, col(CaseRecord.received_on) <= period_to
                )
            )
        ).all()
    groups: dict[tuple[str, str | None], list[CaseRecord]] = {}
    names: dict[str | None, str | None] = {}
    for case in cases:
        groups.setdefault((case.channel, case.department_id), []).append(case)
        names[case.department_id] = case.department_name or names.get(case.department_id)
    rows = [
        _row(channel, (department, names.get(department)), members, calendar)
        for (channel, department), members in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
        )
    ]
    return PublicStats(
        period_from=period_from,
        period_to=period_to,
        rows=rows,
        total=_row(None, (None, None), list(cases), calendar),
    )


# --- the annual disclosure report --------------------------------------------------------------------


async def annual_report(database: Database, year: int) -> AnnualReport:
    """Tables three and four of ``year``, from publishing's database (the service's, or the operator's
    ``civic report``). A stored record that cannot be placed (a request concluded before it was
    received, say) is left out and listed in ``excluded`` — never a failed report."""
    async with database.session() as session:
        cases = (
            await session.exec(
                select(CaseRecord).where(
                    CaseRecord.channel == Channel.DISCLOSURE_REQUEST.value,
                    col(CaseRecord.received_on) <= date(year, 12, 31),
                )
            )
        ).all()
        appeals = (await session.exec(select(AppealRow))).all()
    excluded: list[ExcludedRecord] = []
    records: list[DisclosureRecord] = []
    for c in cases:
        try:
            records.append(
                DisclosureRecord(
                    case_id=c.case_id,
                    applicant_type=c.applicant_type,  # type: ignore[arg-type]  # a stored code, checked here
                    received_on=c.received_on,
                    concluded_on=c.replied_on if c.outcome else None,
                    outcome=c.outcome,  # type: ignore[arg-type]
                )
            )
        except BadRecordError as exc:
            excluded.append(ExcludedRecord(exc.case_id, exc.problem))
    placed: list[AppealRecord] = []
    for a in appeals:
        try:
            placed.append(
                AppealRecord(
                    case_id=a.case_id or a.id,
                    kind=a.kind,  # type: ignore[arg-type]
                    filed_on=a.filed_on,
                    result=a.result,  # type: ignore[arg-type]
                    decided_on=a.decided_on,
                )
            )
        except BadRecordError as exc:
            excluded.append(ExcludedRecord(exc.case_id, f"appeal {a.id}: {exc.problem}"))
    return compile_annual_report(year, records, placed, excluded)


async def excluded_records(runtime: ServiceRuntime, year: int, principal: Principal) -> list[ExcludedRecord]:
    """What the report of ``year`` left out, and why: for the admin to correct at the source."""
    require_roles(principal, Role.ADMIN, Role.DISCLOSURE_HEAD)
    return list((await annual_report(runtime.database, year)).excluded)


async def list_appeals(runtime: ServiceRuntime, principal: Principal) -> list[AppealPublic]:
    """Every reconsideration and lawsuit recorded, the latest filed first."""
    require_roles(principal, Role.ADMIN, Role.DISCLOSURE_HEAD)
    async with runtime.database.session() as session:
        rows = (
            await session.exec(select(AppealRow).order_by(col(AppealRow.filed_on).desc(), col(AppealRow.id)))
        ).all()
    return [AppealPublic.model_validate(row, from_attributes=True) for row in rows]


async def record_appeal(runtime: ServiceRuntime, body: AppealCreate, principal: Principal) -> AppealPublic:
    """An admin records a reconsideration or lawsuit over a disclosure decision (for table four). The
    same appeal again — the same request and kind, while one is pending or filed the same day — is
    refused (409): its decision is recorded on the row it has (`decide_appeal`), never as a second."""
    require_roles(principal, Role.ADMIN, Role.DISCLOSURE_HEAD)
    try:
        AppealRecord(
            case_id=str(body.case_id or "-"),
            kind=body.kind,
            filed_on=body.filed_on,
            result=body.result,
            decided_on=body.decided_on,
        )
    except BadRecordError as exc:  # kind and result are checked by the schema: only the dates can clash
        raise InvalidInput("decided_on", exc.problem) from None
    row = AppealRow(
        id=str(uuid4()),
        case_id=str(body.case_id) if body.case_id else None,
        kind=body.kind,
        filed_on=body.filed_on,
        result=body.result,
        decided_on=body.decided_on,
    )
    async with runtime.unit_of_work() as session:
        if row.case_id is not None:
            # the case's record held to the end: two clerks recording the same appeal at once are
            # taken one after the other (PostgreSQL), and the second finds the first's row
            await session.get(CaseRecord, row.case_id, with_for_update=True)
            same = (
                await session.exec(
                    select(AppealRow).where(AppealRow.case_id == row.case_id, AppealRow.kind == row.kind)
                )
            ).all()
            if any(a.result == "pending" or a.filed_on == row.filed_on for a in same):
                raise Conflict("this appeal is recorded already: record its decision on it")
        session.add(row)
    return AppealPublic.model_validate(row, from_attributes=True)


async def decide_appeal(
    runtime: ServiceRuntime, appeal_id: UUID, body: AppealDecisionCreate, principal: Principal
) -> AppealPublic:
    """The result of a pending appeal (尚未审结 → 维持, 纠正, 其他): its row is updated, so table four
    counts it once — in the year it was filed, with the result known at the end of that year."""
    require_roles(principal, Role.ADMIN, Role.DISCLOSURE_HEAD)
    async with runtime.unit_of_work() as session:
        row = await session.get(AppealRow, str(appeal_id), with_for_update=True)
        if row is None:
            raise NotFound(f"no appeal {appeal_id}")
        if row.result != "pending":
            raise Conflict(f"this appeal was decided already ({row.result})")
        try:
            AppealRecord(
                case_id=row.case_id or row.id,
                kind=row.kind,  # type: ignore[arg-type]  # a stored code, checked here
                filed_on=row.filed_on,
                result=body.result,
                decided_on=body.decided_on,
            )
        except BadRecordError as exc:
            raise InvalidInput("decided_on", exc.problem) from None
        row.result, row.decided_on = body.result, body.decided_on
        session.add(row)
    return AppealPublic.model_validate(row, from_attributes=True)


# --- proactive-disclosure candidates (依申请公开转主动公开) -------------------------------------------


async def proactive_candidates(
    runtime: ServiceRuntime,
    principal: Principal,
    *,
    min_applicants: int,
    window_days: int,
    threshold: float,
    since: date | None = None,
) -> list[CandidatePublic]:
    """Disclosure requests for similar information from several different applicants: the office
    should consider publishing that information proactively. Applicants are told apart by a keyed hash."""
    require_roles(principal, Role.ADMIN, Role.DISCLOSURE_HEAD)
    query = select(CaseRecord).where(
        CaseRecord.channel == Channel.DISCLOSURE_REQUEST.value, col(CaseRecord.applicant_key).is_not(None)
    )
    if since is not None:
        query = query.where(col(CaseRecord.received_on) >= since)
    async with runtime.database.session() as session:
        cases = (await session.exec(query)).all()
    candidates = find_candidates(
        (
            RequestRecord(c.case_id, c.applicant_key or "", c.description or "", c.received_on)
            for c in cases
            if c.description
        ),
        min_applicants=min_applicants,
        window_days=window_days,
        threshold=threshold,
    )
    return [
        CandidatePublic(
            topic=c.topic,
            case_ids=list(c.case_ids),
            applicants=c.applicants,
            first_received=c.first_received,
            last_received=c.last_received,
        )
        for c in candidates
    ]
