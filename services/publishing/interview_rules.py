"""The rules of an online interview (在线访谈). Pure: no I/O, no framework imports.

An admin schedules it; it takes questions from then until it ends (or a moderator closes it earlier);
moderators select and group the questions and enter the guest's answers; once it is closed, its
transcript — the selected questions, each answered, grouped — goes to review, and once published the
interview is done. The public sees the transcript only: a question nobody selected is never public.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

__all__ = [
    "Figures",
    "InterviewStatus",
    "Question",
    "answer_refusal",
    "closing_refusal",
    "figures",
    "grouped",
    "moderation_refusal",
    "schedule_problems",
    "takes_question",
    "transcript_refusal",
]


class InterviewStatus(StrEnum):
    SCHEDULED = "scheduled"
    """Taking questions."""
    CLOSED = "closed"
    """No more questions; its transcript is being prepared (or came back from review)."""
    IN_REVIEW = "in_review"
    """Its transcript waits for the reviewers: nothing of it changes meanwhile."""
    PUBLISHED = "published"


class Question(Protocol):
    """What the rules read of a question."""

    @property
    def received_at(self) -> datetime: ...

    @property
    def selected(self) -> bool: ...

    @property
    def group(self) -> str | None: ...

    @property
    def answer(self) -> str | None: ...


def schedule_problems(starts_at: datetime, ends_at: datetime, now: datetime) -> list[tuple[str, str]]:
    """What a schedule lacks, as (field, why) pairs; empty when it can be announced."""
    problems = []
    if ends_at <= starts_at:
        problems.append(("ends_at", "an interview ends after it starts"))
    if starts_at <= now:
        problems.append(("starts_at", "an interview is scheduled ahead: citizens send questions beforehand"))
    return problems


def takes_question(ends_at: datetime, closed_at: datetime | None, received_at: datetime) -> bool:
    """Whether a question received at ``received_at`` is taken up: before the interview ended or was
    closed (one that reached intake before it heard of the close comes too late). By time alone, so
    a replay takes up the same questions."""
    return received_at < (min(ends_at, closed_at) if closed_at is not None else ends_at)


def closing_refusal(status: str) -> str | None:
    if status != InterviewStatus.SCHEDULED:
        return "the interview takes no questions already"
    return None


def moderation_refusal(status: str) -> str | None:
    """Questions are selected, grouped and answered until the transcript goes to review."""
    if status == InterviewStatus.IN_REVIEW:
        return "the transcript is in review: it cannot change meanwhile"
    if status == InterviewStatus.PUBLISHED:
        return "the transcript is published"
    return None


def answer_refusal(status: str, selected: bool) -> str | None:
    refusal = moderation_refusal(status)
    if refusal is None and not selected:
        return "only a selected question is answered: select it first"
    return refusal


def transcript_refusal(status: str, questions: Sequence[Question]) -> str | None:
    """Why the transcript cannot go to review now, or None: the interview closed, at least one
    question selected, and every selected question answered."""
    if status == InterviewStatus.SCHEDULED:
        return "the interview still takes questions: close it first"
    refusal = moderation_refusal(status)
    if refusal is not None:
        return refusal
    selected = [q for q in questions if q.selected]
    if not selected:
        return "no question is selected"
    unanswered = [q for q in selected if not q.answer]
    if unanswered:
        return f"{len(unanswered)} of {len(selected)} selected questions have no answer yet"
    return None


@dataclass(frozen=True, slots=True)
class Figures:
    """The interview's statistics: questions received, selected, answered."""

    received: int
    selected: int
    answered: int


def figures(questions: Sequence[Question]) -> Figures:
    selected = [q for q in questions if q.selected]
    return Figures(len(questions), len(selected), sum(1 for q in selected if q.answer))


T = TypeVar("T", bound=Question)


def grouped(questions: Sequence[T]) -> list[tuple[str | None, list[T]]]:
    """The selected questions as the transcript shows them: by group, the groups in the order their
    first question came; within a group in the order received; the ungrouped last."""
    order: dict[str | None, list[T]] = {}
    for question in sorted((q for q in questions if q.selected), key=lambda q: q.received_at):
        order.setdefault(question.group or None, []).append(question)
    named = [(name, rows) for name, rows in order.items() if name is not None]
    return named + ([(None, order[None])] if None in order else [])
