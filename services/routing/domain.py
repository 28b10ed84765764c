"""Routing rules and the case state machine. Pure: no I/O, no framework imports.

Rules are data: each names the channel, mailbox, category, applicant type and keywords it matches
(every condition it names must hold; keywords match any one, in subject or body, after NFKC
normalisation so full-width and half-width forms are the same) and the department it sends to.
The lowest priority number wins; a case no rule matches goes to triage (待分办).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Assignment",
    "CaseFacts",
    "Rule",
    "assign",
    "normalise",
]


def normalise(text: str) -> str:
    """NFKC folds full-width letters and digits (ＡＢＣ１２３) into half-width; case is ignored."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    priority: int
    department: str
    reason: str = ""
    channel: str | None = None
    mailbox: str | None = None
    category: str | None = None
    applicant_type: str | None = None
    keywords: tuple[str, ...] = ()
    enabled: bool = True

    def matches(self, facts: CaseFacts) -> bool:
        if not self.enabled:
            return False
        for wanted, actual in (
            (self.channel, facts.channel),
            (self.mailbox, facts.mailbox),
            (self.category, facts.category),
            (self.applicant_type, facts.applicant_type),
        ):
            if wanted is not None and wanted != actual:
                return False
        if self.keywords:
            text = facts.searchable_text
            return any(normalise(keyword) in text for keyword in self.keywords)
        return True

    def explain(self) -> str:
        parts = [
            f"{name}={value}"
            for name, value in (
                ("channel", self.channel),
                ("mailbox", self.mailbox),
                ("category", self.category),
                ("applicant_type", self.applicant_type),
            )
            if value is not None
        ]
        if self.keywords:
            parts.append("keywords=" + "/".join(self.keywords))
        detail = ", ".join(parts) or "matches everything"
        return f"rule {self.id} ({detail})" + (f": {self.reason}" if self.reason else "")


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What routing looks at in a submission."""

    channel: str
    subject: str = ""
    body: str = ""
    mailbox: str | None = None
    category: str | None = None
    applicant_type: str | None = None
    searchable_text: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "searchable_text", normalise(f"{self.subject}\n{self.body}"))


@dataclass(frozen=True, slots=True)
class Assignment:
    department: str
    rule_id: str | None
    reason: str


def assign(
    facts: CaseFacts, rules: Iterable[Rule], *, triage_department: str, excluded: Sequence[str] = ()
) -> Assignment:
    """The department for a case: the first matching rule by priority (then id), else triage."""
    for rule in sorted(rules, key=lambda r: (r.priority, r.id)):
        if rule.department not in excluded and rule.matches(facts):
            return Assignment(rule.department, rule.id, rule.explain())
    return Assignment(triage_department, None, "no rule matched: waiting in triage for an admin to dispatch")
