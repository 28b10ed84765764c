"""三校: the proofreading pass over what is to be published, before its first review. Pure.

It lists, for the reviewers to judge — the findings are advisory, never a gate:

- ``typo``: a known misspelling (别字) from the table of the commonest ones (`common_typos.tsv`, each
  entry checked against jieba's maintained dictionary) and the office's own additions;
- ``sensitive``: a word from the office's list of sensitive expressions (敏感词);
- ``leader``: a leader's name and title that do not match the office's list (领导姓名、职务) — a listed
  leader named with another title (郑为民副主任 where he is 主任), or a listed title beside a name one
  character off a leader who holds it (郑为明主任 for 郑为民).

Advisory, because each check finds suspects, not certainties: a citizen may quote a sensitive word
to report it, a table of misspellings knows no context; the reviewers who sign each level judge them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["COMMON_TITLES", "Finding", "Leader", "Proofreading", "common_typos", "proofread"]

TYPO_TABLE = Path(__file__).with_name("common_typos.tsv")
CONTEXT = 8
"""Characters shown on each side of a finding."""

COMMON_TITLES = frozenset(
    {"主任", "副主任", "书记", "副书记", "局长", "副局长", "处长", "副处长", "科长", "副科长", "部长"}
    | {"副部长", "市长", "副市长", "秘书长", "副秘书长", "主席", "副主席", "调研员", "政委", "司令员"}
    | {"巡视员", "副巡视员", "一级巡视员", "二级巡视员", "主任科员", "党组书记", "党组成员"}
)
"""Titles a leader may be given in a text, besides those the office lists (a wrong one is still a title)."""


@dataclass(frozen=True, slots=True)
class Leader:
    """A leader as the office lists them (领导姓名和职务)."""

    name: str
    title: str


@dataclass(frozen=True, slots=True)
class Proofreading:
    """What the office set for 三校: its sensitive words, its leaders, its own misspellings."""

    sensitive_words: tuple[str, ...] = ()
    leaders: tuple[Leader, ...] = ()
    typos: Mapping[str, str] = field(default_factory=dict)
    """Wrong form → right form, added to the common table (and overriding it)."""

    def all_typos(self) -> dict[str, str]:
        return {**common_typos(), **self.typos}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the proofreading found: in which field, what, what it should be, with its context."""

    kind: str
    """``typo``, ``sensitive`` or ``leader``."""
    field: str
    found: str
    suggestion: str | None
    context: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "field": self.field,
            "found": self.found,
            "suggestion": self.suggestion,
            "context": self.context,
        }


@cache
def common_typos() -> dict[str, str]:
    """The table of common misspellings shipped with publishing (wrong → right)."""
    table: dict[str, str] = {}
    for line in TYPO_TABLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            wrong, right = line.split("\t")
            table[wrong] = right
    return table


def proofread(texts: Mapping[str, str], rules: Proofreading) -> list[Finding]:
    """Every finding in ``texts`` (field label → text), field by field, in the order they occur."""
    findings: list[Finding] = []
    typos = rules.all_typos()
    for label, text in texts.items():
        found = [
            *_typos(text, typos),
            *_sensitive(text, rules.sensitive_words),
            *_leaders(text, rules.leaders),
        ]
        for start, end, kind, suggestion in sorted(found):
            findings.append(Finding(kind, label, text[start:end], suggestion, _context(text, start, end)))
    return findings


_Hit = tuple[int, int, str, str | None]


def _occurrences(text: str, word: str) -> Iterable[int]:
    start = text.find(word)
    while word and start >= 0:
        yield start
        start = text.find(word, start + len(word))


def _typos(text: str, typos: Mapping[str, str]) -> Iterable[_Hit]:
    for wrong, right in typos.items():
        for start in _occurrences(text, wrong):
            yield start, start + len(wrong), "typo", right


def _sensitive(text: str, words: Iterable[str]) -> Iterable[_Hit]:
    for word in dict.fromkeys(w.strip() for w in words if w.strip()):
        for start in _occurrences(text, word):
            yield start, start + len(word), "sensitive", None


def _leaders(text: str, leaders: tuple[Leader, ...]) -> Iterable[_Hit]:
    titles = sorted(COMMON_TITLES | {leader.title for leader in leaders}, key=len, reverse=True)
    names = {leader.name for leader in leaders}
    for leader in leaders:
        for start in _occurrences(text, leader.name):
            end = start + len(leader.name)
            after = next((t for t in titles if text.startswith(t, end)), None)
            before = next((t for t in titles if text[:start].endswith(t)), None)
            if after is not None and after != leader.title:
                yield start, end + len(after), "leader", f"{leader.name}{leader.title}"
            elif after is None and before is not None and before != leader.title:
                yield start - len(before), end, "leader", f"{leader.title}{leader.name}"
        size = len(leader.name)
        for start in _occurrences(text, leader.title):
            end = start + len(leader.title)
            for name_start in (start - size, end):
                candidate = text[name_start : name_start + size] if name_start >= 0 else ""
                if candidate not in names and _one_off(candidate, leader.name):
                    first, last = min(name_start, start), max(name_start + size, end)
                    yield first, last, "leader", f"{leader.name}{leader.title}"


def _one_off(candidate: str, name: str) -> bool:
    """The same length, and one character different (郑为明 for 郑为民), the family name the same."""
    if len(candidate) != len(name) or candidate[:1] != name[:1]:
        return False
    return sum(a != b for a, b in zip(candidate, name, strict=True)) == 1


def _context(text: str, start: int, end: int) -> str:
    before, after = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    return ("…" if before > 0 else "") + text[before:after] + ("…" if after < len(text) else "")
