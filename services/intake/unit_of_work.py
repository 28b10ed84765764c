"""Intake's unit of work: the view book (办理进度), the submission book (收件登记) and the
consultation book (征求意见) — what every intake use case works with, of the one shape `verb(event_or_command, uow) -> events` (`shared.uow`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.consultation_book import ConsultationBook, SqlConsultationBook
from services.intake.submission_book import SqlSubmissionBook, SubmissionBook
from services.intake.view_book import SqlViewBook, ViewBook
from shared.keyring import Keyring

__all__ = ["IntakeUnitOfWork", "intake_unit_of_work"]


@dataclass(frozen=True, slots=True)
class IntakeUnitOfWork:
    views: ViewBook
    submissions: SubmissionBook
    consultations: ConsultationBook


async def intake_unit_of_work(session: AsyncSession, keyring: Keyring | None = None) -> IntakeUnitOfWork:
    """The unit of work on ``session``'s transaction (``keyring``: the one accepting issues case keys with)."""
    return IntakeUnitOfWork(
        SqlViewBook(session), SqlSubmissionBook(session, keyring), SqlConsultationBook(session)
    )
