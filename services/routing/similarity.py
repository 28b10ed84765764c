"""Near-duplicate submissions (相似诉求归并). Pure: standard library only, no I/O.

Many citizens write about the same thing in their own words: a siren test that woke children, a
leaking shelter under one estate. Routing links such cases into a cluster so that a handler sees
them together and can answer them at once.

Why character bigrams: Chinese has no spaces between words, and word segmentation needs a
dictionary that misses the local names (小区, 人防车位) these letters are full of. Overlapping
two-character shingles need nothing: "防空警报试鸣" becomes 防空, 空警, 警报, 报试, 试鸣, so a
reworded letter still shares most of its shingles with the original. Text is normalised first (NFKC
folds full-width ＡＢＣ１２３ into abc123, case is folded, whitespace and punctuation are dropped), so
layout and input-method differences do not count.

Why Jaccard with a threshold: |A ∩ B| / |A ∪ B| is symmetric, lies in [0, 1] and penalises both a
missing and an added clause. The default 0.52 was calibrated on the examples in
``tests/routing/unit/test_similarity.py``: lightly reworded texts on one matter scored 0.53 to 1.0,
while texts on another matter sharing a template (comments on different articles of one draft,
letters with the same salutation and estate) scored up to 0.50 and unrelated texts 0. The ranges
overlap: heavily reworded texts and letters with different boilerplate score 0.20 to 0.48 and are
missed, and two suggestions on one subject asking different things scored 0.57 and are merged. The
threshold leans towards not merging: a wrong merge would send a citizen a reply to someone else's
question, a missed one only costs the handler a second reply. Callers get better results by passing
the subject and body without salutation and sign-off (尊敬的领导…此致敬礼).

Why the first case names the cluster: the id is stable (a later case never renames it, so an inbox
link or a reply in progress keeps pointing at the same cluster), needs no counter, and replaying the
same cases in the same order (a Kafka partition after a restart) gives the same ids. A new case joins
the cluster of its single most similar case, so clusters never merge; the earliest case wins a tie.

Candidate lookup: an inverted index maps each shingle to the cases that contain it, and ``add``
scores only the cases sharing at least one shingle with the new one (a case sharing none has
similarity 0, below any threshold the index accepts). ``ClusterIndex.scored_last`` counts the
candidates the last ``add`` scored.

Bounds, so that a case costs the same on the millionth day as on the first: ``add`` scores at most
``max_candidates`` cases sharing a shingle (all of them while they are fewer; past that, those found
first through the rarest shingles, newest first), and the index keeps the words of the
``max_cases`` most recent cases only (older ones keep their cluster; no new case is compared with
them). Citizens write about a matter while it is current: a letter about this week's siren test
finds the recent ones, and a template-like matter (hundreds of letters in the same words) still
costs ``max_candidates`` comparisons, not one per letter ever received.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from shared.textsim import jaccard, ngrams, normalise

__all__ = [
    "DEFAULT_MAX_CANDIDATES",
    "DEFAULT_MAX_CASES",
    "DEFAULT_THRESHOLD",
    "ClusterIndex",
    "Submission",
    "shingles",
    "similarity",
]

DEFAULT_THRESHOLD = 0.52
DEFAULT_MAX_CANDIDATES = 500
DEFAULT_MAX_CASES = 50_000


def shingles(text: str, n: int = 2) -> frozenset[str]:
    """The set of character n-grams of the normalised text.

    A text shorter than n (after normalisation) is its own single shingle; an empty one has none.
    """
    return ngrams(normalise(text), n)


similarity = jaccard
"""Jaccard similarity of two shingle sets; 0.0 when both are empty."""


@dataclass(frozen=True, slots=True)
class Submission:
    """A case's text as the index sees it: subject and body, whatever the channel."""

    case_id: str
    text: str


class ClusterIndex:
    """Clusters cases incrementally, one ``add`` per arriving case.

    In memory only: the caller stores each case's cluster and, after a restart, rebuilds the index
    with :meth:`restore` from those stored pairs — not by clustering again, which could name the
    clusters differently when cases are replayed in another order.
    """

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        n: int = 2,
        *,
        max_candidates: int = DEFAULT_MAX_CANDIDATES,
        max_cases: int = DEFAULT_MAX_CASES,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            # At 0 every case would match every other, which the inverted index cannot see.
            raise ValueError(f"threshold must be in (0, 1], not {threshold}")
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        if max_candidates < 1 or max_cases < 1:
            raise ValueError("max_candidates and max_cases must be at least 1")
        self.threshold = threshold
        self.n = n
        self.max_candidates = max_candidates
        self.max_cases = max_cases
        # How many stored cases the last add scored (those sharing a shingle with it); for tests and tuning.
        self.scored_last = 0
        self._shingles: dict[str, frozenset[str]] = {}
        self._arrival: dict[str, int] = {}
        self._cluster_of: dict[str, str] = {}
        self._members: dict[str, list[str]] = {}
        self._postings: dict[str, deque[str]] = {}
        """Each shingle's cases, oldest first (arrival order)."""
        self._worded: deque[str] = deque()
        """The cases whose words the index keeps, oldest first."""

    def add(self, case_id: str, text: str) -> str:
        """Adds a case and returns its cluster id.

        The case joins the cluster of the most similar stored case scoring at least the threshold,
        or else starts a cluster named after itself. Adding a case_id already present returns its
        cluster and changes nothing, whatever the text: redelivery is harmless.
        """
        if (known := self._cluster_of.get(case_id)) is not None:
            self.scored_last = 0
            return known
        grams = shingles(text, self.n)
        return self._index(case_id, grams, self._nearest_cluster(grams) or case_id)

    def restore(self, case_id: str, text: str, cluster_id: str) -> None:
        """Put back a case whose cluster was decided before (after a restart); no scoring."""
        if case_id not in self._cluster_of:
            self._index(case_id, shingles(text, self.n), cluster_id)

    def _index(self, case_id: str, grams: frozenset[str], cluster_id: str) -> str:
        self._shingles[case_id] = grams
        self._arrival[case_id] = len(self._arrival)
        self._cluster_of[case_id] = cluster_id
        self._members.setdefault(cluster_id, []).append(case_id)
        for gram in grams:
            self._postings.setdefault(gram, deque()).append(case_id)
        self._worded.append(case_id)
        while len(self._worded) > self.max_cases:
            self._forget_oldest()
        return cluster_id

    def _forget_oldest(self) -> None:
        oldest = self._worded.popleft()
        for gram in self._shingles.get(oldest, frozenset()):
            postings = self._postings[gram]
            if postings and postings[0] == oldest:  # arrival order: the oldest is first
                postings.popleft()
            if not postings:
                del self._postings[gram]
        self._shingles[oldest] = frozenset()

    def forget_text(self, case_id: str) -> None:
        """Drop what the index knows of a case's words (its personal data was erased); the case stays
        in its cluster, and no later case is compared with it."""
        for gram in self._shingles.get(case_id, frozenset()):
            postings = self._postings.get(gram)
            if postings is not None and case_id in postings:
                postings.remove(case_id)
        if case_id in self._shingles:
            self._shingles[case_id] = frozenset()

    def members(self, cluster_id: str) -> list[str]:
        """The cases of a cluster in the order they were added; empty for an unknown cluster."""
        return list(self._members.get(cluster_id, ()))

    def cluster_of(self, case_id: str) -> str | None:
        return self._cluster_of.get(case_id)

    def _candidates(self, grams: frozenset[str]) -> set[str]:
        """The cases sharing a shingle with ``grams`` — all of them while they are at most
        ``max_candidates``; past that, the first ``max_candidates`` found going through the rarest
        shingles first (the telling ones), each from its newest case."""
        found: set[str] = set()
        postings = sorted((p for gram in grams if (p := self._postings.get(gram))), key=len)
        for cases in postings:
            for case_id in reversed(cases):
                found.add(case_id)
                if len(found) >= self.max_candidates:
                    return found
        return found

    def _nearest_cluster(self, grams: frozenset[str]) -> str | None:
        candidates = self._candidates(grams)
        self.scored_last = len(candidates)
        best: str | None = None
        best_score = 0.0
        # In arrival order, replacing only on a strictly higher score: the earliest case wins a tie.
        for case_id in sorted(candidates, key=self._arrival.__getitem__):
            score = similarity(grams, self._shingles[case_id])
            if score >= self.threshold and score > best_score:
                best, best_score = case_id, score
        return None if best is None else self._cluster_of[best]
