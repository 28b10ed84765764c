"""Online interviews (在线访谈) as publishing's use cases, on books in memory: scheduling, the questions
taken up from intake, moderation, and the transcript through review — masked, announced with the
cases of the selected askers — without a database or a broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

import pytest

from services.publishing import interviews, review_queue
from services.publishing.interview_schemas import AnswerCreate, InterviewCreate, QuestionModerationCreate
from services.publishing.review import ReviewLevels, ReviewRules
from services.publishing.schemas import ReviewDecisionCreate, ReviewRejectionCreate, WithdrawalCreate
from services.publishing.unit_of_work import PublishingUnitOfWork
from shared.auth import Principal
from shared.codes import Role
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.events import (
    Contact,
    EventPayload,
    InterviewClosed,
    InterviewScheduled,
    InterviewTranscriptPublished,
    SubmissionReceived,
    new_event,
)
from shared.uow import Command, Delivered
from tests.publishing.usecases.fakes import FakeBooks, fake_unit_of_work
from tests.support import interviews as support

ADMIN = Principal("admin", "管理员", frozenset({Role.ADMIN}))
MODERATOR = Principal("mod-1", "主持人", frozenset({Role.MODERATOR}))
REVIEWER = Principal("rev-1", "初审员", frozenset({Role.REVIEWER}))
FINAL = Principal("rev-2", "终审员", frozenset({Role.REVIEWER}))
ASKER = Contact(name="张晓明", phone="13812345678")
TWO_LEVELS = ReviewRules(levels=ReviewLevels(("初审", "终审")))
submitting = partial(interviews.submit_transcript, rules=TWO_LEVELS)


def delivered(payload: EventPayload) -> Delivered[Any]:
    return Delivered(new_event(payload, source="/tests"), payload)


async def scheduled(uow: PublishingUnitOfWork) -> UUID:
    (announced,) = await interviews.schedule_interview(
        Command(None, ADMIN, InterviewCreate.model_validate(support.schedule())), uow
    )
    assert isinstance(announced, InterviewScheduled)
    return announced.interview_id


async def asked(
    uow: PublishingUnitOfWork, interview_id: UUID, body: str, **kwargs: Any
) -> SubmissionReceived:
    question = support.question(interview_id, body, **kwargs)
    await interviews.on_question_received(delivered(question), uow)
    return question


def select(case: SubmissionReceived, group: str | None = None, *, selected: bool = True) -> Any:
    return (case.case_id, QuestionModerationCreate(selected=selected, group=group))


def answer(case: SubmissionReceived, text: str) -> Any:
    return (case.case_id, AnswerCreate(answer=text))


async def test_only_an_admin_schedules_and_only_ahead_of_time() -> None:
    uow, books = fake_unit_of_work()
    body = InterviewCreate.model_validate(support.schedule())
    with pytest.raises(Forbidden):
        await interviews.schedule_interview(Command(None, MODERATOR, body), uow)
    past = InterviewCreate.model_validate(
        support.schedule(starts_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat())
    )
    with pytest.raises(InvalidInput) as refused:
        await interviews.schedule_interview(Command(None, ADMIN, past), uow)
    assert [detail["field"] for detail in refused.value.details or []] == ["starts_at"]
    interview_id = await scheduled(uow)
    assert books.interviews.interviews[str(interview_id)].status == "scheduled"


async def test_questions_are_taken_up_until_the_interview_closes() -> None:
    uow, books = fake_unit_of_work()
    interview_id = await scheduled(uow)
    first = await asked(uow, interview_id, "能否改作停车场？", contact=ASKER)
    await interviews.on_question_received(delivered(first), uow)  # redelivered: still one
    await interviews.on_question_received(delivered(support.question(UUID(int=7))), uow)  # no such interview
    with pytest.raises(Forbidden):
        await interviews.close_interview(Command(interview_id, REVIEWER, None), uow)
    (closed,) = await interviews.close_interview(Command(interview_id, MODERATOR, None), uow)
    assert isinstance(closed, InterviewClosed)
    with pytest.raises(Conflict):
        await interviews.close_interview(Command(interview_id, MODERATOR, None), uow)
    late = await asked(uow, interview_id, "来晚的问题", at=closed.closed_at + timedelta(seconds=1))
    assert set(books.interviews.question_rows) == {str(first.case_id)}
    assert books.interviews.question_rows[str(first.case_id)].contact == {
        "name": "张晓明",
        "phone": "13812345678",
    }
    assert str(late.case_id) not in books.interviews.question_rows


async def test_moderators_select_group_and_answer_and_the_transcript_goes_masked_to_review() -> None:
    uow, books = fake_unit_of_work()
    interview_id = await scheduled(uow)
    named = await asked(uow, interview_id, "我叫张晓明，小区人防工程能否改作停车场？", contact=ASKER)
    fees = await asked(uow, interview_id, "人防车位怎么收费？")
    left_out = await asked(uow, interview_id, "与访谈无关的问题")
    moderate = interviews.moderate_question
    with pytest.raises(Conflict, match="select it first"):
        await interviews.answer_question(Command(interview_id, MODERATOR, answer(named, "可以。")), uow)
    with pytest.raises(NotFound):
        await moderate(Command(interview_id, MODERATOR, (UUID(int=1), select(named)[1])), uow)
    await moderate(Command(interview_id, MODERATOR, select(named, "平时使用")), uow)
    await moderate(Command(interview_id, MODERATOR, select(fees, "收费")), uow)
    await moderate(Command(interview_id, MODERATOR, select(left_out, "无关")), uow)
    await moderate(Command(interview_id, ADMIN, select(left_out, selected=False)), uow)
    await interviews.answer_question(
        Command(interview_id, MODERATOR, answer(named, "张晓明您好：经备案后可以平时用作停车场。")), uow
    )
    with pytest.raises(Conflict, match="close it first"):
        await submitting(Command(interview_id, MODERATOR, None), uow)
    await interviews.close_interview(Command(interview_id, MODERATOR, None), uow)
    with pytest.raises(Conflict, match="1 of 2 selected questions have no answer"):
        await submitting(Command(interview_id, MODERATOR, None), uow)
    await interviews.answer_question(
        Command(interview_id, MODERATOR, answer(fees, "郑为民：按物价部门核定的标准收费。")), uow
    )
    assert await submitting(Command(interview_id, MODERATOR, None), uow) == []
    item = books.reviews.one_pending()
    assert item.kind == "interview_transcript"
    text = str(item.content)
    assert "张晓明" not in text, "the asker is masked"
    assert "郑为民" in text, "the guest is published as named"
    assert "与访谈无关的问题" not in text, "an unselected question is never in the transcript"
    groups = item.content["groups"]
    assert [g["name"] for g in groups] == ["平时使用", "收费"]
    assert groups[0]["questions"][0]["asker"] == "张*明"
    assert (item.content["received"], item.content["selected"], item.content["answered"]) == (3, 2, 2)
    with pytest.raises(Conflict, match="in review"):
        await interviews.answer_question(Command(interview_id, MODERATOR, answer(fees, "改一下")), uow)


async def transcript_in_review(
    uow: PublishingUnitOfWork, books: FakeBooks
) -> tuple[UUID, SubmissionReceived]:
    interview_id = await scheduled(uow)
    chosen = await asked(uow, interview_id, "我叫张晓明，能否改作停车场？", contact=ASKER)
    await asked(uow, interview_id, "没有选用的问题")
    await interviews.moderate_question(Command(interview_id, MODERATOR, select(chosen)), uow)
    await interviews.answer_question(Command(interview_id, MODERATOR, answer(chosen, "可以。")), uow)
    await interviews.close_interview(Command(interview_id, MODERATOR, None), uow)
    await submitting(Command(interview_id, MODERATOR, None), uow)
    return interview_id, chosen


async def test_a_rejected_transcript_comes_back_to_the_moderators_to_correct() -> None:
    uow, books = fake_unit_of_work()
    interview_id, chosen = await transcript_in_review(uow, books)
    item = books.reviews.one_pending()
    assert (
        await review_queue.reject(
            Command(UUID(item.id), REVIEWER, ReviewRejectionCreate(reason="答复过简")), uow
        )
        == []
    )
    assert books.interviews.interviews[str(interview_id)].status == "closed"
    await interviews.answer_question(Command(interview_id, MODERATOR, answer(chosen, "经备案后可以。")), uow)
    await submitting(Command(interview_id, MODERATOR, None), uow)
    assert books.reviews.one_pending().content["groups"][0]["questions"][0]["answer"] == "经备案后可以。"


async def test_the_published_transcript_names_the_cases_of_the_selected_askers() -> None:
    uow, books = fake_unit_of_work()
    interview_id, chosen = await transcript_in_review(uow, books)
    review_id = UUID(books.reviews.one_pending().id)
    approving = partial(review_queue.approve, rules=TWO_LEVELS)
    assert await approving(Command(review_id, REVIEWER, ReviewDecisionCreate()), uow) == []
    (published,) = await approving(Command(review_id, FINAL, ReviewDecisionCreate()), uow)
    assert isinstance(published, InterviewTranscriptPublished)
    assert published.selected == (chosen.case_id,)
    assert (published.received, published.answered) == (2, 1)
    transcript = books.interviews.transcripts[str(interview_id)]
    assert "张晓明" not in str(transcript.content)
    assert books.interviews.interviews[str(interview_id)].status == "published"
    with pytest.raises(Conflict, match="published"):
        await interviews.moderate_question(Command(interview_id, MODERATOR, select(chosen)), uow)


async def test_a_withdrawn_transcript_leaves_the_public_and_comes_back_to_the_moderators() -> None:
    uow, books = fake_unit_of_work()
    interview_id, chosen = await transcript_in_review(uow, books)
    review_id = UUID(books.reviews.one_pending().id)
    approving = partial(review_queue.approve, rules=TWO_LEVELS)
    await approving(Command(review_id, REVIEWER, ReviewDecisionCreate()), uow)
    await approving(Command(review_id, FINAL, ReviewDecisionCreate()), uow)
    withdrawal = WithdrawalCreate(reason="答复引用的文件已废止")
    assert await review_queue.withdraw(Command(review_id, ADMIN, withdrawal), uow, rules=TWO_LEVELS) == []
    assert books.interviews.transcripts == {}
    assert books.interviews.interviews[str(interview_id)].status == "closed"
    await interviews.answer_question(Command(interview_id, MODERATOR, answer(chosen, "按新规定办理。")), uow)
    assert await submitting(Command(interview_id, MODERATOR, None), uow) == []
