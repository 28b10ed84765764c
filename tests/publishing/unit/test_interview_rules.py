"""The rules of an online interview (在线访谈), pure: scheduling, which questions are taken up, when the
moderators may change them, when the transcript may go to review, its order and its figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from services.publishing.interview_rules import (
    Figures,
    InterviewStatus,
    answer_refusal,
    closing_refusal,
    figures,
    grouped,
    moderation_refusal,
    schedule_problems,
    takes_question,
    transcript_refusal,
)

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Q:
    received_at: datetime
    selected: bool = False
    group: str | None = None
    answer: str | None = None
    name: str = ""


def test_an_interview_is_scheduled_ahead_and_ends_after_it_starts() -> None:
    assert schedule_problems(NOW + HOUR, NOW + 2 * HOUR, NOW) == []
    assert [field for field, _ in schedule_problems(NOW - HOUR, NOW - 2 * HOUR, NOW)] == [
        "ends_at",
        "starts_at",
    ]
    assert [field for field, _ in schedule_problems(NOW, NOW + HOUR, NOW)] == ["starts_at"]


@pytest.mark.parametrize(
    ("received", "closed", "taken"),
    [
        (NOW, None, True),  # before the end, never closed
        (NOW + 2 * HOUR, None, False),  # at the end
        (NOW, NOW + HOUR, True),  # before an early close
        (NOW + HOUR, NOW + HOUR, False),  # at the close
        (NOW + HOUR + timedelta(seconds=1), NOW + HOUR, False),  # reached intake before the close did
    ],
)
def test_a_question_is_taken_up_until_the_interview_ends_or_closes(
    received: datetime, closed: datetime | None, taken: bool
) -> None:
    assert takes_question(NOW + 2 * HOUR, closed, received) is taken


def test_moderators_change_the_questions_until_the_transcript_goes_to_review() -> None:
    assert moderation_refusal(InterviewStatus.SCHEDULED) is None
    assert moderation_refusal(InterviewStatus.CLOSED) is None
    assert "in review" in (moderation_refusal(InterviewStatus.IN_REVIEW) or "")
    assert "published" in (moderation_refusal(InterviewStatus.PUBLISHED) or "")
    assert "select it first" in (answer_refusal(InterviewStatus.SCHEDULED, selected=False) or "")
    assert answer_refusal(InterviewStatus.SCHEDULED, selected=True) is None
    assert closing_refusal(InterviewStatus.SCHEDULED) is None
    assert closing_refusal(InterviewStatus.CLOSED) is not None


def test_the_transcript_needs_the_interview_closed_and_every_selected_question_answered() -> None:
    answered = Q(NOW, selected=True, answer="可以。")
    unanswered = Q(NOW, selected=True)
    left_out = Q(NOW)
    assert "close it first" in (transcript_refusal(InterviewStatus.SCHEDULED, [answered]) or "")
    assert transcript_refusal(InterviewStatus.CLOSED, [left_out]) == "no question is selected"
    assert "1 of 2" in (transcript_refusal(InterviewStatus.CLOSED, [answered, unanswered, left_out]) or "")
    assert transcript_refusal(InterviewStatus.CLOSED, [answered, left_out]) is None
    assert transcript_refusal(InterviewStatus.IN_REVIEW, [answered]) is not None


def test_the_transcript_groups_the_selected_questions_in_the_order_their_first_question_came() -> None:
    rows = [
        Q(NOW + 3 * HOUR, selected=True, group="维护", name="d"),
        Q(NOW, selected=True, name="a"),
        Q(NOW + HOUR, selected=True, group="收费", name="b"),
        Q(NOW + 2 * HOUR, selected=True, group="维护", name="c"),
        Q(NOW + 4 * HOUR, selected=False, group="收费", name="left out"),
    ]
    assert [(name, [q.name for q in qs]) for name, qs in grouped(rows)] == [
        ("收费", ["b"]),
        ("维护", ["c", "d"]),
        (None, ["a"]),
    ]


def test_the_figures_count_received_selected_and_answered() -> None:
    rows = [Q(NOW, selected=True, answer="是"), Q(NOW, selected=True), Q(NOW), Q(NOW)]
    assert figures(rows) == Figures(received=4, selected=2, answered=1)
