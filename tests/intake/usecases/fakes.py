"""Intake's books in memory: the fake unit of work of its use-case tier (no database, no broker)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from services.intake.db import ConsultationView, IdempotencyRecord, RecoveryAddress, Submission
from services.intake.domain import CitizenView
from services.intake.unit_of_work import IntakeUnitOfWork
from shared.events import CaseKeyIssued


class FakeViewBook:
    def __init__(self) -> None:
        self.views: dict[str, CitizenView] = {}
        self.kept_at: dict[str, datetime] = {}
        self.codes: dict[str, str] = {}
        """Each case's tracking hash → its id."""

    async def view(self, case_id: str) -> CitizenView | None:
        return self.views.get(case_id)

    async def keep(self, case_id: str, view: CitizenView, at: datetime) -> None:
        self.views[case_id] = view
        self.kept_at[case_id] = max(self.kept_at.get(case_id, at), at)

    async def by_code(self, tracking_hash: str) -> tuple[str, CitizenView] | None:
        case_id = self.codes.get(tracking_hash)
        return (case_id, self.views[case_id]) if case_id is not None else None

    async def claim_supplement(self, case_id: str) -> bool:
        view = self.views[case_id]
        if not view.supplement_pending:
            return False
        self.views[case_id] = replace(view, supplement_pending=False)
        return True

    async def claim_rating(self, case_id: str, replies: int) -> bool:
        view = self.views[case_id]
        if view.rated_reply >= replies:
            return False
        self.views[case_id] = replace(view, rated_reply=replies)
        return True


class FakeSubmissionBook:
    def __init__(self) -> None:
        self.submissions: dict[str, Submission] = {}
        self.records: dict[str, IdempotencyRecord] = {}
        self.keys: list[UUID] = []
        self.addresses: list[RecoveryAddress] = []

    async def add(self, row: Submission | IdempotencyRecord | RecoveryAddress) -> None:
        if isinstance(row, Submission):
            assert row.case_id not in self.submissions, "a case accepted twice"
            self.submissions[row.case_id] = row
        elif isinstance(row, RecoveryAddress):
            self.addresses.append(row)
        else:
            self.records[row.key] = row

    async def earlier(self, record_id: str, *, kept_since: datetime) -> IdempotencyRecord | None:
        self.records = {k: r for k, r in self.records.items() if r.created_at >= kept_since}
        return self.records.get(record_id)

    async def issue_key(self, case_id: UUID) -> CaseKeyIssued:
        self.keys.append(case_id)
        return CaseKeyIssued(case_id=case_id, wrapped_key="wrapped-" + str(case_id))


class FakeConsultationBook:
    def __init__(self, submissions: FakeSubmissionBook) -> None:
        self.rows: dict[str, ConsultationView] = {}
        self._submissions = submissions

    async def consultation(self, consultation_id: str) -> ConsultationView | None:
        return self.rows.get(consultation_id)

    async def keep(self, row: ConsultationView) -> None:
        self.rows[row.consultation_id] = row

    async def comments_since(self, moment: datetime) -> Sequence[Submission]:
        return [
            s
            for s in self._submissions.submissions.values()
            if s.channel == "consultation_comment" and s.received_at >= moment
        ]


def fake_intake() -> tuple[IntakeUnitOfWork, FakeViewBook, FakeSubmissionBook, FakeConsultationBook]:
    views, submissions = FakeViewBook(), FakeSubmissionBook()
    consultations = FakeConsultationBook(submissions)
    return IntakeUnitOfWork(views, submissions, consultations), views, submissions, consultations


def fake_unit_of_work() -> tuple[IntakeUnitOfWork, FakeViewBook]:
    uow, views, _, _ = fake_intake()
    return uow, views
