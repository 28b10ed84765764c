"""The public pages (政务公开): server-rendered pages in Chinese of what publishing has made public —
published replies (信箱答复选登), consultations and their adoption reports (意见采纳情况), handling
statistics (办理情况统计) and the annual disclosure report (政府信息公开工作年度报告).

Each route parses its query, calls the use case that answers it and renders what comes back; the rules
stay in the use cases, and the pages need no JavaScript. They show only what those use cases return,
which is reviewed and masked: no page reads a table of its own.

They live under ``/open`` (the front door's 政务公开 section; ``/`` leads there), beside the Atom
feeds and the CSV downloads the pages link to, so one prefix reaches the whole public side.

Input the JSON API would refuse with a JSON error gets a page in Chinese instead: an id, year or page
number that names nothing → 404; a search term or period the use case cannot take → 422 with the
message next to its field. Public pages may be kept by browsers and proxies for five minutes (a reply
published now shows within five); error pages are not kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from services.publishing import adoption, api, handlers, interviews, records, transcripts
from services.publishing.admin_pages import admin_pages
from services.publishing.annual_report import COLUMN_LABELS, COLUMNS
from services.publishing.api import CalendarDep
from services.publishing.interview_pages import interview_pages
from services.publishing.labels import (
    CHANNELS,
    CONSULTATION_STATES,
    DECISIONS,
    INTERVIEW_STATES,
    MASKED_KINDS,
)
from services.publishing.schemas import MaskedItem
from services.publishing.staff_pages import staff_pages
from shared.dates import cn_date, cn_datetime, today
from shared.errors import InvalidInput, NotFound
from shared.http import BASE_STYLESHEET, RuntimeDep, stylesheet

__all__ = ["pages"]

HERE = Path(__file__).resolve().parent
STYLESHEET = HERE / "static" / "public.css"

PAGE_SIZE = 20
MAX_PAGE = 100_000
MAX_QUERY_LENGTH = 100  # as GET /api/v1/replies
FIRST_YEAR, LAST_YEAR = 2000, 2100  # as GET /api/v1/reports/disclosure/{year}
REPORT_YEARS_LISTED = 4

PUBLIC_CACHE = "public, max-age=300"

OPEN = "/open"
pages = APIRouter()
public = APIRouter(prefix=OPEN)
templates = Jinja2Templates(directory=HERE / "templates")

TABLE_FOUR_GROUPS = (
    ("review", "行政复议", None),
    ("litigation_direct", "行政诉讼", "未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼", "复议后起诉"),
)
TABLE_FOUR_RESULTS = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)


# --- rendering ----------------------------------------------------------------------------------


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _masked_summary(items: list[MaskedItem]) -> str:
    """“姓名 2 处、手机号码 1 处” from a manifest: which kinds were masked, never the values."""
    counts: dict[str, int] = {}
    for item in items:
        label = MASKED_KINDS.get(item.kind, "个人信息")
        counts[label] = counts.get(label, 0) + 1
    return "、".join(f"{label} {count} 处" for label, count in counts.items())


templates.env.filters["cn_date"] = cn_date
templates.env.filters["cn_datetime"] = cn_datetime
templates.env.filters["percent"] = _percent
templates.env.filters["masked_summary"] = _masked_summary
templates.env.globals.update(
    channels=CHANNELS,
    decisions=DECISIONS,
    columns=COLUMNS,
    column_labels=COLUMN_LABELS,
    table_four_groups=TABLE_FOUR_GROUPS,
    table_four_results=TABLE_FOUR_RESULTS,
)


def _page(
    request: Request, template: str, context: Mapping[str, Any], status_code: int = 200
) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, dict(context), status_code=status_code)
    response.headers["Cache-Control"] = PUBLIC_CACHE if status_code == 200 else "no-store"
    return response


def _not_found(request: Request, title: str, message: str) -> HTMLResponse:
    return _page(request, "problem.html", {"title": title, "message": message}, 404)


def _uuid(raw: str) -> UUID | None:
    try:
        return UUID(raw)
    except ValueError:
        return None


def _consultation_state(status: str, opens_on: date, closes_on: date, day: date) -> str:
    if status == "closed":
        return "closed"
    if day < opens_on:
        return "upcoming"
    return "ended" if day > closes_on else "open"


# --- routes ---------------------------------------------------------------------------------------


@pages.get("/", include_in_schema=False)
async def to_the_public_pages() -> RedirectResponse:
    return RedirectResponse(f"{OPEN}/", status_code=308)


@public.get("/static/base.css")
async def base_stylesheet() -> FileResponse:
    return stylesheet(BASE_STYLESHEET)


@public.get("/static/public.css")
async def own_stylesheet() -> FileResponse:
    return stylesheet(STYLESHEET)


@public.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    this_year = today().year
    years = [this_year - n for n in range(REPORT_YEARS_LISTED)]
    return _page(request, "home.html", {"years": years, "this_year": this_year})


@public.get("/replies", response_class=HTMLResponse)
async def replies(
    request: Request,
    runtime: RuntimeDep,
    q: Annotated[str, Query()] = "",
    page: Annotated[str, Query()] = "1",
) -> HTMLResponse:
    q, page = q.strip(), page.strip() or "1"
    number = int(page) if page.isascii() and page.isdigit() and len(page) <= 6 else None
    if number is None or not 1 <= number <= MAX_PAGE:
        return _not_found(request, "没有这一页", "页码不正确，请从第一页开始浏览。")
    if len(q) > MAX_QUERY_LENGTH:
        context = {"q": q, "q_error": f"搜索词不能超过 {MAX_QUERY_LENGTH} 个字，请缩短后再搜索。"}
        return _page(request, "replies.html", context, 422)
    result = await handlers.list_replies(
        runtime, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE, q=q or None
    )
    if number > 1 and not result.items:
        return _not_found(request, "没有这一页", f"共 {result.total} 条答复，没有第 {number} 页。")
    pages_total = max(1, -(-result.total // PAGE_SIZE))
    return _page(
        request,
        "replies.html",
        {"q": q, "result": result, "page": number, "pages_total": pages_total},
    )


_NO_REPLY = ("没有找到这条答复", "您访问的答复不存在或尚未公开，请从“信箱答复选登”列表进入。")


@public.get("/replies/{reply_id}", response_class=HTMLResponse)
async def reply(request: Request, reply_id: str, runtime: RuntimeDep) -> HTMLResponse:
    parsed = _uuid(reply_id)
    if parsed is None:
        return _not_found(request, *_NO_REPLY)
    try:
        item = await handlers.reply_detail(runtime, parsed)
    except NotFound:
        return _not_found(request, *_NO_REPLY)
    return _page(request, "reply.html", {"reply": item})


@public.get("/consultations", response_class=HTMLResponse)
async def consultations(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    found = await handlers.list_consultations(runtime)
    # There cannot be more published reports than consultations: ask for all of them.
    reported = {
        report.consultation_id
        for report in await adoption.published_reports(runtime, limit=max(1, len(found)))
    }
    day = today()
    items = [
        {
            "consultation": consultation,
            "state": _consultation_state(
                consultation.status, consultation.opens_on, consultation.closes_on, day
            ),
            "reported": consultation.id in reported,
        }
        for consultation in found
    ]
    return _page(request, "consultations.html", {"items": items, "states": CONSULTATION_STATES})


_NO_REPORT = (
    "没有找到意见采纳情况",
    "这项意见征集不存在，或者意见采纳情况尚未公开。意见采纳情况经审核后公开，请稍后再来查看。",
)


@public.get("/consultations/{consultation_id}/adoption-report", response_class=HTMLResponse)
async def adoption_report(request: Request, consultation_id: str, runtime: RuntimeDep) -> HTMLResponse:
    parsed = _uuid(consultation_id)
    if parsed is None:
        return _not_found(request, *_NO_REPORT)
    try:
        report = await adoption.published_report(runtime, parsed)
    except NotFound:
        return _not_found(request, *_NO_REPORT)
    return _page(request, "adoption_report.html", {"report": report})


def _parse_date(raw: str | None, label: str, errors: dict[str, str]) -> date | None:
    if not raw or not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        errors[label] = "请按“年-月-日”填写日期，例如 2025-01-01"
        return None


@public.get("/stats", response_class=HTMLResponse)
async def stats(
    request: Request,
    runtime: RuntimeDep,
    calendar: CalendarDep,
    period_from: Annotated[str | None, Query(alias="from")] = None,
    period_to: Annotated[str | None, Query(alias="to")] = None,
) -> HTMLResponse:
    errors: dict[str, str] = {}
    start = _parse_date(period_from, "from", errors)
    end = _parse_date(period_to, "to", errors)
    values = {"from": (period_from or "").strip(), "to": (period_to or "").strip()}
    if errors:
        return _page(request, "stats.html", {"values": values, "errors": errors}, 422)
    end = end or today()
    start = start or date(end.year, 1, 1)
    values = {"from": start.isoformat(), "to": end.isoformat()}
    try:
        result = await records.public_stats(runtime, calendar, period_from=start, period_to=end)
    except InvalidInput as exc:
        fields = {str(detail["field"]) for detail in exc.details or []}
        if "from" in fields:
            errors["from"] = "开始日期不能晚于结束日期"
        if "to" in fields or not errors:
            errors["to"] = "统计期间最长五年，请缩短期间"
        return _page(request, "stats.html", {"values": values, "errors": errors}, 422)
    return _page(request, "stats.html", {"values": values, "errors": {}, "stats": result})


@public.get("/reports/disclosure/{year}", response_class=HTMLResponse)
async def disclosure_report(request: Request, year: str, runtime: RuntimeDep) -> HTMLResponse:
    number = int(year) if year.isascii() and year.isdigit() and len(year) == 4 else None
    if number is None or not FIRST_YEAR <= number <= LAST_YEAR:
        return _not_found(
            request,
            "没有这一年度的报告",
            f"年度报告按年份查看，年份为 {FIRST_YEAR}–{LAST_YEAR} 之间的四位数字，例如 {today().year - 1}。",
        )
    report = await records.annual_report(runtime.database, number)
    return _page(
        request,
        "disclosure_report.html",
        {
            "report": report,
            "year": number,
            "previous_year": number - 1 if number > FIRST_YEAR else None,
            "next_year": number + 1 if number < min(LAST_YEAR, today().year) else None,
            "in_progress": number >= today().year,
        },
    )


# --- online interviews (在线访谈): the interviews with their figures, and each published transcript ------


@public.get("/interviews", response_class=HTMLResponse)
async def interviews_page(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    found = await interviews.list_interviews(runtime)
    return _page(request, "interviews.html", {"interviews": found, "states": INTERVIEW_STATES})


_NO_TRANSCRIPT = (
    "没有找到访谈实录",
    "这场访谈不存在，或者访谈实录尚未公开。访谈实录经审核后公开，请稍后再来查看。",
)


@public.get("/interviews/{interview_id}", response_class=HTMLResponse)
async def transcript_page(request: Request, interview_id: str, runtime: RuntimeDep) -> HTMLResponse:
    parsed = _uuid(interview_id)
    if parsed is None:
        return _not_found(request, *_NO_TRANSCRIPT)
    try:
        transcript = await transcripts.published_transcript(runtime, parsed)
    except NotFound:
        return _not_found(request, *_NO_TRANSCRIPT)
    return _page(request, "transcript.html", {"transcript": transcript})


# --- what the pages link to: the feeds and the downloads, on the same prefix -------------------------

public.add_api_route("/feeds/replies.atom", api.get_replies_feed, methods=["GET"])
public.add_api_route("/feeds/adoption-reports.atom", api.get_adoption_reports_feed, methods=["GET"])
public.add_api_route(
    "/consultations/{consultation_id}/adoption-report.csv", api.get_adoption_report_csv, methods=["GET"]
)
public.add_api_route(
    "/reports/disclosure/{year}/table-{table}.csv", api.get_disclosure_report_table_csv, methods=["GET"]
)
pages.include_router(public)
pages.include_router(staff_pages)
pages.include_router(admin_pages)
pages.include_router(interview_pages)
