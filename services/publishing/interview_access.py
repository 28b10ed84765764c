"""Who may call each of the online interviews' routes (`services.publishing.interview_api`), for
publishing's guard (`services.publishing.api.ACCESS`)."""

from __future__ import annotations

from shared.codes import Role
from shared.http import Access

__all__ = ["INTERVIEW_ACCESS", "MODERATORS"]

MODERATORS = (Role.MODERATOR, Role.ADMIN)
"""Who moderates an interview: its moderators (访谈主持人), and admins, who schedule it."""

INTERVIEW_ACCESS: Access = {
    "GET /api/v1/interviews": None,
    "GET /api/v1/interviews/{interview_id}/transcript": None,
    "POST /api/v1/interviews": (Role.ADMIN,),
    "POST /api/v1/interviews/{interview_id}/close": MODERATORS,
    "GET /api/v1/interviews/{interview_id}/questions": MODERATORS,
    "POST /api/v1/interviews/{interview_id}/questions/{case_id}/moderation": MODERATORS,
    "POST /api/v1/interviews/{interview_id}/questions/{case_id}/answer": MODERATORS,
    "POST /api/v1/interviews/{interview_id}/transcript": MODERATORS,
}
"""The interviews and their published transcripts are public; admins schedule; moderators (and
admins) read the questions, select, group and answer them, close the interview and send the transcript
to review. No one outside reads a question that is not in a published transcript."""
