"""The review queue (三审): enqueue what is to be public, and reviewers' decisions.

Nothing reaches the public tables except through :func:`approve` reaching the required number of
distinct reviewers. A rejection sends an event back: ``review.rejected`` (a reply, to its department)
or ``adoption_report.rejected`` (a report, to the office that compiled it).
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlmodel import col, select

from services.publishing.db import PublishedAdoptionReport, PublishedReply, ReviewDecision, ReviewItem
from services.publishing.redaction import Source, redact
from services.publishing.review import ReviewStatus, mask_more, tally
from services.publishing.review_book import ReviewBook, SqlReviewBook
from services.publishing.schemas import (
    ReviewDecisionCreate,
    ReviewPublic,
    ReviewRejectionCreate,
    SuspectPublic,
)
from services.publishing.unit_of_work import PublishingUnitOfWork
from shared.auth import Principal, require_roles
from shared.codes import Role
from shared.dates import local_date
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events import (
    AdoptionReportPublished,
    AdoptionReportRejected,
    CasePublished,
    EventPayload,
    ReviewRejected,
)
from shared.runtime import ServiceRuntime
from shared.uow import Command

REPLY = "reply"
ADOPTION_REPORT = "adoption_report"


async def enqueue(
    reviews: ReviewBook,
    *,
    kind: str,
    subject_id: str,
    title: str,
    content: dict[str, Any],
    source: Source,
    officials: Collection[str],
    required: int,
    department: tuple[str | None, str | None] = (None, None),
) -> ReviewItem:
    """Queue a new version for review, its ``content`` masked from ``source``; a version still pending
    for the same subject is superseded."""
    for old in await reviews.pending(kind, subject_id):
        old.status, old.decided_at, old.source = ReviewStatus.SUPERSEDED.value, datetime.now(UTC), None
        await reviews.keep(old)
    item = ReviewItem(
        id=str(uuid4()),
        kind=kind,
        subject_id=subject_id,
        title=title,
        department_id=department[0],
        department_name=department[1],
        content=content,
        manifest=[],
        required=required,
        status=ReviewStatus.PENDING.value,
        created_at=datetime.now(UTC),
    )
    _mask(item, source, officials)
    await reviews.keep(item)
    return item


def _mask(item: ReviewItem, source: Source, officials: Collection[str]) -> None:
    """Mask the item's content from ``source`` (again), keep the source and its suspects with it."""
    redacted = redact(source, officials=officials)
    content = copy.deepcopy(item.content)
    for key, text in redacted.texts.items():
        _put(content, key, text)
    item.content, item.manifest = content, redacted.manifest
    if item.kind == REPLY:
        item.title = content["subject"]
    item.source = {
        **source.to_json(),
        "suspects": [
            {
                "id": s.id,
                "masked": s.masked,
                "fields": list(s.fields),
                "context": s.context,
                "released": s.released,
                "name": s.name,
            }
            for s in redacted.suspects
        ],
    }


def _put(content: dict[str, Any], key: str, text: str) -> None:
    """Set ``content`` at ``key``: ``question``, or ``comments.2.content`` (a row of a list)."""
    *path, last = key.split(".")
    target: Any = content
    for step in path:
        target = target[int(step)] if isinstance(target, list) else target[step]
    target[last] = text


def review_public(item: ReviewItem, decisions: list[ReviewDecision]) -> ReviewPublic:
    approvers = [d.reviewer for d in decisions if d.decision == "approve"]
    count = tally(approvers, item.required)
    return ReviewPublic(
        id=item.id,
        kind=item.kind,
        subject_id=item.subject_id,
        title=item.title,
        department=item.department_name,
        status=ReviewStatus(item.status),
        content=item.content,
        manifest=item.manifest,
        required=item.required,
        approvals=count.approvals,
        approved_by=[d.reviewer_name for d in decisions if d.decision == "approve"],
        reason=item.reason,
        created_at=item.created_at,
        suspects=[
            SuspectPublic(**{k: v for k, v in suspect.items() if k != "name"})
            for suspect in (item.source or {}).get("suspects", [])
        ],
    )


async def list_reviews(
    runtime: ServiceRuntime, principal: Principal, *, status: ReviewStatus
) -> list[ReviewPublic]:
    require_roles(principal, Role.REVIEWER)
    async with runtime.database.session() as session:
        items = (
            await session.exec(
                select(ReviewItem)
                .where(ReviewItem.status == status.value)
                .order_by(col(ReviewItem.created_at))
            )
        ).all()
        reviews = SqlReviewBook(session)
        return [review_public(item, await reviews.decisions(item.id)) for item in items]


async def review_item(
    runtime: ServiceRuntime, principal: Principal, review_id: UUID
) -> tuple[ReviewPublic, str | None]:
    """One item as a reviewer sees it, and this reviewer's decision on it so far (approve, reject)."""
    require_roles(principal, Role.REVIEWER)
    async with runtime.database.session() as session:
        reviews = SqlReviewBook(session)
        item = await reviews.item(str(review_id))
        if item is None:
            raise NotFound(f"no review item {review_id}")
        decisions = await reviews.decisions(item.id)
    mine = next((d.decision for d in decisions if d.reviewer == principal.sub), None)
    return review_public(item, decisions), mine


async def _pending(reviews: ReviewBook, review_id: UUID | None) -> ReviewItem:
    """The item, held until the decision commits (`ReviewBook.item`), if it still waits for review."""
    item = await reviews.item(review_id or "", for_change=True)
    if item is None:
        raise NotFound(f"no review item {review_id}")
    if item.status != ReviewStatus.PENDING.value:
        raise Conflict(f"this item is {item.status}, not waiting for review")
    return item


async def _decide(
    reviews: ReviewBook, item: ReviewItem, by: Principal, decision: str, reason: str | None, masked: int
) -> None:
    first = await reviews.decide(
        ReviewDecision(
            review_id=item.id,
            reviewer=by.sub,
            reviewer_name=by.name,
            decision=decision,
            reason=reason,
            masked_more=masked,
            at=datetime.now(UTC),
        )
    )
    if not first:
        raise Conflict("you have already decided on this item; another reviewer must")


async def approve(
    command: Command[ReviewDecisionCreate], uow: PublishingUnitOfWork, *, officials: Collection[str] = ()
) -> list[EventPayload]:
    """Count one approval (after releasing the suspects and masking the values the reviewer names);
    publish at the required count."""
    require_roles(command.by, Role.REVIEWER)
    body, reviews = command.body, uow.reviews
    item = await _pending(reviews, command.about)
    before = len(item.manifest)
    if item.source is not None:
        if body.mask or body.release:
            _mask(item, _decided_source(item.source, body), officials)
    elif body.mask:  # an item queued before release 0.3: masked as it was
        texts = {k: v for k, v in item.content.items() if isinstance(v, str)}
        texts, added = mask_more(texts, body.mask)
        item.content = {**item.content, **texts, **_mask_rows(item.content, body.mask)}
        item.manifest = [*item.manifest, *added]
    await reviews.keep(item)
    await _decide(reviews, item, command.by, "approve", None, max(0, len(item.manifest) - before))
    decisions = await reviews.decisions(item.id)
    if not tally([d.reviewer for d in decisions if d.decision == "approve"], item.required).publishable:
        return []
    item.status, item.decided_at = ReviewStatus.PUBLISHED.value, datetime.now(UTC)
    item.source = None  # published: only the masked form is kept
    await reviews.keep(item)
    return await _publish(reviews, item)


def _decided_source(kept: dict[str, Any], body: ReviewDecisionCreate) -> Source:
    """The item's source with this reviewer's releases and masks added (ids checked)."""
    by_id = {suspect["id"]: suspect["name"] for suspect in kept.get("suspects", [])}
    unknown = sorted(set(body.release) - set(by_id))
    if unknown:
        raise InvalidInput("release", f"no suspected name {', '.join(unknown)} in this item")
    source = Source.from_json(kept)
    return replace(
        source,
        released=tuple(dict.fromkeys([*source.released, *(by_id[i] for i in body.release)])),
        reviewer=tuple(dict.fromkeys([*source.reviewer, *(v.strip() for v in body.mask if v.strip())])),
    )


def _mask_rows(content: dict[str, Any], values: list[str]) -> dict[str, Any]:
    """An adoption report's table rows are masked like its texts."""
    rows = content.get("comments")
    if not isinstance(rows, list):
        return {}
    masked_rows = []
    for row in rows:
        texts = {k: v for k, v in row.items() if isinstance(v, str)}
        texts, _ = mask_more(texts, values)
        masked_rows.append({**row, **texts})
    return {"comments": masked_rows}


async def reject(command: Command[ReviewRejectionCreate], uow: PublishingUnitOfWork) -> list[EventPayload]:
    """One rejection, with its reason, sends the item back; nothing of it is published."""
    require_roles(command.by, Role.REVIEWER)
    reason, reviews = command.body.reason, uow.reviews
    item = await _pending(reviews, command.about)
    await _decide(reviews, item, command.by, "reject", reason, 0)
    item.status, item.decided_at, item.reason, item.source = (
        ReviewStatus.REJECTED.value,
        datetime.now(UTC),
        reason,
        None,
    )
    await reviews.keep(item)
    if item.kind == REPLY:
        return [
            ReviewRejected(
                case_id=UUID(item.subject_id),
                review_id=UUID(item.id),
                department_id=item.department_id,
                reviewer=command.by.name,
                reason=reason,
            )
        ]
    return [
        AdoptionReportRejected(
            consultation_id=UUID(item.subject_id),
            review_id=UUID(item.id),
            reviewer=command.by.name,
            reason=reason,
        )
    ]


async def reviewed(uow: PublishingUnitOfWork, review_id: UUID | None) -> ReviewPublic:
    """What the HTTP edge answers after a decision: the item as it now stands, with its decisions."""
    item = await uow.reviews.item(review_id or "")
    assert item is not None, "the item just decided"
    return review_public(item, await uow.reviews.decisions(item.id))


async def _publish(reviews: ReviewBook, item: ReviewItem) -> list[EventPayload]:
    now = datetime.now(UTC)
    content = item.content
    if item.kind == REPLY:
        row = await reviews.published_reply(item.subject_id) or PublishedReply(
            id=str(uuid4()),
            case_id=item.subject_id,
            mailbox=content["mailbox"],
            category=content["category"],
            subject="",
            question="",
            reply="",
            department="",
            received_on=date.fromisoformat(content["received_on"]),
            replied_on=date.fromisoformat(content["replied_on"]),
            published_at=now,
            manifest=[],
        )
        row.subject, row.question, row.reply = content["subject"], content["question"], content["reply"]
        row.department, row.replied_on = content["department"], date.fromisoformat(content["replied_on"])
        row.published_at, row.manifest = now, item.manifest
        await reviews.keep(row)
        return [
            CasePublished(
                case_id=UUID(item.subject_id), publication_id=UUID(row.id), published_on=local_date(now)
            )
        ]
    report = await reviews.published_report(item.subject_id) or PublishedAdoptionReport(
        consultation_id=item.subject_id, review_id=item.id, content={}, manifest=[], published_at=now
    )
    report.review_id, report.content, report.manifest, report.published_at = (
        item.id,
        content,
        item.manifest,
        now,
    )
    await reviews.keep(report)
    return [
        AdoptionReportPublished(
            consultation_id=UUID(item.subject_id),
            received=content["received"],
            adopted=content["adopted"],
            partially_adopted=content["partially_adopted"],
            not_adopted=content["not_adopted"],
        )
    ]
