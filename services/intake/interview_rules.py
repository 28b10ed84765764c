"""Intake's rules for questions to an online interview (在线访谈). Pure: no I/O, no framework imports.

An interview takes questions from the moment publishing announces it until it ends, or until it is
closed earlier. Once its transcript is published, each asker's case is concluded: answered in the
interview (the question was selected), or not selected — and the citizen reads which on the tracking
page. Neither starts a reply clock: the interview answers, not a department.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from services.intake.domain import CitizenView

__all__ = ["ANSWERED", "NOT_SELECTED", "question_deadline", "question_refusal", "told_of_transcript"]

ANSWERED = "answered"
NOT_SELECTED = "not_selected"


def question_deadline(ends_at: datetime, closed_at: datetime | None) -> datetime:
    """The instant from which the interview takes no more questions."""
    return min(ends_at, closed_at) if closed_at is not None else ends_at


def question_refusal(ends_at: datetime, closed_at: datetime | None, now: datetime) -> str | None:
    """Why a question cannot be sent now, or None when it can."""
    if now >= question_deadline(ends_at, closed_at):
        return "the interview takes no more questions"
    return None


def told_of_transcript(view: CitizenView, *, selected: bool, title: str, at: datetime) -> CitizenView:
    """The asker's view once the interview's transcript is public: answered, or not selected."""
    if view.status in (ANSWERED, NOT_SELECTED):
        return view
    if selected:
        return replace(view, status=ANSWERED).with_entry(
            at,
            "interview.transcript_published",
            "已在访谈中答复",
            f"您的问题已在《{title}》访谈中答复，访谈实录已公开",
        )
    return replace(view, status=NOT_SELECTED).with_entry(
        at,
        "interview.transcript_published",
        "访谈已结束",
        f"《{title}》访谈实录已公开，您的问题未被选入本次访谈",
    )
