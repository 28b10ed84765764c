"""What a replay of publishing rebuilds (`shared.replay`): ``python -m services.publishing replay``.

The public figures — one record per case for the statistics, the annual report and the proactive-
disclosure candidates — the letters whose writers consented to publication, and the consultation
comments with their adoption decisions are rebuilt from ``case-events``: after a correction to how
they are counted, a replay recounts every case. The review queue, the decisions of the reviewers and
what was published, the consultations and the appeals are publishing's own record and are kept; no
reply goes to review twice. Nothing is published.
"""

from __future__ import annotations

from services.publishing.app import consumers
from services.publishing.config import PublishingSettings
from services.publishing.db import SCHEMA, CaseRecord, ConsentedLetter, ConsultationComment
from shared.calendar_store import LiveCalendar
from shared.keyring import Keyring
from shared.replay import ReplayPlan

__all__ = ["replay_plan"]


def replay_plan(settings: PublishingSettings) -> ReplayPlan:
    return ReplayPlan(
        keyring=Keyring(settings.case_key_secret),
        schema=SCHEMA,
        rebuilt=[CaseRecord, ConsentedLetter, ConsultationComment],
        consumers=consumers(settings, LiveCalendar()),
    )
