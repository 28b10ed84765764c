"""The review queue (三审三校): enqueue what is to be public, proofread it, and reviewers' decisions.

Nothing reaches the public tables except through :func:`approve` at the item's last review level,
each level approved in order by a different reviewer who holds it (`review.ReviewLevels`). Before the
first review, and again whenever a reviewer's masking changes the texts, the proofreading (三校,
`proofreading.proofread`) lists its findings beside the item. A rejection sends an event back:
``review.rejected`` (a reply, to its department) or ``adoption_report.rejected`` (a report, to the
office that compiled it). :func:`withdraw` takes a published item back off the public (撤回).
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlmodel import col, select

from services.publishing import transcripts
from services.publishing.db import (
    PublishedAdoptionReport,
    PublishedReply,
    ReviewDecision,
    ReviewItem,
    Withdrawal,
)
from services.publishing.proofreading import Proofreading, proofread
from services.publishing.redaction import Source, redact
from services.publishing.review import (
    ReviewRules,
    ReviewStatus,
    level_waiting,
    mask_more,
    may_withdraw,
    tally,
)
from services.publishing.review_book import ReviewBook, SqlReviewBook
from services.publishing.schemas import (
    FindingPublic,
    LevelPublic,
    ReviewDecisionCreate,
    ReviewPublic,
    ReviewRejectionCreate,
    SuspectPublic,
    WithdrawalCreate,
    WithdrawalPublic,
)
from services.publishing.unit_of_work import PublishingUnitOfWork
from shared.auth import Principal, require_roles
from shared.codes import Role
from shared.dates import local_date
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.events import (
    AdoptionReportPublished,
    AdoptionReportRejected,
    AdoptionReportWithdrawn,
    CasePublicationWithdrawn,
    CasePublished,
    EventPayload,
    ReviewRejected,
)
from shared.runtime import ServiceRuntime
from shared.uow import Command

REPLY = "reply"
ADOPTION_REPORT = "adoption_report"
INTERVIEW_TRANSCRIPT = transcripts.INTERVIEW_TRANSCRIPT


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
    levels: Sequence[str] | None = None,
    proofreading: Proofreading | None = None,
) -> ReviewItem:
    """Queue a new version for review, its ``content`` masked from ``source`` and proofread; a version
    still pending for the same subject is superseded. It passes ``levels`` in order (三审); without
    them, ``required`` distinct reviewers at the levels configured when they decide."""
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
        required=len(levels) if levels else required,
        status=ReviewStatus.PENDING.value,
        created_at=datetime.now(UTC),
        levels=list(levels) if levels else None,
    )
    _mask(item, source, officials, proofreading or Proofreading())
    await reviews.keep(item)
    return item


def _mask(item: ReviewItem, source: Source, officials: Collection[str], proofreading: Proofreading) -> None:
    """Mask the item's content from ``source`` (again), keep the source and its suspects with it, and
    proofread the masked texts (三校) — what would be published."""
    redacted = redact(source, officials=officials)
    labels = {key: part.label for key, part in source.parts.items()}
    texts = {"title": item.title} | {labels[key]: text for key, text in redacted.texts.items()}
    if item.kind == REPLY:
        texts.pop("title")  # a reply's title is its subject, proofread as such
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
    item.findings = [finding.to_json() for finding in proofread(texts, proofreading)]


def _put(content: dict[str, Any], key: str, text: str) -> None:
    """Set ``content`` at ``key``: ``question``, or ``comments.2.content`` (a row of a list)."""
    *path, last = key.split(".")
    target: Any = content
    for step in path:
        target = target[int(step)] if isinstance(target, list) else target[step]
    target[last] = text


def levels_of(item: ReviewItem, rules: ReviewRules) -> tuple[str, ...]:
    """The levels an item passes: its own since release 0.5; for one queued before, its ``required``
    count of the levels configured now — the first ones, ending with the last (终审), whose holders
    may publish; more than there are, the last again — so someone holds every level it waits for."""
    if item.levels:
        return tuple(item.levels)
    names, required = rules.levels.names, item.required
    if required <= len(names):
        return (*names[: required - 1], names[-1])
    return (*names, *(names[-1],) * (required - len(names)))


def review_public(
    item: ReviewItem,
    decisions: list[ReviewDecision],
    rules: ReviewRules | None = None,
    withdrawal: Withdrawal | None = None,
) -> ReviewPublic:
    approvals = [d for d in decisions if d.decision == "approve"]
    count = tally([d.reviewer for d in approvals], item.required)
    levels = levels_of(item, rules or ReviewRules())
    waiting = level_waiting(levels, count.approvals) if item.status == ReviewStatus.PENDING.value else None
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
        levels=[
            LevelPublic(
                name=name,
                state="approved" if n < len(approvals) else "waiting" if name == waiting else "ahead",
                reviewer=approvals[n].reviewer_name if n < len(approvals) else None,
            )
            for n, name in enumerate(levels)
        ],
        waiting_for=waiting,
        findings=[FindingPublic(**finding) for finding in item.findings or []],
        withdrawal=(
            WithdrawalPublic(by=withdrawal.by_name, at=withdrawal.at, reason=withdrawal.reason)
            if withdrawal is not None
            else None
        ),
    )


async def list_reviews(
    runtime: ServiceRuntime, principal: Principal, *, status: ReviewStatus, rules: ReviewRules | None = None
) -> list[ReviewPublic]:
    require_roles(principal, Role.REVIEWER, Role.ADMIN)
    async with runtime.database.session() as session:
        items = (
            await session.exec(
                select(ReviewItem)
                .where(ReviewItem.status == status.value)
                .order_by(col(ReviewItem.created_at))
            )
        ).all()
        reviews = SqlReviewBook(session)
        return [
            review_public(item, await reviews.decisions(item.id), rules, await reviews.withdrawal(item.id))
            for item in items
        ]


async def review_item(
    runtime: ServiceRuntime, principal: Principal, review_id: UUID, rules: ReviewRules | None = None
) -> tuple[ReviewPublic, str | None]:
    """One item as a reviewer (or an admin) sees it, and this person's decision on it so far."""
    require_roles(principal, Role.REVIEWER, Role.ADMIN)
    async with runtime.database.session() as session:
        reviews = SqlReviewBook(session)
        item = await reviews.item(str(review_id))
        if item is None:
            raise NotFound(f"no review item {review_id}")
        decisions = await reviews.decisions(item.id)
        withdrawal = await reviews.withdrawal(item.id)
    mine = next((d.decision for d in decisions if d.reviewer == principal.sub), None)
    return review_public(item, decisions, rules, withdrawal), mine


async def _pending(reviews: ReviewBook, review_id: UUID | None) -> ReviewItem:
    """The item, held until the decision commits (`ReviewBook.item`), if it still waits for review."""
    item = await reviews.item(review_id or "", for_change=True)
    if item is None:
        raise NotFound(f"no review item {review_id}")
    if item.status != ReviewStatus.PENDING.value:
        raise Conflict(f"this item is {item.status}, not waiting for review")
    return item


async def _level(reviews: ReviewBook, item: ReviewItem, by: Principal, rules: ReviewRules) -> str:
    """The level ``by`` decides now: the one the item waits for, which they must hold, and not decided
    by them at an earlier level (three different people)."""
    decisions = await reviews.decisions(item.id)
    if any(d.reviewer == by.sub for d in decisions):
        raise Conflict("you have already decided on this item; another reviewer must")
    approvals = sum(1 for d in decisions if d.decision == "approve")
    level = level_waiting(levels_of(item, rules), approvals)
    if level is None:  # every level approved but not published: cannot happen, the last approval publishes
        raise Conflict("every review level has approved this item")
    if not rules.levels.holds(by.sub, level):
        raise Forbidden(f"this item waits for {level}, a level you do not hold")
    return level


async def _decide(
    reviews: ReviewBook,
    item: ReviewItem,
    by: Principal,
    decision: tuple[str, str],
    reason: str | None,
    masked: int,
) -> None:
    """Record ``decision`` — (approve or reject, the level) — once per reviewer and item."""
    first = await reviews.decide(
        ReviewDecision(
            review_id=item.id,
            reviewer=by.sub,
            reviewer_name=by.name,
            decision=decision[0],
            reason=reason,
            masked_more=masked,
            at=datetime.now(UTC),
            level=decision[1],
        )
    )
    if not first:
        raise Conflict("you have already decided on this item; another reviewer must")


async def approve(
    command: Command[ReviewDecisionCreate], uow: PublishingUnitOfWork, *, rules: ReviewRules | None = None
) -> list[EventPayload]:
    """Approve the level the item waits for (after releasing the suspects and masking the values the
    reviewer names); publish once its last level approved."""
    require_roles(command.by, Role.REVIEWER)
    rules = rules or ReviewRules()
    body, reviews = command.body, uow.reviews
    item = await _pending(reviews, command.about)
    level = await _level(reviews, item, command.by, rules)
    before = len(item.manifest)
    if item.source is not None:
        if body.mask or body.release:
            _mask(item, _decided_source(item.source, body), rules.officials, rules.proofreading)
    elif body.mask:  # an item queued before release 0.3: masked as it was
        texts = {k: v for k, v in item.content.items() if isinstance(v, str)}
        texts, added = mask_more(texts, body.mask)
        item.content = {**item.content, **texts, **_mask_rows(item.content, body.mask)}
        item.manifest = [*item.manifest, *added]
    await reviews.keep(item)
    await _decide(reviews, item, command.by, ("approve", level), None, max(0, len(item.manifest) - before))
    decisions = await reviews.decisions(item.id)
    if not tally([d.reviewer for d in decisions if d.decision == "approve"], item.required).publishable:
        return []
    item.status, item.decided_at = ReviewStatus.PUBLISHED.value, datetime.now(UTC)
    item.source = None  # published: only the masked form is kept
    await reviews.keep(item)
    if item.kind == INTERVIEW_TRANSCRIPT:
        return await transcripts.published(uow, item)
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


async def reject(
    command: Command[ReviewRejectionCreate], uow: PublishingUnitOfWork, *, rules: ReviewRules | None = None
) -> list[EventPayload]:
    """One rejection, with its reason, at the level the item waits for, sends it back; nothing of it
    is published."""
    require_roles(command.by, Role.REVIEWER)
    reason, reviews = command.body.reason, uow.reviews
    item = await _pending(reviews, command.about)
    level = await _level(reviews, item, command.by, rules or ReviewRules())
    await _decide(reviews, item, command.by, ("reject", level), reason, 0)
    item.status, item.decided_at, item.reason, item.source = (
        ReviewStatus.REJECTED.value,
        datetime.now(UTC),
        reason,
        None,
    )
    await reviews.keep(item)
    if item.kind == INTERVIEW_TRANSCRIPT:
        return await transcripts.sent_back(uow, item)
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


async def reviewed(
    uow: PublishingUnitOfWork, review_id: UUID | None, rules: ReviewRules | None = None
) -> ReviewPublic:
    """What the HTTP edge answers after a decision: the item as it now stands, with its decisions."""
    item = await uow.reviews.item(review_id or "")
    assert item is not None, "the item just decided"
    decisions, withdrawal = await uow.reviews.decisions(item.id), await uow.reviews.withdrawal(item.id)
    return review_public(item, decisions, rules, withdrawal)


async def withdraw(
    command: Command[WithdrawalCreate], uow: PublishingUnitOfWork, *, rules: ReviewRules | None = None
) -> list[EventPayload]:
    """撤回: take a published item off the public — its row goes, so no page, API, CSV or feed reads it
    — recording who, when and why; its review item is marked ``retracted``. An admin or a holder of
    the last review level may; the same item once (409 after)."""
    rules, by, reviews = rules or ReviewRules(), command.by, uow.reviews
    if not may_withdraw(
        is_admin=by.has_any({Role.ADMIN}),
        reviewer=by.sub if by.has_any({Role.REVIEWER}) else None,
        levels=rules.levels,
    ):
        raise Forbidden(f"only an admin or a reviewer holding {rules.levels.last} may withdraw")
    item = await reviews.item(command.about or "", for_change=True)
    if item is None:
        raise NotFound(f"no review item {command.about}")
    if item.status != ReviewStatus.PUBLISHED.value:
        raise Conflict(f"this item is {item.status}, not published")
    # each kind says here where it is published
    if item.kind not in (REPLY, ADOPTION_REPORT, INTERVIEW_TRANSCRIPT):
        raise Conflict(f"a {item.kind} cannot be withdrawn here")
    latest = await reviews.latest_published(item.kind, item.subject_id)
    if latest is None or latest.id != item.id:
        raise Conflict("a newer version of this item is what is public now: withdraw that one")
    published = (
        await reviews.published_reply(item.subject_id)
        if item.kind == REPLY
        else await reviews.published_report(item.subject_id)
    )
    now = datetime.now(UTC)
    item.status = ReviewStatus.RETRACTED.value  # decided_at stays when it was published
    await reviews.keep(item)
    await reviews.keep(
        Withdrawal(
            review_id=item.id,
            kind=item.kind,
            subject_id=item.subject_id,
            title=item.title,
            reason=command.body.reason,
            by=by.sub,
            by_name=by.name,
            at=now,
        )
    )
    if item.kind == INTERVIEW_TRANSCRIPT:
        return await transcripts.withdrawn(uow, item)
    if published is None:
        return []  # no public row to take away: the withdrawal is recorded all the same
    await reviews.unpublish(published)
    if item.kind == REPLY:
        return [
            CasePublicationWithdrawn(
                case_id=UUID(item.subject_id), review_id=UUID(item.id), withdrawn_on=local_date(now)
            )
        ]
    return [
        AdoptionReportWithdrawn(
            consultation_id=UUID(item.subject_id), review_id=UUID(item.id), withdrawn_on=local_date(now)
        )
    ]


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
