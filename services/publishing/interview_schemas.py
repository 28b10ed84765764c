"""HTTP bodies of the online interviews (在线访谈): the ``XCreate`` an admin or a moderator sends, the
``XPublic`` everyone reads — and the questions, which only moderators read."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.publishing.schemas import MaskedItem
from shared.text import CleanInput, NonBlank


class InterviewCreate(CleanInput):
    model_config = ConfigDict(extra="forbid")

    title: NonBlank = Field(max_length=200, description="The topic (访谈主题).")
    guest: NonBlank = Field(max_length=50, description="Who answers: the leader's name (published as is).")
    guest_title: NonBlank = Field(
        max_length=100, description="The guest's office, e.g. 市国防动员办公室主任."
    )
    summary: NonBlank = Field(max_length=5000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class QuestionModerationCreate(CleanInput):
    """A moderator's choice on one question: selected for the interview or not, and in which group."""

    model_config = ConfigDict(extra="forbid")

    selected: bool
    group: str | None = Field(default=None, max_length=50, description="The group (分组) it is asked in.")


class AnswerCreate(CleanInput):
    model_config = ConfigDict(extra="forbid")

    answer: NonBlank = Field(max_length=20_000, description="The guest's answer, as given in the interview.")


class InterviewFigures(BaseModel):
    """Statistics of an interview: the questions taken, selected by the moderators, answered."""

    received: int
    selected: int
    answered: int


class InterviewPublic(BaseModel):
    id: str
    title: str
    guest: str
    guest_title: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    status: str = Field(description="scheduled (taking questions), closed, in_review or published.")
    figures: InterviewFigures
    published: bool = Field(description="Whether its transcript is public.")


class QuestionPublic(BaseModel):
    """A question as the moderators see it (never public: only the published transcript is)."""

    case_id: UUID
    received_at: datetime
    body: str
    asker_name: str | None
    selected: bool
    group: str | None
    answer: str | None


class TranscriptQuestion(BaseModel):
    seq: int
    asker: str
    question: str
    answer: str


class TranscriptGroup(BaseModel):
    name: str | None
    questions: list[TranscriptQuestion]


class TranscriptPublic(BaseModel):
    """The transcript (访谈实录) as published: reviewed, the askers masked."""

    interview_id: str
    title: str
    guest: str
    guest_title: str
    starts_at: datetime
    figures: InterviewFigures
    groups: list[TranscriptGroup]
    published_at: datetime
    masked: list[MaskedItem] = Field(description="What was masked, by field and kind; never the values.")
