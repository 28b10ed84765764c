"""三审: what must happen before an item is public. Pure: no I/O, no framework imports.

An item (a reply, an adoption report) waits in the review queue with its text already masked and the
manifest of what was masked. It is published once ``required`` distinct reviewers approved it; one
rejection, with a reason, sends it back. A reviewer decides once per item. A reviewer who sees
personal data the masking missed names it, and it is masked in every field before the approval counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from services.publishing.masking import reviewer_mask

__all__ = ["ReviewStatus", "Tally", "mask_more", "tally"]


class ReviewStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    """A newer version of the same item (a new reply to the case) replaced it before publication."""
    WITHDRAWN = "withdrawn"
    """The writer's personal data was erased before it was published: withdrawn, its text erased."""


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
