"""Tracking's figures for Prometheus (`shared.metrics`): open and breached clocks by kind."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from services.tracking.db import Clock
from services.tracking.handlers import OPEN_STATES
from shared.codes import ClockKind, ClockState
from shared.runtime import ServiceRuntime

__all__ = ["count_clocks"]


def count_clocks(runtime: ServiceRuntime) -> None:
    """``civic_clocks_open`` (running, paused or breached) and ``civic_clocks_breached`` (past due, the red
    card sent, no answer yet), by clock kind, counted at each scrape."""
    open_clocks = runtime.metrics.gauge("civic_clocks_open", "Clocks not yet stopped, by kind", ["kind"])
    breached = runtime.metrics.gauge(
        "civic_clocks_breached", "Clocks past their due date with no answer yet (红牌), by kind", ["kind"]
    )

    async def clocks() -> None:
        async with runtime.database.session() as session:
            rows = (
                await session.exec(
                    select(Clock.kind, Clock.state, func.count())
                    .where(col(Clock.state).in_(OPEN_STATES))
                    .group_by(col(Clock.kind), col(Clock.state))
                )
            ).all()
        for kind in ClockKind:
            open_clocks.labels(kind=kind.value).set(sum(n for k, _, n in rows if k == kind))
            breached.labels(kind=kind.value).set(
                sum(n for k, state, n in rows if k == kind and state == ClockState.BREACHED)
            )

    runtime.metrics.on_scrape(clocks)
