"""Intake's part of the online interviews (在线访谈) on books in memory: a question accepted like a
comment — a tracking code, ``submission.received`` of its own channel; the interviews kept as
publishing announces them; and each asker's case concluded once the transcript is published —
answered, or not selected."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID, uuid4

from services.intake.db import InterviewView, Submission
from services.intake.domain import received_view
from services.intake.handlers import Draft, Registration, Submit, accept
from services.intake.interview_book import InterviewUnitOfWork
from services.intake.interview_rules import question_refusal
from services.intake.questions import on_interview_closed, on_interview_scheduled, on_transcript_published
from services.intake.unit_of_work import IntakeUnitOfWork
from shared.codes import Channel
from shared.events import (
    Contact,
    EventPayload,
    InterviewClosed,
    InterviewQuestionContent,
    InterviewScheduled,
    InterviewTranscriptPublished,
    SubmissionReceived,
    new_event,
)
from shared.uow import Delivered
from tests.intake.usecases.fakes import FakeSubmissionBook, FakeViewBook, fake_intake

P = TypeVar("P", bound=EventPayload)
STARTS = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
INTERVIEW = uuid4()


def delivered(payload: P) -> Delivered[P]:
    return Delivered(new_event(payload, source="/tests"), payload)


class FakeInterviewBook:
    def __init__(self, submissions: FakeSubmissionBook) -> None:
        self.rows: dict[str, InterviewView] = {}
        self._submissions = submissions

    async def interview(self, interview_id: str) -> InterviewView | None:
        return self.rows.get(interview_id)

    async def keep(self, row: InterviewView) -> None:
        self.rows[row.interview_id] = row

    async def questions(self, interview_id: str) -> Sequence[Submission]:
        return [
            s
            for s in self._submissions.submissions.values()
            if s.channel == Channel.INTERVIEW_QUESTION.value and s.content.get("interview_id") == interview_id
        ]


def books() -> tuple[InterviewUnitOfWork, IntakeUnitOfWork, FakeViewBook, FakeInterviewBook]:
    """The interview reactions' unit of work and accepting's, on the same books."""
    intake, views, submissions, _ = fake_intake()
    interviews = FakeInterviewBook(submissions)
    return InterviewUnitOfWork(interviews, views), intake, views, interviews


def question_draft(body: str = "人防工程能否改作停车场？") -> Draft:
    return Draft(
        channel=Channel.INTERVIEW_QUESTION,
        contact=Contact(name="张晓明"),
        content={"question": InterviewQuestionContent(interview_id=INTERVIEW, body=body)},
        stored={"body": body, "interview_id": str(INTERVIEW)},
        registration=Registration(),
    )


async def asked(intake: IntakeUnitOfWork, views: FakeViewBook, at: datetime) -> SubmissionReceived:
    """A question accepted at ``at`` (its citizen view opened, as intake's projector does)."""
    _, received = await accept(Submit(question_draft(), uuid4(), "2345-6789-ABCD-EFGH", at), intake)
    assert isinstance(received, SubmissionReceived)
    views.views[str(received.case_id)] = received_view(at)
    return received


async def test_a_question_is_accepted_with_a_tracking_code_and_starts_no_clock_of_its_own() -> None:
    _, intake, views, _ = books()
    received = await asked(intake, views, STARTS - timedelta(days=1))
    assert received.channel is Channel.INTERVIEW_QUESTION
    assert received.question == InterviewQuestionContent(
        interview_id=INTERVIEW, body="人防工程能否改作停车场？"
    )
    assert "question.body" in SubmissionReceived.personal, "the question is sealed on the wire"
    assert isinstance(intake.submissions, FakeSubmissionBook)
    stored = intake.submissions.submissions[str(received.case_id)]
    assert (stored.channel, stored.content["interview_id"]) == ("interview_question", str(INTERVIEW))


async def test_an_interview_takes_questions_until_it_ends_or_closes_as_publishing_says() -> None:
    uow, _, _, interviews = books()
    scheduled = InterviewScheduled(
        interview_id=INTERVIEW,
        title="人防工程",
        guest="郑为民",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=2),
    )
    await on_interview_scheduled(delivered(scheduled), uow)
    row = interviews.rows[str(INTERVIEW)]
    assert question_refusal(row.ends_at, row.closed_at, STARTS) is None
    assert question_refusal(row.ends_at, row.closed_at, STARTS + timedelta(hours=2)) is not None
    moved = scheduled.model_copy(update={"ends_at": STARTS + timedelta(hours=3), "title": "人防工程（改期）"})
    await on_interview_scheduled(delivered(moved), uow)
    assert (row.title, row.ends_at) == ("人防工程（改期）", STARTS + timedelta(hours=3))
    await on_interview_closed(delivered(InterviewClosed(interview_id=INTERVIEW, closed_at=STARTS)), uow)
    assert question_refusal(row.ends_at, row.closed_at, STARTS) == "the interview takes no more questions"


async def test_the_published_transcript_concludes_each_askers_case() -> None:
    uow, intake, views, _ = books()
    now = datetime.now(UTC)
    chosen = await asked(intake, views, now - timedelta(hours=5))
    left_out = await asked(intake, views, now - timedelta(hours=4))
    published = InterviewTranscriptPublished(
        interview_id=INTERVIEW,
        title="人防工程",
        published_on=STARTS.date(),
        received=2,
        selected=(chosen.case_id,),
        answered=1,
    )
    assert await on_transcript_published(delivered(published), uow) == []
    answered, not_selected = views.views[str(chosen.case_id)], views.views[str(left_out.case_id)]
    assert (answered.status, answered.timeline[-1].title) == ("answered", "已在访谈中答复")
    assert not_selected.status == "not_selected"
    assert "未被选入" in (not_selected.timeline[-1].detail or "")
    await on_transcript_published(delivered(published), uow)  # redelivered: told once
    assert len(views.views[str(chosen.case_id)].timeline) == 2
    assert UUID(str(chosen.case_id)) in published.selected
