"""Publishing's HTTP routes: what the public reads, and the admin's consultations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.publishing import adoption, handlers, records, review_queue
from services.publishing.annual_report import render_table_four_csv, render_table_three_csv
from services.publishing.config import PublishingSettings
from services.publishing.feeds import FeedEntry, atom_feed
from services.publishing.interview_access import INTERVIEW_ACCESS
from services.publishing.review import ReviewRules, ReviewStatus
from services.publishing.schemas import (
    AdoptionReport,
    AppealCreate,
    AppealDecisionCreate,
    AppealPublic,
    CandidatePublic,
    ConsultationCloseCreate,
    ConsultationCreate,
    ConsultationPublic,
    ExcludedRecordPublic,
    PublicStats,
    ReplyPage,
    ReplyPublic,
    ReviewDecisionCreate,
    ReviewPublic,
    ReviewRejectionCreate,
    WithdrawalCreate,
)
from services.publishing.unit_of_work import PublishingUnitOfWork, perform
from shared.calendar_store import LiveCalendar
from shared.codes import Role
from shared.dates import BoundedDate, today
from shared.events import Envelope
from shared.http import Access, PrincipalDep, RuntimeDep, guarded_by
from shared.openapi import Responses, errors
from shared.uow import Command

OFFICE = (Role.ADMIN, Role.DISCLOSURE_HEAD)
ACCESS: Access = {
    **dict.fromkeys(
        [
            "GET /api/v1/replies",
            "GET /api/v1/replies/{reply_id}",
            "GET /api/v1/consultations",
            "GET /api/v1/consultations/{consultation_id}/adoption-report",
            "GET /api/v1/consultations/{consultation_id}/adoption-report.csv",
            "GET /api/v1/stats",
            "GET /api/v1/reports/disclosure/{year}",
            "GET /api/v1/reports/disclosure/{year}/table-{table}.csv",
            "GET /api/v1/feeds/replies.atom",
            "GET /api/v1/feeds/adoption-reports.atom",
        ]
    ),
    "POST /api/v1/consultations": (Role.ADMIN,),
    "POST /api/v1/consultations/{consultation_id}/close": (Role.ADMIN,),
    "POST /api/v1/consultations/{consultation_id}/adoption-report": (Role.ADMIN,),
    "GET /api/v1/reviews": (Role.REVIEWER, Role.ADMIN),
    "POST /api/v1/reviews/{review_id}/approve": (Role.REVIEWER,),
    "POST /api/v1/reviews/{review_id}/reject": (Role.REVIEWER,),
    "POST /api/v1/reviews/{review_id}/withdraw": (Role.REVIEWER, Role.ADMIN),
    "GET /api/v1/reports/disclosure/{year}/excluded": OFFICE,
    "POST /api/v1/reports/appeals": OFFICE,
    "POST /api/v1/reports/appeals/{appeal_id}/decision": OFFICE,
    "GET /api/v1/proactive-candidates": OFFICE,
    **INTERVIEW_ACCESS,
}
"""What is published is public; admins open, close and report consultations; reviewers review; an admin
or a holder of the last review level withdraws what was published (the use case says which reviewers);
the disclosure office sees what the annual report left out, records appeals and their decisions, and
the proactive candidates."""

router = APIRouter(prefix="/api/v1", dependencies=[guarded_by(ACCESS)])

REVIEW_DECISION = errors(
    401, 403, 404, conflict="already decided by this reviewer, or no longer waiting for review"
)
CSV: Responses = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}
ATOM: Responses = {200: {"content": {"application/atom+xml": {"schema": {"type": "string"}}}}}


def _settings(request: Request) -> PublishingSettings:
    settings: PublishingSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[PublishingSettings, Depends(_settings)]


def _calendar(request: Request) -> LiveCalendar:
    calendar: LiveCalendar = request.app.state.calendar
    return calendar


CalendarDep = Annotated[LiveCalendar, Depends(_calendar)]


@router.get("/replies", tags=["public"], summary="Published replies, newest first; full-text search with q")
async def list_replies(
    runtime: RuntimeDep,
    q: Annotated[
        str | None, Query(max_length=100, description="Words that must all occur (Chinese: any substring).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip.")] = 0,
) -> ReplyPage:
    return await handlers.list_replies(runtime, limit=limit, offset=offset, q=q)


@router.get("/replies/{reply_id}", tags=["public"], summary="One published reply", responses=errors(404))
async def get_reply(reply_id: UUID, runtime: RuntimeDep) -> ReplyPublic:
    return await handlers.reply_detail(runtime, reply_id)


@router.get("/consultations", tags=["public"], summary="Consultations, newest first")
async def list_consultations(runtime: RuntimeDep) -> list[ConsultationPublic]:
    return await handlers.list_consultations(runtime)


@router.post(
    "/consultations",
    status_code=201,
    tags=["admin"],
    summary="Open a public consultation (公开征求意见)",
    responses=errors(
        401,
        403,
        validation_error="closing before it opens or in the past; neither the draft's text nor its address; "
        "a period shorter than the rules without a reason",
    ),
)
async def open_consultation(
    body: ConsultationCreate,
    runtime: RuntimeDep,
    settings: SettingsDep,
    calendar: CalendarDep,
    principal: PrincipalDep,
) -> ConsultationPublic:
    opening = partial(
        handlers.open_consultation,
        min_days=settings.min_consultation_days,
        min_working_days=settings.min_consultation_working_days,
    )
    return await perform(runtime, calendar, opening, Command(None, principal, body), handlers.consultation_of)


@router.post(
    "/consultations/{consultation_id}/close",
    tags=["admin"],
    summary="Close a consultation (before its announced end, with a reason)",
    responses=errors(
        401,
        403,
        404,
        conflict="already closed",
        validation_error="closing before the announced end without a reason",
    ),
)
async def close_consultation(
    consultation_id: UUID,
    runtime: RuntimeDep,
    calendar: CalendarDep,
    principal: PrincipalDep,
    body: ConsultationCloseCreate | None = None,
) -> ConsultationPublic:
    command = Command(consultation_id, principal, body or ConsultationCloseCreate())
    return await perform(runtime, calendar, handlers.close_consultation, command, handlers.consultation_of)


@router.post(
    "/consultations/{consultation_id}/adoption-report",
    status_code=201,
    tags=["admin"],
    summary="Compile the adoption report of a closed consultation and send it to review",
    responses=errors(401, 403, 404, conflict="the consultation is open, or a comment has no decision yet"),
)
async def compile_adoption_report(
    consultation_id: UUID,
    runtime: RuntimeDep,
    settings: SettingsDep,
    calendar: CalendarDep,
    principal: PrincipalDep,
) -> ReviewPublic:
    compiling = partial(adoption.compile_report, rules=settings.review_rules())

    async def queued(uow: PublishingUnitOfWork, _: list[Envelope]) -> ReviewPublic:
        return await adoption.queued_report(uow, consultation_id)

    return await perform(runtime, calendar, compiling, Command(consultation_id, principal, None), queued)


@router.get(
    "/consultations/{consultation_id}/adoption-report",
    tags=["public"],
    summary="The published adoption report: counts and each comment's decision and reason",
    responses=errors(404),
)
async def get_adoption_report(consultation_id: UUID, runtime: RuntimeDep) -> AdoptionReport:
    return await adoption.published_report(runtime, consultation_id)


@router.get(
    "/consultations/{consultation_id}/adoption-report.csv",
    tags=["public"],
    summary="The published adoption report's table as CSV",
    response_class=Response,
    responses=CSV | errors(404),
)
async def get_adoption_report_csv(consultation_id: UUID, runtime: RuntimeDep) -> Response:
    report = await adoption.published_report(runtime, consultation_id)
    return Response(
        adoption.report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="adoption-report-{consultation_id}.csv"'},
    )


@router.get(
    "/reviews",
    tags=["reviewers"],
    summary="Items waiting for review (三审), masked, with their manifest",
    responses=errors(401, 403),
)
async def list_reviews(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    status: ReviewStatus = ReviewStatus.PENDING,
) -> list[ReviewPublic]:
    return await review_queue.list_reviews(runtime, principal, status=status, rules=settings.review_rules())


@router.post(
    "/reviews/{review_id}/approve",
    tags=["reviewers"],
    summary="Approve (optionally releasing suspected names and masking more); published once enough "
    "distinct reviewers approved",
    responses=REVIEW_DECISION | errors(validation_error="a suspect id the item does not have"),
)
async def approve_review(
    review_id: UUID,
    runtime: RuntimeDep,
    settings: SettingsDep,
    calendar: CalendarDep,
    principal: PrincipalDep,
    body: ReviewDecisionCreate | None = None,
) -> ReviewPublic:
    rules = settings.review_rules()
    approving = partial(review_queue.approve, rules=rules)
    command = Command(review_id, principal, body or ReviewDecisionCreate())
    return await perform(runtime, calendar, approving, command, _reviewed(review_id, rules))


def _reviewed(
    review_id: UUID, rules: ReviewRules
) -> Callable[[PublishingUnitOfWork, list[Envelope]], Awaitable[ReviewPublic]]:
    async def answer(uow: PublishingUnitOfWork, _: list[Envelope]) -> ReviewPublic:
        return await review_queue.reviewed(uow, review_id, rules)

    return answer


@router.post(
    "/reviews/{review_id}/reject",
    tags=["reviewers"],
    summary="Reject with a reason: it goes back, nothing is published",
    responses=REVIEW_DECISION,
)
async def reject_review(
    review_id: UUID,
    body: ReviewRejectionCreate,
    runtime: RuntimeDep,
    settings: SettingsDep,
    calendar: CalendarDep,
    principal: PrincipalDep,
) -> ReviewPublic:
    rules = settings.review_rules()
    rejecting = partial(review_queue.reject, rules=rules)
    command = Command(review_id, principal, body)
    return await perform(runtime, calendar, rejecting, command, _reviewed(review_id, rules))


@router.post(
    "/reviews/{review_id}/withdraw",
    tags=["reviewers"],
    summary="Withdraw a published item (撤回) with a reason: gone from the pages, the API and the feeds",
    responses=errors(401, 403, 404, conflict="not published (or withdrawn already), or a newer version is"),
)
async def withdraw_review(
    review_id: UUID,
    body: WithdrawalCreate,
    runtime: RuntimeDep,
    settings: SettingsDep,
    calendar: CalendarDep,
    principal: PrincipalDep,
) -> ReviewPublic:
    rules = settings.review_rules()
    withdrawing = partial(review_queue.withdraw, rules=rules)
    command = Command(review_id, principal, body)
    return await perform(runtime, calendar, withdrawing, command, _reviewed(review_id, rules))


Year = Annotated[int, Path(ge=2000, le=2100)]


def default_period(
    period_from: Annotated[
        BoundedDate | None, Query(alias="from", description="Received on or after; default 1 January.")
    ] = None,
    period_to: Annotated[
        BoundedDate | None, Query(alias="to", description="Received on or before; default today.")
    ] = None,
) -> tuple[date, date]:
    end = period_to or today()
    return period_from or date(end.year, 1, 1), end


PeriodDep = Annotated[tuple[date, date], Depends(default_period)]


@router.get(
    "/stats",
    tags=["public"],
    summary="Handling statistics per channel and department for a period",
    responses=errors(validation_error="a period that starts after it ends, or longer than five years"),
)
async def get_public_stats(period: PeriodDep, runtime: RuntimeDep, calendar: CalendarDep) -> PublicStats:
    return await records.public_stats(runtime, calendar, period_from=period[0], period_to=period[1])


@router.get(
    "/reports/disclosure/{year}",
    tags=["public"],
    summary="The annual disclosure report: tables three and four (政府信息公开工作年度报告)",
)
async def get_disclosure_report(year: Year, runtime: RuntimeDep) -> dict[str, object]:
    return (await records.annual_report(runtime.database, year)).to_dict()


@router.get(
    "/reports/disclosure/{year}/excluded",
    tags=["admin"],
    summary="Records the annual report could not place and left out, with why (admins)",
    responses=errors(401, 403),
)
async def list_excluded_records(
    year: Year, runtime: RuntimeDep, principal: PrincipalDep
) -> list[ExcludedRecordPublic]:
    return [
        ExcludedRecordPublic(case_id=r.case_id, problem=r.problem)
        for r in await records.excluded_records(runtime, year, principal)
    ]


@router.get(
    "/reports/disclosure/{year}/table-{table}.csv",
    tags=["public"],
    summary="Table three or four of the annual report as CSV",
    response_class=Response,
    responses=CSV,
)
async def get_disclosure_report_table_csv(
    year: Year, table: Annotated[int, Path(ge=3, le=4)], runtime: RuntimeDep
) -> Response:
    report = await records.annual_report(runtime.database, year)
    text = (
        render_table_three_csv(report.table_three) if table == 3 else render_table_four_csv(report.table_four)
    )
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="disclosure-report-{year}-table-{table}.csv"'},
    )


@router.post(
    "/reports/appeals",
    status_code=201,
    tags=["admin"],
    summary="Record an administrative reconsideration or lawsuit (table four)",
    responses=errors(
        401,
        403,
        conflict="recorded already (the same request and kind pending, or filed the same day): record its "
        "decision on it",
        validation_error="a decision date before the filing, or one that does not fit the result",
    ),
)
async def record_appeal(body: AppealCreate, runtime: RuntimeDep, principal: PrincipalDep) -> AppealPublic:
    return await records.record_appeal(runtime, body, principal)


@router.post(
    "/reports/appeals/{appeal_id}/decision",
    tags=["admin"],
    summary="Record the result of a pending appeal: its row of table four is updated, never a second one",
    responses=errors(
        401, 403, 404, conflict="already decided", validation_error="a decision date before the filing"
    ),
)
async def decide_appeal(
    appeal_id: UUID, body: AppealDecisionCreate, runtime: RuntimeDep, principal: PrincipalDep
) -> AppealPublic:
    return await records.decide_appeal(runtime, appeal_id, body, principal)


@router.get(
    "/feeds/replies.atom",
    tags=["public"],
    summary="Atom feed of published replies",
    response_class=Response,
    responses=ATOM,
)
async def get_replies_feed(runtime: RuntimeDep, settings: SettingsDep) -> Response:
    page = await handlers.list_replies(runtime, limit=50, offset=0)
    base = settings.public_base_url.rstrip("/")
    entries = [
        FeedEntry(
            id=f"urn:uuid:{item.id}",
            title=item.subject,
            updated=item.published_at,
            link=f"{base}/open/replies/{item.id}",
            summary=item.reply,
        )
        for item in page.items
    ]
    return _atom("已公开的答复", f"{base}/open/feeds/replies.atom", entries)


@router.get(
    "/feeds/adoption-reports.atom",
    tags=["public"],
    summary="Atom feed of published adoption reports",
    response_class=Response,
    responses=ATOM,
)
async def get_adoption_reports_feed(runtime: RuntimeDep, settings: SettingsDep) -> Response:
    base = settings.public_base_url.rstrip("/")
    entries = [
        FeedEntry(
            id=f"urn:uuid:{report.consultation_id}",
            title=f"《{report.title}》意见采纳情况",
            updated=report.published_at or datetime.now(UTC),
            link=f"{base}/open/consultations/{report.consultation_id}/adoption-report",
            summary=report.summary,
        )
        for report in await adoption.published_reports(runtime)
    ]
    return _atom("意见采纳情况", f"{base}/open/feeds/adoption-reports.atom", entries)


def _atom(title: str, self_url: str, entries: list[FeedEntry]) -> Response:
    updated = max((e.updated for e in entries), default=datetime(2025, 1, 1, tzinfo=UTC))
    body = atom_feed(title=title, feed_id=self_url, self_url=self_url, updated=updated, entries=entries)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get(
    "/proactive-candidates",
    tags=["admin"],
    summary="Disclosure requests from several applicants for similar information (依申请公开转主动公开)",
    responses=errors(401, 403),
)
async def list_proactive_candidates(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    min_applicants: Annotated[int, Query(ge=2, le=100)] = 3,
    window_days: Annotated[int, Query(ge=1, le=3660)] = 180,
    threshold: Annotated[float, Query(gt=0, le=1)] = 0.5,
    since: Annotated[BoundedDate | None, Query()] = None,
) -> list[CandidatePublic]:
    return await records.proactive_candidates(
        runtime,
        principal,
        min_applicants=min_applicants,
        window_days=window_days,
        threshold=threshold,
        since=since,
    )
