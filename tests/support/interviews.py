"""Online interviews (在线访谈) as the tests need them: a schedule an admin sends, and a citizen's question
as intake announces it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from shared.codes import Channel
from shared.dates import local_date
from shared.events import Contact, InterviewQuestionContent, SubmissionReceived


def schedule(**changes: Any) -> dict[str, Any]:
    """An interview starting in a day, for two hours, as an admin schedules it (the API's body)."""
    starts = datetime.now(UTC) + timedelta(days=1)
    return {
        "title": "人防工程平时使用与维护",
        "guest": "郑为民",
        "guest_title": "市国防动员办公室主任",
        "summary": "就人防工程的平时使用、维护管理回答网友提问。",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
    } | changes


def question(
    interview_id: UUID | str,
    body: str = "小区人防工程能否改作停车场？",
    *,
    contact: Contact | None = None,
    at: datetime | None = None,
) -> SubmissionReceived:
    """A question for the interview, received ``at`` (now), anonymous unless a ``contact`` is given."""
    received = at or datetime.now(UTC)
    return SubmissionReceived(
        case_id=uuid4(),
        channel=Channel.INTERVIEW_QUESTION,
        received_at=received,
        receipt_date=local_date(received),
        contact=contact,
        question=InterviewQuestionContent(interview_id=UUID(str(interview_id)), body=body),
    )
