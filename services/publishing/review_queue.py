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
from sqlmodel.ext.asyncio.session import AsyncSession

from services.publishing.db import PublishedAdoptionReport, PublishedReply, ReviewDecision, ReviewItem
from services.publishing.redaction import Source, redact
from services.publishing.review import ReviewStatus, mask_more, tally
from services.publishing.schemas import (
    ReviewDecisionCreate,
    ReviewPublic,
    ReviewRejectionCreate,
    SuspectPublic,
)
from shared.auth import Principal, require_roles
from shared.codes import Role
from shared.dates import local_date
from shared.db import insert_ignoring_duplicates
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events import (
    AdoptionReportPublished,
    AdoptionReportRejected,
    CasePublished,
    EventPayload,
    ReviewRejected,
)
from shared.runtime import ServiceRuntime

REPLY = "reply"
ADOPTION_REPORT = "adoption_report"
DECISION_TABLE = ReviewDecision.__table__  # type: ignore[attr-defined]


async def enqueue(
    session: AsyncSession,
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
    pending = (
        await session.exec(
            select(ReviewItem).where(
                ReviewItem.kind == kind,
                ReviewItem.subject_id == subject_id,
                ReviewItem.status == ReviewStatus.PENDING.value,
            )
        )
    ).all()
    for old in pending:
        old.status, old.decided_at, old.source = ReviewStatus.SUPERSEDED.value, datetime.now(UTC), None
        session.add(old)
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
    session.add(item)
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


async def _decisions(session: AsyncSession, review_id: str) -> list[ReviewDecision]:
    return list(
        (
            await session.exec(
                select(ReviewDecision)
                .where(ReviewDecision.review_id == review_id)
                .order_by(col(ReviewDecision.at))
            )
        ).all()
    )


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
        return [review_public(item, await _decisions(session, item.id)) for item in items]


async def _pending(session: AsyncSession, review_id: UUID) -> ReviewItem:
    """The item, locked until the decision commits: of two reviewers deciding at once, the second
    waits and then reads what the first decided (and masked). On SQLite the unit of work holds the
    write lock from its start, to the same effect."""
    item = await session.get(ReviewItem, str(review_id), with_for_update=True)
    if item is None:
        raise NotFound(f"no review item {review_id}")
    if item.status != ReviewStatus.PENDING.value:
        raise Conflict(f"this item is {item.status}, not waiting for review")
    return item


async def _decide(
    session: AsyncSession,
    item: ReviewItem,
    principal: Principal,
    decision: str,
    reason: str | None,
    masked: int,
) -> None:
    first = await insert_ignoring_duplicates(
        session,
        DECISION_TABLE,
        {
            "review_id": item.id,
            "reviewer": principal.sub,
            "reviewer_name": principal.name,
            "decision": decision,
            "reason": reason,
            "masked_more": masked,
            "at": datetime.now(UTC),
        },
    )
    if not first:
        raise Conflict("you have already decided on this item; another reviewer must")


async def approve(
    runtime: ServiceRuntime,
    review_id: UUID,
    body: ReviewDecisionCreate,
    principal: Principal,
    *,
    officials: Collection[str] = (),
) -> ReviewPublic:
    """Count one approval (after releasing the suspects and masking the values the reviewer names);
    publish at the required count."""
    require_roles(principal, Role.REVIEWER)
    async with runtime.unit_of_work() as session:
        item = await _pending(session, review_id)
        before = len(item.manifest)
        if item.source is not None:
            if body.mask or body.release:
                _mask(item, _decided_source(item.source, body), officials)
        elif body.mask:  # an item queued before release 0.3: masked as it was
            texts = {k: v for k, v in item.content.items() if isinstance(v, str)}
            texts, added = mask_more(texts, body.mask)
            item.content = {**item.content, **texts, **_mask_rows(item.content, body.mask)}
            item.manifest = [*item.manifest, *added]
        session.add(item)
        await _decide(session, item, principal, "approve", None, max(0, len(item.manifest) - before))
        decisions = await _decisions(session, item.id)
        count = tally([d.reviewer for d in decisions if d.decision == "approve"], item.required)
        if count.publishable:
            item.status, item.decided_at = ReviewStatus.PUBLISHED.value, datetime.now(UTC)
            item.source = None  # published: only the masked form is kept
            session.add(item)
            await runtime.emit(session, await _publish(session, item))
        return review_public(item, decisions)


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


async def reject(
    runtime: ServiceRuntime, review_id: UUID, body: ReviewRejectionCreate, principal: Principal
) -> ReviewPublic:
    """One rejection, with its reason, sends the item back; nothing of it is published."""
    require_roles(principal, Role.REVIEWER)
    async with runtime.unit_of_work() as session:
        item = await _pending(session, review_id)
        await _decide(session, item, principal, "reject", body.reason, 0)
        item.status, item.decided_at, item.reason, item.source = (
            ReviewStatus.REJECTED.value,
            datetime.now(UTC),
            body.reason,
            None,
        )
        session.add(item)
        rejected: EventPayload
        if item.kind == REPLY:
            rejected = ReviewRejected(
                case_id=UUID(item.subject_id),
                review_id=UUID(item.id),
                department_id=item.department_id,
                reviewer=principal.name,
                reason=body.reason,
            )
        else:
            rejected = AdoptionReportRejected(
                consultation_id=UUID(item.subject_id),
                review_id=UUID(item.id),
                reviewer=principal.name,
                reason=body.reason,
            )
        await runtime.emit(session, [rejected])
        return review_public(item, await _decisions(session, item.id))


async def _publish(session: AsyncSession, item: ReviewItem) -> list[EventPayload]:
    now = datetime.now(UTC)
    content = item.content
    if item.kind == REPLY:
        row = (
            await session.exec(select(PublishedReply).where(PublishedReply.case_id == item.subject_id))
        ).first()
        row = row or PublishedReply(
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
        session.add(row)
        return [
            CasePublished(
                case_id=UUID(item.subject_id), publication_id=UUID(row.id), published_on=local_date(now)
            )
        ]
    report = await session.get(PublishedAdoptionReport, item.subject_id) or PublishedAdoptionReport(
        consultation_id=item.subject_id, review_id=item.id, content={}, manifest=[], published_at=now
    )
    report.review_id, report.content, report.manifest, report.published_at = (
        item.id,
        content,
        item.manifest,
        now,
    )
    session.add(report)
    return [
        AdoptionReportPublished(
            consultation_id=UUID(item.subject_id),
            received=content["received"],
            adopted=content["adopted"],
            partially_adopted=content["partially_adopted"],
            not_adopted=content["not_adopted"],
        )
    ]
