"""Publishing's figures for Prometheus (`shared.metrics`): the review queue (公开审核) by kind."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from services.publishing.db import ReviewItem
from services.publishing.review import ReviewStatus
from services.publishing.review_queue import ADOPTION_REPORT, INTERVIEW_TRANSCRIPT, REPLY
from shared.runtime import ServiceRuntime

__all__ = ["count_review_queue"]

KINDS = (REPLY, ADOPTION_REPORT, INTERVIEW_TRANSCRIPT)


def count_review_queue(runtime: ServiceRuntime) -> None:
    """``civic_review_queue_length``: items waiting for their reviewers, by kind, counted at each scrape."""
    queue = runtime.metrics.gauge(
        "civic_review_queue_length",
        "Items masked and waiting for review before publication, by kind",
        ["kind"],
    )

    async def review_queue() -> None:
        async with runtime.database.session() as session:
            rows = (
                await session.exec(
                    select(ReviewItem.kind, func.count())
                    .where(ReviewItem.status == ReviewStatus.PENDING.value)
                    .group_by(col(ReviewItem.kind))
                )
            ).all()
        waiting = dict(rows)
        for kind in {*KINDS, *waiting}:
            queue.labels(kind=kind).set(waiting.get(kind, 0))

    runtime.metrics.on_scrape(review_queue)
