"""A comment's events and its consultation's travel on two topics, which tracking reads apart: the
clocks and ledgers must come out the same in every order the two can interleave — a replay reads by
time, the live service in whatever order the batches come."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any
from uuid import uuid4

from sqlmodel import col, select

from services.tracking import handlers
from services.tracking.clock_book import SqlClockBook, TrackingUnitOfWork
from services.tracking.config import TrackingSettings
from services.tracking.db import SCHEMA, Clock, ClockLedgerEntry
from shared.calendar_data import default_calendar
from shared.codes import Adoption
from shared.db import Database
from shared.events import (
    AdoptionReportPublished,
    CaseReplied,
    ConsultationClosed,
    Envelope,
    EventPayload,
    SubmissionReceived,
    new_event,
)
from shared.uow import Delivered
from tests.support import events as support

Snapshot = tuple[list[dict[str, Any]], list[tuple[Any, ...]]]


async def _apply_in_order(url: str, order: list[tuple[Envelope, EventPayload]]) -> Snapshot:
    database = Database(url, SCHEMA.tables)
    await database.create_schema()
    calendar, rules = default_calendar(), TrackingSettings().clock_rules
    try:
        for envelope, payload in order:
            async with database.transaction() as session:
                uow = TrackingUnitOfWork(SqlClockBook(session), calendar)
                if isinstance(payload, ConsultationClosed):
                    await handlers.on_consultation_closed(Delivered(envelope, payload), uow, rules=rules)
                elif isinstance(payload, AdoptionReportPublished):
                    await handlers.on_adoption_report_published(Delivered(envelope, payload), uow)
                elif isinstance(payload, CaseReplied):
                    await handlers.on_case_replied(Delivered(envelope, payload), uow)
                else:
                    assert isinstance(payload, SubmissionReceived)
                    await handlers.on_submission_received(Delivered(envelope, payload), uow, rules=rules)
        async with database.session() as session:
            clocks = (await session.exec(select(Clock).order_by(col(Clock.case_id), col(Clock.kind)))).all()
            kinds = {clock.id: (clock.case_id, clock.kind) for clock in clocks}
            ledger = (
                await session.exec(
                    select(ClockLedgerEntry).order_by(col(ClockLedgerEntry.at), col(ClockLedgerEntry.id))
                )
            ).all()
        return (
            [clock.model_dump(exclude={"id"}) for clock in clocks],
            sorted(
                (
                    kinds[entry.clock_id],
                    entry.at,
                    entry.cause,
                    entry.event_id,
                    entry.old_due_date,
                    entry.new_due_date,
                    entry.note,
                )
                for entry in ledger
            ),
        )
    finally:
        await database.dispose()


def _interleavings(first: list[int], second: list[int]) -> list[list[int]]:
    """Every merge of the two sequences that keeps each one's own order (a topic keeps its order)."""
    n = len(first) + len(second)
    merged = []
    for slots in itertools.combinations(range(n), len(first)):
        a, b = iter(first), iter(second)
        merged.append([next(a) if i in slots else next(b) for i in range(n)])
    return merged


async def test_a_comments_clocks_do_not_depend_on_which_topic_is_read_first(tmp_path: object) -> None:
    consultation_id = uuid4()
    comment = support.comment(consultation_id, on=date(2026, 12, 1), closes_on=date(2027, 1, 1))
    events: list[EventPayload] = [
        comment,  # 0: case-events, first the comment
        support.replied(comment, "采纳", on=date(2026, 12, 2), adoption=Adoption.ADOPTED),  # 1: its decision
        ConsultationClosed(consultation_id=consultation_id, closed_on=date(2026, 12, 2)),  # 2: closed early
        AdoptionReportPublished(  # 3: consultation-events, after the close
            consultation_id=consultation_id, received=1, adopted=1, partially_adopted=0, not_adopted=0
        ),
    ]
    envelopes = [(new_event(payload, source="/tests"), payload) for payload in events]
    outcomes: dict[tuple[int, ...], Snapshot] = {}
    for number, order in enumerate(_interleavings([0, 1], [2, 3])):
        url = f"sqlite+aiosqlite:///{tmp_path}/order{number}.db"
        outcomes[tuple(order)] = await _apply_in_order(url, [envelopes[i] for i in order])
    by_time = outcomes[(0, 1, 2, 3)]
    assert len(outcomes) == 6
    for read, outcome in outcomes.items():
        assert outcome == by_time, f"read in the order {read}, the clocks differ"
    clocks = {row["case_id"]: row for row in by_time[0] if row["kind"] == "adoption_report"}
    moved = clocks[str(comment.case_id)]
    assert (moved["start_date"], moved["state"]) == (date(2026, 12, 2), "stopped"), "counted from the close"
