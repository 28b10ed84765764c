"""Proactive-disclosure candidates (依申请公开转主动公开). Pure: standard library only, no I/O.

When several different people apply for the same government information, the office should stop
answering them one by one and publish it (the 2025 work plan: 推动申请较为集中的依申请公开政府信息向主动公开
转化; ARCHITECTURE §5). ``find_candidates`` flags such information: a group of similar disclosure
requests from at least ``min_applicants`` distinct applicants within ``window_days`` days.

Applicants are opaque keys (``RequestRecord.applicant_key``, a hash the caller computes); this module
never sees a name, and a candidate reports only how many applicants asked, never who.

Similarity — the approach of ``services.routing.similarity``, not its code (services share no code):
the description is normalised (NFKC folds full-width ＡＢＣ１２３ into abc123, case is folded,
whitespace, punctuation and zero-width characters are dropped), the filler phrases of
``FILLER_PHRASES`` are removed, and two descriptions are compared by the Jaccard similarity of their
character-bigram sets. Fillers are the wording of the application form rather than of the information
asked for; left in, they let two requests for different documents look alike (申请公开本市人防工程名录
against 申请公开本市人防工程平时使用管理办法: 0.47 with them, 0.33 without) and two wordings of the
same request look different. They are removed without leaving a gap, so 建设费的收缴 and 建设费收缴
give the same bigrams. A description made only of fillers (申请公开相关信息) has no bigrams, is
similar to nothing and never forms a candidate: it does not say what was asked for.

Clustering — against a representative, not single-link: requests are taken in the order
(received_on, case_id), and each joins the existing cluster whose representative (its earliest request)
it is most similar to, at or above the threshold, the earlier cluster winning a tie; otherwise it
starts a cluster of its own. Single-link would chain A~B~C into one cluster although A and C ask for
different things; against the representative, every request in a candidate is similar to the
``topic`` the office reads, so the topic truthfully describes the whole candidate. The price: a
request similar only to a later member, not to the representative, is not counted. Because the order
is a total order on unique case ids, the result does not depend on the order of the input.

Window — a candidate needs ``min_applicants`` distinct applicant keys among the requests of one cluster
received within ``window_days`` consecutive calendar days, both ends counted: with the default 180,
requests on 1 January and 29 June (179 days apart) fall in one window, on 1 January and 30 June do
not. The same applicant asking again counts once. The window decides whether a cluster is flagged; the
candidate then describes the whole cluster (all its case ids, all its distinct applicants, its first
and last request), because the office deciding what to publish wants to see every request for the
information. The caller chooses the history by the records it passes (for instance the last two years).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from shared.textsim import jaccard, ngrams, normalise

__all__ = [
    "DEFAULT_MIN_APPLICANTS",
    "DEFAULT_THRESHOLD",
    "DEFAULT_WINDOW_DAYS",
    "FILLER_PHRASES",
    "Candidate",
    "RequestRecord",
    "description_similarity",
    "find_candidates",
]

DEFAULT_MIN_APPLICANTS = 3
DEFAULT_WINDOW_DAYS = 180
DEFAULT_THRESHOLD = 0.5

FILLER_PHRASES: tuple[str, ...] = (
    "申请公开",
    "请求公开",
    "请公开",
    "请提供",
    "关于",
    "有关",
    "相关",
    "信息",
    "情况",
    "的",
)
"""Form wording removed before comparing (after normalisation, longest phrase first).

Kept short on purpose: every phrase removed is also removed from the information asked for
(信息化建设 loses 信息), so only phrases that almost every request contains belong here.
"""

_FILLERS = re.compile("|".join(re.escape(p) for p in sorted(FILLER_PHRASES, key=len, reverse=True)))


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One disclosure request (依申请公开) as this module sees it.

    ``applicant_key`` is a pseudonymous key, equal for requests by the same applicant; ``description``
    is what the applicant asked for (所需政府信息的名称或描述).
    """

    case_id: str
    applicant_key: str
    description: str
    received_on: date

    def __post_init__(self) -> None:
        if not self.case_id:
            raise ValueError("case_id must not be empty")
        if not self.applicant_key:
            # An empty key would silently count every applicant without one as the same person.
            raise ValueError(f"case {self.case_id!r}: applicant_key must not be empty")


@dataclass(frozen=True, slots=True)
class Candidate:
    """Information several applicants asked for: a candidate for proactive disclosure.

    ``topic`` is the description of the cluster's earliest request, as the applicant wrote it;
    ``case_ids`` are all the cluster's requests in the order (received_on, case_id); ``applicants`` is
    the number of distinct applicant keys among them.
    """

    topic: str
    case_ids: tuple[str, ...]
    applicants: int
    first_received: date
    last_received: date


def description_similarity(a: str, b: str) -> float:
    """How alike two descriptions are, in [0, 1], as ``find_candidates`` compares them."""
    return jaccard(_shingles(a), _shingles(b))


def find_candidates(
    records: Iterable[RequestRecord],
    *,
    min_applicants: int = DEFAULT_MIN_APPLICANTS,
    window_days: int = DEFAULT_WINDOW_DAYS,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Candidate]:
    """The candidates for proactive disclosure among ``records``, the most-asked first.

    Sorted by ``applicants`` descending, then ``first_received``, then the first case id. Raises
    ``ValueError`` for an argument out of range or a case id that appears twice.
    """
    if min_applicants < 2:
        # With one applicant every request would be a candidate: the rule is about many asking.
        raise ValueError(f"min_applicants must be at least 2, not {min_applicants}")
    if window_days < 1:
        raise ValueError(f"window_days must be at least 1, not {window_days}")
    if not 0.0 < threshold <= 1.0:
        # At 0 requests sharing no bigram at all would match, which the inverted index cannot see.
        raise ValueError(f"threshold must be in (0, 1], not {threshold}")

    ordered = sorted(records, key=lambda r: (r.received_on, r.case_id))
    counts = Counter(r.case_id for r in ordered)
    if duplicates := sorted(case_id for case_id, n in counts.items() if n > 1):
        raise ValueError(f"case ids must be unique; appearing more than once: {', '.join(duplicates)}")

    candidates = [
        _describe(cluster.members)
        for cluster in _cluster(ordered, threshold)
        if _busiest_window(cluster.members, window_days) >= min_applicants
    ]
    return sorted(candidates, key=lambda c: (-c.applicants, c.first_received, c.case_ids[0]))


@dataclass(slots=True)
class _Cluster:
    representative: frozenset[str]
    members: list[RequestRecord] = field(default_factory=list)


def _cluster(ordered: Sequence[RequestRecord], threshold: float) -> list[_Cluster]:
    clusters: list[_Cluster] = []
    # Bigram -> indices of the clusters whose representative contains it. Exact, not approximate: a
    # cluster sharing no bigram scores 0, below any accepted threshold.
    postings: dict[str, list[int]] = {}
    for record in ordered:
        grams = _shingles(record.description)
        best: int | None = None
        best_score = 0.0
        # Ascending index = older cluster first; only a strictly higher score replaces: the older wins a tie.
        for index in sorted({i for gram in grams for i in postings.get(gram, ())}):
            score = jaccard(grams, clusters[index].representative)
            if score >= threshold and score > best_score:
                best, best_score = index, score
        if best is None:
            best = len(clusters)
            clusters.append(_Cluster(grams))
            for gram in grams:
                postings.setdefault(gram, []).append(best)
        clusters[best].members.append(record)
    return clusters


def _busiest_window(members: Sequence[RequestRecord], window_days: int) -> int:
    """The most distinct applicants among members received within any window_days calendar days.

    ``members`` are sorted by received_on; a sliding window over them.
    """
    in_window: Counter[str] = Counter()
    busiest = 0
    start = 0
    for member in members:
        in_window[member.applicant_key] += 1
        while (member.received_on - members[start].received_on).days >= window_days:
            leaving = members[start].applicant_key
            in_window[leaving] -= 1
            if not in_window[leaving]:
                del in_window[leaving]
            start += 1
        busiest = max(busiest, len(in_window))
    return busiest


def _describe(members: Sequence[RequestRecord]) -> Candidate:
    return Candidate(
        topic=members[0].description,
        case_ids=tuple(m.case_id for m in members),
        applicants=len({m.applicant_key for m in members}),
        first_received=members[0].received_on,
        last_received=members[-1].received_on,
    )


def _shingles(description: str) -> frozenset[str]:
    """Character bigrams of the normalised description without fillers; a single character is its own."""
    return ngrams(_FILLERS.sub("", normalise(description)), 2)
