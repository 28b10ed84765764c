"""The review queue's book (审核台账): the items waiting for review and decided, each reviewer's
decision, what was published from them — a reply, an adoption report — and what was withdrawn.

`ReviewBook` is what the review use cases (`services.publishing.review_queue`) may do with them;
`SqlReviewBook` does it in one transaction of publishing's database. The use-case tests use a fake in
memory (`tests/publishing/usecases`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.publishing.db import (
    PublishedAdoptionReport,
    PublishedReply,
    ReviewDecision,
    ReviewItem,
    Withdrawal,
)
from services.publishing.review import ReviewStatus
from shared.db import insert_ignoring_duplicates

__all__ = ["ReviewBook", "SqlReviewBook"]

DECISION_TABLE = ReviewDecision.__table__  # type: ignore[attr-defined]


class ReviewBook(Protocol):
    async def item(self, review_id: UUID | str, *, for_change: bool = False) -> ReviewItem | None:
        """``for_change`` holds it until the unit of work ends: of two reviewers deciding at once, the
        second waits and then reads what the first decided (and masked). On SQLite the unit of work
        holds the write lock from its start, to the same effect."""
        ...

    async def pending(self, kind: str, subject_id: str) -> Sequence[ReviewItem]:
        """The versions of a subject still waiting for review."""
        ...

    async def keep(self, row: ReviewItem | PublishedReply | PublishedAdoptionReport | Withdrawal) -> None:
        """Keep a new or changed row."""
        ...

    async def unpublish(self, row: PublishedReply | PublishedAdoptionReport) -> None:
        """Take a published row away: nothing public reads it any more (撤回)."""
        ...

    async def withdrawal(self, review_id: str) -> Withdrawal | None:
        """The withdrawal of a published item, if it was withdrawn."""
        ...

    async def latest_published(self, kind: str, subject_id: str) -> ReviewItem | None:
        """The version of a subject published last (still published): the one the public sees."""
        ...

    async def decide(self, decision: ReviewDecision) -> bool:
        """Record one reviewer's decision; False if this reviewer had decided on the item already
        (even when two of their requests race)."""
        ...

    async def decisions(self, review_id: str) -> list[ReviewDecision]:
        """The item's decisions, oldest first."""
        ...

    async def published_reply(self, case_id: str) -> PublishedReply | None: ...

    async def published_report(self, consultation_id: str) -> PublishedAdoptionReport | None: ...


class SqlReviewBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def item(self, review_id: UUID | str, *, for_change: bool = False) -> ReviewItem | None:
        return await self._session.get(ReviewItem, str(review_id), with_for_update=for_change)

    async def pending(self, kind: str, subject_id: str) -> Sequence[ReviewItem]:
        query = select(ReviewItem).where(
            ReviewItem.kind == kind,
            ReviewItem.subject_id == subject_id,
            ReviewItem.status == ReviewStatus.PENDING.value,
        )
        return (await self._session.exec(query)).all()

    async def keep(self, row: ReviewItem | PublishedReply | PublishedAdoptionReport | Withdrawal) -> None:
        self._session.add(row)

    async def unpublish(self, row: PublishedReply | PublishedAdoptionReport) -> None:
        await self._session.delete(row)

    async def withdrawal(self, review_id: str) -> Withdrawal | None:
        return await self._session.get(Withdrawal, review_id)

    async def latest_published(self, kind: str, subject_id: str) -> ReviewItem | None:
        query = (
            select(ReviewItem)
            .where(
                ReviewItem.kind == kind,
                ReviewItem.subject_id == subject_id,
                ReviewItem.status == ReviewStatus.PUBLISHED.value,
            )
            .order_by(col(ReviewItem.decided_at).desc())
        )
        return (await self._session.exec(query)).first()

    async def decide(self, decision: ReviewDecision) -> bool:
        return await insert_ignoring_duplicates(self._session, DECISION_TABLE, decision.model_dump())

    async def decisions(self, review_id: str) -> list[ReviewDecision]:
        query = (
            select(ReviewDecision)
            .where(ReviewDecision.review_id == review_id)
            .order_by(col(ReviewDecision.at))
        )
        return list((await self._session.exec(query)).all())

    async def published_reply(self, case_id: str) -> PublishedReply | None:
        query = select(PublishedReply).where(PublishedReply.case_id == case_id)
        return (await self._session.exec(query)).first()

    async def published_report(self, consultation_id: str) -> PublishedAdoptionReport | None:
        return await self._session.get(PublishedAdoptionReport, consultation_id)
