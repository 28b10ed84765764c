"""What a replay of intake rebuilds (`shared.replay`): ``python -m services.intake replay``.

The citizen's view of every case is rebuilt from ``case-events`` — the view each submission opened,
then everything the citizen may see of the case — and the open consultations from
``consultation-events``. The submissions themselves are kept as they are: they are intake's own record
(the tracking code's hash lives only there). Nothing is published.
"""

from __future__ import annotations

from services.intake.app import CONSUMERS
from services.intake.config import IntakeSettings
from services.intake.db import SCHEMA, CaseView, ConsultationView
from services.intake.handlers import project
from shared.keyring import Keyring
from shared.replay import ReplayPlan

__all__ = ["replay_plan"]


def replay_plan(settings: IntakeSettings) -> ReplayPlan:
    return ReplayPlan(
        keyring=Keyring(settings.case_key_secret),
        schema=SCHEMA,
        rebuilt=[CaseView, ConsultationView],
        consumers=CONSUMERS,
        projector=project,
    )
