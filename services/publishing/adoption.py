"""Adoption reports (意见采纳情况): compiled from the decisions on a closed consultation's comments,
reviewed like every public item, then published as JSON, a page and CSV."""

from __future__ import annotations

import csv
import io
from uuid import UUID

from sqlmodel import col, select

from services.publishing.db import PublishedAdoptionReport
from services.publishing.labels import DECISIONS
from services.publishing.masking import Known, mask_name
from services.publishing.redaction import Part, Source
from services.publishing.review import ReviewRules
from services.publishing.review_queue import ADOPTION_REPORT, enqueue, review_public
from services.publishing.schemas import AdoptionReport, AdoptionRow, MaskedItem, ReviewPublic
from services.publishing.unit_of_work import PublishingUnitOfWork
from shared.auth import require_roles
from shared.codes import Adoption, Role
from shared.errors import Conflict, NotFound
from shared.events import EventPayload
from shared.runtime import ServiceRuntime
from shared.text import spreadsheet_safe
from shared.uow import Command


def summary(received: int, adopted: int, partially: int, not_adopted: int) -> str:
    return f"收到意见{received}条，采纳{adopted}条，部分采纳{partially}条，未采纳{not_adopted}条"


async def compile_report(
    command: Command[None],
    uow: PublishingUnitOfWork,
    *,
    rules: ReviewRules,
) -> list[EventPayload]:
    """Build the report of a closed consultation whose every comment is decided and queue it, masked:
    each comment's text, clause and reason with what its case knows of the commenter, and any other
    name they mention unless a reviewer releases it. It is announced once reviewers publish it."""
    require_roles(command.by, Role.ADMIN)
    consultation_id = command.about
    # Held until the report is queued: of two admins compiling at once, the second waits, then
    # supersedes the first's version, so one version waits for review.
    consultation = await uow.sources.consultation(consultation_id or "", for_change=True)
    if consultation is None:
        raise NotFound(f"no consultation {consultation_id}")
    if consultation.status != "closed":
        raise Conflict("the consultation is still open: close it first")
    comments = await uow.sources.comments(consultation.id)
    undecided = [c for c in comments if c.adoption is None]
    if undecided:
        raise Conflict(f"{len(undecided)} of {len(comments)} comments have no adoption decision yet")
    rows: list[dict[str, object]] = []
    parts: dict[str, Part] = {}
    for index, comment in enumerate(comments):
        seq = index + 1
        known = Known.of_contact(
            comment.contact or ({"name": comment.commenter_name} if comment.commenter_name else None)
        )
        # the clause is free text on the form: scrubbed like the rest
        texts = {"content": comment.body, "reason": comment.reason, "clause": comment.clause}
        for field, text in texts.items():
            if text:
                parts[f"comments.{index}.{field}"] = Part(f"comments[{seq}].{field}", text, known=known)
        rows.append(
            {
                "seq": seq,
                "commenter": mask_name(comment.commenter_name) if comment.commenter_name else "匿名",
                "clause": comment.clause or None,
                "content": comment.body,
                "decision": comment.adoption,
                "reason": comment.reason or None,
            }
        )
    counts = {d: sum(1 for c in comments if c.adoption == d) for d in DECISIONS}
    content = {
        "title": consultation.title,
        "received": len(comments),
        "adopted": counts[Adoption.ADOPTED.value],
        "partially_adopted": counts[Adoption.PARTIALLY_ADOPTED.value],
        "not_adopted": counts[Adoption.NOT_ADOPTED.value],
        "comments": rows,
    }
    await enqueue(
        uow.reviews,
        kind=ADOPTION_REPORT,
        subject_id=consultation.id,
        title=f"《{consultation.title}》意见采纳情况",
        content=content,
        source=Source(parts),
        officials=rules.officials,
        required=len(rules.levels.names),
        levels=rules.levels.names,
        proofreading=rules.proofreading,
    )
    return []


async def queued_report(uow: PublishingUnitOfWork, consultation_id: UUID | None) -> ReviewPublic:
    """What the HTTP edge answers once a report is compiled: the version now waiting for review (the
    newest, should another be pending beside it)."""
    pending = await uow.reviews.pending(ADOPTION_REPORT, str(consultation_id))
    return review_public(max(pending, key=lambda item: item.created_at), [])


async def published_report(runtime: ServiceRuntime, consultation_id: UUID) -> AdoptionReport:
    async with runtime.database.session() as session:
        report = await session.get(PublishedAdoptionReport, str(consultation_id))
    if report is None:
        raise NotFound("no adoption report has been published for this consultation yet")
    return _report(report)


def _report(report: PublishedAdoptionReport) -> AdoptionReport:
    content = report.content
    return AdoptionReport(
        consultation_id=report.consultation_id,
        title=content["title"],
        received=content["received"],
        adopted=content["adopted"],
        partially_adopted=content["partially_adopted"],
        not_adopted=content["not_adopted"],
        summary=summary(
            content["received"], content["adopted"], content["partially_adopted"], content["not_adopted"]
        ),
        comments=[AdoptionRow.model_validate(row) for row in content["comments"]],
        published_at=report.published_at,
        masked=[MaskedItem(**entry) for entry in report.manifest],
    )


def report_csv(report: AdoptionReport) -> str:
    """The table as published: 序号, 反馈人, 条款, 意见内容, 是否采纳, 理由 (UTF-8 with BOM for Excel); a
    citizen's text that a spreadsheet would run as a formula is written as text."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["序号", "反馈人", "条款", "意见内容", "是否采纳", "理由"])
    for row in report.comments:
        cells = [
            row.seq,
            row.commenter,
            row.clause or "",
            row.content,
            DECISIONS[row.decision],
            row.reason or "",
        ]
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return out.getvalue()


async def published_reports(runtime: ServiceRuntime, *, limit: int = 50) -> list[AdoptionReport]:
    """The latest published adoption reports, newest first (for the feed and the index page)."""
    async with runtime.database.session() as session:
        rows = (
            await session.exec(
                select(PublishedAdoptionReport)
                .order_by(col(PublishedAdoptionReport.published_at).desc())
                .limit(limit)
            )
        ).all()
    return [_report(row) for row in rows]
