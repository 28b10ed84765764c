"""What a replay of routing rebuilds (`shared.replay`): ``python -m services.routing replay``.

Every case's task and history (待办与办理记录) are rebuilt from ``case-events``: the submission makes
the task, and routing's own events — the rules' assignment, each handler's action, the reopening —
and those it follows (deadlines, cards, supplements, rejections) bring it to its state, with who did
what and when. Nothing is decided again: the rules as they stand today do not re-route old cases.
Departments, handlers, rules, their audit trail, routing's copy of the calendar and the register of
formal notices (告知书, re-entered from the log where one is missing) are kept as they are.
"""

from __future__ import annotations

from services.routing.app import consumers, shared_clusters
from services.routing.config import RoutingSettings
from services.routing.db import SCHEMA, HistoryEntry, SimilarCase, Task
from services.routing.task_book import Office, project_in
from shared.calendar_store import LiveCalendar
from shared.keyring import Keyring
from shared.replay import ReplayPlan

__all__ = ["replay_plan"]


def replay_plan(settings: RoutingSettings) -> ReplayPlan:
    return ReplayPlan(
        keyring=Keyring(settings.case_key_secret),
        schema=SCHEMA,
        rebuilt=[Task, HistoryEntry, SimilarCase],
        consumers=consumers(settings, Office(LiveCalendar(), settings.policy()), shared_clusters(settings)),
        projector=project_in,
    )
