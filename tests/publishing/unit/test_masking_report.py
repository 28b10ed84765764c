"""How well masking finds personal data, per kind: precision and recall over both corpora, printed as a
table with the test report, and held to a floor.

Each text of ``masking_corpus.json`` (the regression corpus: exact masked texts) and of
``masking_evaluation.json`` (realistic letters, replies and comments: names after 先生/女士/同志,
neighbours and spouses named in passing, lists, titles, officials the office lists, contact data
written in another form) says which personal data it holds (``personal``: kind and the text as
written). A finding is right when masking made it with that kind on that text; one the text does not
hold is a false alarm (a phrase masked for nothing), one it misses is personal data published.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from services.publishing.masking import Known, mask_text

HERE = Path(__file__).parent
CORPORA = {
    name: json.loads((HERE / f"masking_{name}.json").read_text(encoding="utf-8"))
    for name in ("corpus", "evaluation")
}
RECALL_FLOOR = {"name": 0.95}
"""Recall below this fails: personal data of that kind reaches the public. Every other kind: 1.0."""
PRECISION_FLOOR = 0.9
"""Precision below this fails, for names and for all kinds together (a false alarm costs a reader a
word, not a citizen their privacy: the office's own landline in a signature is masked like any)."""


@dataclass
class Score:
    found: int = 0
    false_alarms: int = 0
    missed: int = 0

    @property
    def precision(self) -> float:
        return self.found / (self.found + self.false_alarms) if self.found + self.false_alarms else 1.0

    @property
    def recall(self) -> float:
        return self.found / (self.found + self.missed) if self.found + self.missed else 1.0


def score(texts: list[dict[str, Any]]) -> tuple[dict[str, Score], list[str]]:
    scores: dict[str, Score] = {}
    mistakes: list[str] = []
    for case in texts:
        result = mask_text(
            case["text"],
            names=case["names"],
            known=Known.of_contact(case.get("contact")),
            officials=case.get("officials", []),
        )
        made = Counter((entry.kind, case["text"][entry.start : entry.end]) for entry in result.manifest)
        held = Counter((kind, value) for kind, value in case["personal"])
        for (kind, _), count in (made & held).items():
            scores.setdefault(kind, Score()).found += count
        for (kind, value), count in (made - held).items():
            scores.setdefault(kind, Score()).false_alarms += count
            mistakes.append(f"false alarm  {case['id']}: {kind} {value}")
        for (kind, value), count in (held - made).items():
            scores.setdefault(kind, Score()).missed += count
            mistakes.append(f"missed       {case['id']}: {kind} {value}")
    return scores, mistakes


def table(title: str, scores: dict[str, Score]) -> str:
    lines = [
        title,
        f"  {'kind':<14}{'held':>6}{'found':>7}{'false':>7}{'missed':>8}{'precision':>11}{'recall':>8}",
    ]
    for kind, s in sorted(scores.items()):
        held = s.found + s.missed
        lines.append(
            f"  {kind:<14}{held:>6}{s.found:>7}{s.false_alarms:>7}{s.missed:>8}{s.precision:>11.3f}{s.recall:>8.3f}"
        )
    return "\n".join(lines)


def test_the_evaluation_corpus_is_varied() -> None:
    texts = CORPORA["evaluation"]
    assert len(texts) >= 40
    assert {case["kind"] for case in texts} == {"letter", "reply", "comment", "request"}
    assert sum(not case["personal"] for case in texts) >= 8, "texts that hold nothing to mask"
    assert sum(bool(case["officials"]) for case in texts) >= 2, "officials the office lists stay named"
    for case in texts:
        for _, value in case["personal"]:
            assert value in case["text"], case["id"]


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_precision_and_recall_per_kind(corpus: str, capsys: pytest.CaptureFixture[str]) -> None:
    scores, mistakes = score(CORPORA[corpus])
    with capsys.disabled():
        print("\n" + table(f"masking — {corpus} ({len(CORPORA[corpus])} texts)", scores))
        for mistake in mistakes:
            print("  " + mistake)
    for kind, s in scores.items():
        assert s.recall >= RECALL_FLOOR.get(kind, 1.0), f"{kind}: recall {s.recall:.3f}"
    total = Score(*(sum(getattr(s, f) for s in scores.values()) for f in ("found", "false_alarms", "missed")))
    assert scores["name"].precision >= PRECISION_FLOOR, f"name: precision {scores['name'].precision:.3f}"
    assert total.precision >= PRECISION_FLOOR, f"all kinds: precision {total.precision:.3f}"
