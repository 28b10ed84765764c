"""三审: what must happen before an item is public. Pure: no I/O, no framework imports.

An item (a reply, an adoption report) waits in the review queue with its text already masked and the
manifest of what was masked. It passes the office's review levels in order — 初审, 复审, 终审 by
default (`ReviewLevels`) — each approved by a reviewer who holds that level, three different people
(a reviewer decides once per item); it is published when the last level approves. One rejection, with
a reason, at the level it waits for, sends it back. A reviewer who sees personal data the masking
missed names it, and it is masked in every field before the approval counts. A published item can be
withdrawn (撤回) with a reason by an admin or a holder of the last level (`may_withdraw`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as default
from enum import StrEnum

from services.publishing.masking import reviewer_mask
from services.publishing.proofreading import Proofreading

__all__ = [
    "DEFAULT_LEVELS",
    "ReviewLevels",
    "ReviewRules",
    "ReviewStatus",
    "Tally",
    "level_waiting",
    "mask_more",
    "may_withdraw",
    "tally",
]

DEFAULT_LEVELS = ("初审", "复审", "终审")
"""三审: first review by the unit's editor, second by its head, final by the leader in charge."""


class ReviewStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    """A newer version of the same item (a new reply to the case) replaced it before publication."""
    WITHDRAWN = "withdrawn"
    """The writer's personal data was erased before it was published: withdrawn, its text erased."""
    RETRACTED = "retracted"
    """撤回: published, then taken off the public pages and feeds with a reason (`Withdrawal`)."""


@dataclass(frozen=True, slots=True)
class ReviewLevels:
    """The office's review levels in order, and who holds which (publishing's settings).

    ``holders`` maps a reviewer's sign-in name to the levels they hold. While it is empty (an office
    that has not assigned them yet, a development setup) every reviewer holds every level: the order
    and the three different people still hold."""

    names: tuple[str, ...] = DEFAULT_LEVELS
    holders: Mapping[str, frozenset[str]] = default(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.names or len(set(self.names)) != len(self.names):
            raise ValueError("review levels must be at least one, each named once")
        unknown = {level for held in self.holders.values() for level in held} - set(self.names)
        if unknown:
            raise ValueError(f"reviewers hold levels that are not configured: {', '.join(sorted(unknown))}")

    def held_by(self, reviewer: str) -> frozenset[str]:
        if not self.holders:
            return frozenset(self.names)
        return self.holders.get(reviewer, frozenset())

    def holds(self, reviewer: str, level: str) -> bool:
        return level in self.held_by(reviewer)

    @property
    def last(self) -> str:
        return self.names[-1]


@dataclass(frozen=True, slots=True)
class ReviewRules:
    """三审三校 as the office set it: the levels and who holds them, the officials whose names stay in
    what is published, and what the proofreading looks for."""

    levels: ReviewLevels = default(default_factory=ReviewLevels)
    officials: tuple[str, ...] = ()
    proofreading: Proofreading = default(default_factory=Proofreading)


def level_waiting(levels: Sequence[str], approvals: int) -> str | None:
    """The level an item waits for after ``approvals`` levels approved it in order; None once all did."""
    return levels[approvals] if approvals < len(levels) else None


def may_withdraw(*, is_admin: bool, reviewer: str | None, levels: ReviewLevels) -> bool:
    """Who may withdraw a published item (撤回): an admin, or a reviewer holding the last level — the
    one who may publish may take it back."""
    return is_admin or (reviewer is not None and levels.holds(reviewer, levels.last))


@dataclass(frozen=True, slots=True)
class Tally:
    approvals: int
    required: int

    @property
    def publishable(self) -> bool:
        return self.approvals >= self.required

    @property
    def missing(self) -> int:
        return max(0, self.required - self.approvals)


def tally(approvers: Iterable[str], required: int) -> Tally:
    """Distinct approvers count; the same reviewer twice counts once."""
    if required < 1:
        raise ValueError("at least one reviewer must approve")
    return Tally(approvals=len(set(approvers)), required=required)


def mask_more(
    fields: Mapping[str, str], values: Iterable[str]
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Mask each of ``values`` wherever it occurs in ``fields``; the new texts and manifest entries.

    A value of two or more characters keeps its first and last character (like a name, 张*丰); a
    single character is replaced by ``*``. The manifest names the field and the masked form only.
    """
    texts = dict(fields)
    added: list[dict[str, str]] = []
    for value in sorted({v.strip() for v in values if v.strip()}, key=len, reverse=True):
        replacement = reviewer_mask(value)
        for field, text in texts.items():
            count = text.count(value)
            if count:
                texts[field] = text.replace(value, replacement)
                added += [{"field": field, "kind": "reviewer", "replacement": replacement}] * count
    return texts, added
