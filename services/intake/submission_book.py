"""Intake's submission book (收件登记): each submission as accepted, its case's key, and the first
receipt of each request sent with an Idempotency-Key.

`SubmissionBook` is what accepting a submission (`services.intake.handlers.accept`) may do with stored
state; `SqlSubmissionBook` does it in one transaction of intake's database (a group of them: the
group commit). The use-case tests use a fake in memory (`tests/intake/usecases`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.db import IdempotencyRecord, RecoveryAddress, Submission
from shared.events import CaseKeyIssued
from shared.keyring import Keyring

__all__ = ["SqlSubmissionBook", "SubmissionBook"]


class SubmissionBook(Protocol):
    async def add(self, row: Submission | IdempotencyRecord | RecoveryAddress) -> None: ...

    async def earlier(self, record_id: str, *, kept_since: datetime) -> IdempotencyRecord | None:
        """The first answer to a request with this (hashed) key, if kept since ``kept_since``; the
        records older than that are forgotten."""
        ...

    async def issue_key(self, case_id: UUID) -> CaseKeyIssued:
        """A new case's data key (`shared.keyring`), stored with the case; the event sends it on."""
        ...


class SqlSubmissionBook:
    def __init__(self, session: AsyncSession, keyring: Keyring | None) -> None:
        self._session = session
        self._keyring = keyring

    async def add(self, row: Submission | IdempotencyRecord | RecoveryAddress) -> None:
        self._session.add(row)

    async def earlier(self, record_id: str, *, kept_since: datetime) -> IdempotencyRecord | None:
        await self._session.exec(
            delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < kept_since)
        )
        return await self._session.get(IdempotencyRecord, record_id)

    async def issue_key(self, case_id: UUID) -> CaseKeyIssued:
        assert self._keyring is not None, "intake runs with a keyring"
        return self._keyring.issue(self._session, case_id)
