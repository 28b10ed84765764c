"""Unit tests for proactive-disclosure candidates (pure, no fixtures)."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from typing import Any

import pytest

from services.publishing.proactive import (
    DEFAULT_MIN_APPLICANTS,
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW_DAYS,
    Candidate,
    RequestRecord,
    description_similarity,
    find_candidates,
)

START = date(2025, 1, 1)

# One piece of information, 人防工程易地建设费收缴情况, in three applicants' wordings.
FEE = "申请公开2024年人防工程易地建设费收缴情况"
FEE_FORMAL = "请提供2024年度人防工程易地建设费的收缴情况。"
FEE_ABOUT = "关于2024年人防工程易地建设费收缴的相关信息"
SIREN = "防空警报试鸣方案"
ACCEPTANCE = "人防工程竣工验收备案"


def on(day: int) -> date:
    return START + timedelta(days=day)


def req(case_id: str, applicant: str, description: str, day: int = 0) -> RequestRecord:
    return RequestRecord(case_id, applicant, description, on(day))


def test_the_defaults_are_those_of_the_brief() -> None:
    assert (DEFAULT_MIN_APPLICANTS, DEFAULT_WINDOW_DAYS, DEFAULT_THRESHOLD) == (3, 180, 0.5)


# --- similarity -----------------------------------------------------------------------------------

# Pairs of descriptions and the score the module gives them; the default threshold 0.5 merges a pair
# exactly when its score is at least 0.5.
SCORES = [
    # The same information, merged.
    pytest.param(FEE, FEE_FORMAL, 0.824, id="fee-formal"),
    pytest.param(FEE, FEE_ABOUT, 1.0, id="fee-fillers-only-differ"),
    pytest.param(FEE, "人防工程易地建设费收缴相关信息", 0.667, id="fee-without-year"),
    pytest.param(ACCEPTANCE, "申请公开人防工程竣工验收备案情况", 1.0, id="acceptance-with-form-wording"),
    # Other information, apart.
    pytest.param(SIREN, ACCEPTANCE, 0.0, id="siren-vs-acceptance"),
    pytest.param(FEE, "申请公开人防工程竣工验收备案情况", 0.143, id="fee-vs-acceptance"),
    # Without the fillers these two share only 本市人防工程 (0.474 with 申请公开 left in).
    pytest.param(
        "申请公开本市人防工程名录", "申请公开本市人防工程平时使用管理办法", 0.333, id="list-vs-rules"
    ),
    pytest.param(FEE, "人防工程易地建设费减免情况", 0.471, id="fee-collected-vs-waived"),
    # Known limits of bigrams: another year of the same accounts, and the fee's use rather than its
    # collection, share the long subject and are merged. The office reviews every candidate.
    pytest.param(FEE, "申请公开2023年人防工程易地建设费收缴情况", 0.765, id="merged-other-year"),
    pytest.param(FEE, "申请公开2024年人防工程易地建设费使用情况", 0.765, id="merged-use-not-collection"),
    # Nothing but form wording: nothing to compare.
    pytest.param("申请公开相关信息", "申请公开相关信息", 0.0, id="only-fillers"),
]


@pytest.mark.parametrize(("first", "second", "score"), SCORES)
def test_description_similarity(first: str, second: str, score: float) -> None:
    assert description_similarity(first, second) == pytest.approx(score, abs=0.0005)
    assert description_similarity(second, first) == pytest.approx(score, abs=0.0005)


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param("申请公开２０２４年人防工程易地建设费收缴情况", id="full-width-digits"),
        pytest.param("申请公开：2024年“人防工程”易地建设费收缴情况！", id="cjk-punctuation"),
        pytest.param('申请公开: 2024年 "人防工程" 易地建设费 (收缴) 情况?', id="ascii-punctuation-spaces"),
        pytest.param(
            "申请\u3000公开 2024年人防工程\u200b易地建设费收缴情况", id="ideographic-and-zero-width"
        ),
        pytest.param("请提供2024年人防工程易地建设费的收缴情况", id="other-form-wording"),
    ],
)
def test_layout_and_form_wording_do_not_count(variant: str) -> None:
    assert description_similarity(FEE, variant) == 1.0
    records = [req("case-1", "a", FEE, 0), req("case-2", "b", variant, 1), req("case-3", "c", variant, 2)]

    # At threshold 1.0 only descriptions identical after normalisation are merged.
    assert find_candidates(records, threshold=1.0) == [
        Candidate(FEE, ("case-1", "case-2", "case-3"), 3, on(0), on(2))
    ]


@pytest.mark.parametrize(
    ("threshold", "merged"),
    [
        pytest.param(0.49, True, id="below"),
        pytest.param(0.5, True, id="exactly-at"),
        pytest.param(0.51, False, id="above"),
    ],
)
def test_a_request_joins_at_or_above_the_threshold(threshold: float, merged: bool) -> None:
    # 防空警报 and 防空警示 share two of four bigrams: exactly 0.5.
    records = [
        req("case-1", "a", "防空警报", 0),
        req("case-2", "b", "防空警报", 1),
        req("case-3", "c", "防空警示", 2),
    ]

    assert bool(find_candidates(records, threshold=threshold)) is merged


# --- counting applicants --------------------------------------------------------------------------


def test_three_applicants_asking_in_their_own_words_make_a_candidate() -> None:
    records = [
        req("case-1", "a", FEE, 0),
        req("case-2", "b", FEE_FORMAL, 30),
        req("case-3", "c", FEE_ABOUT, 60),
    ]

    assert find_candidates(records) == [
        Candidate(
            topic=FEE,
            case_ids=("case-1", "case-2", "case-3"),
            applicants=3,
            first_received=on(0),
            last_received=on(60),
        )
    ]


@pytest.mark.parametrize(
    "applicants",
    [
        pytest.param(("a", "a", "a"), id="one-applicant-three-times"),
        pytest.param(("a", "b", "a"), id="two-applicants"),
        pytest.param(("a", "b"), id="two-requests"),
    ],
)
def test_fewer_than_three_distinct_applicants_make_no_candidate(applicants: tuple[str, ...]) -> None:
    wordings = (FEE, FEE_FORMAL, FEE_ABOUT)
    records = [req(f"case-{i}", key, wordings[i], i) for i, key in enumerate(applicants)]

    assert find_candidates(records) == []


def test_a_lower_minimum_flags_two_applicants() -> None:
    records = [req("case-1", "a", FEE, 0), req("case-2", "b", FEE_FORMAL, 1), req("case-3", "a", FEE, 2)]

    assert find_candidates(records, min_applicants=2) == [
        Candidate(FEE, ("case-1", "case-2", "case-3"), 2, on(0), on(2))
    ]


@pytest.mark.parametrize(
    ("days", "window_days", "flagged"),
    [
        pytest.param((0, 100, 200), 180, False, id="spread-beyond-the-window"),
        pytest.param((0, 100, 200), 201, True, id="wider-window"),
        pytest.param((0, 100, 200), 200, False, id="one-day-short"),
        # Window of 180 calendar days, both ends counted: 1 January to 29 June.
        pytest.param((0, 90, 179), 180, True, id="last-day-of-the-window"),
        pytest.param((0, 90, 180), 180, False, id="first-day-after-the-window"),
        pytest.param((0, 0, 0), 1, True, id="one-day-window-same-day"),
        pytest.param((0, 0, 1), 1, False, id="one-day-window-next-day"),
    ],
)
def test_the_applicants_must_ask_within_the_window(
    days: tuple[int, int, int], window_days: int, flagged: bool
) -> None:
    records = [req(f"case-{i}", key, FEE, day) for i, (key, day) in enumerate(zip("abc", days, strict=True))]

    candidates = find_candidates(records, window_days=window_days)

    assert [c.case_ids for c in candidates] == ([("case-0", "case-1", "case-2")] if flagged else [])


def test_a_later_busy_window_flags_the_cluster_and_the_candidate_shows_all_of_it() -> None:
    # a asks alone in January; b, c, d ask a year later within a month. e repeats b's key.
    records = [
        req("case-1", "a", FEE, 0),
        req("case-2", "b", FEE_FORMAL, 365),
        req("case-3", "c", FEE_ABOUT, 380),
        req("case-4", "d", FEE, 395),
        req("case-5", "b", FEE, 400),
    ]

    assert find_candidates(records) == [
        Candidate(FEE, ("case-1", "case-2", "case-3", "case-4", "case-5"), 4, on(0), on(400))
    ]


def test_the_window_counts_distinct_applicants_not_requests() -> None:
    # Within any 180 days only a and b ask (five times); c asks 200 days after the last of them.
    records = [
        *(req(f"case-{i}", "ab"[i % 2], FEE, i) for i in range(5)),
        req("case-9", "c", FEE, 204),
    ]

    assert find_candidates(records) == []


# --- clustering -----------------------------------------------------------------------------------


def test_unrelated_requests_are_not_merged() -> None:
    records = [
        req("case-1", "a", SIREN, 0),
        req("case-2", "b", ACCEPTANCE, 1),
        req("case-3", "c", FEE, 2),
    ]

    assert find_candidates(records) == []


def test_each_topic_asked_by_three_applicants_is_a_candidate_of_its_own() -> None:
    records = [
        req("siren-a", "a", SIREN, 0),
        req("accept-a", "a", ACCEPTANCE, 0),
        req("siren-b", "b", "请提供防空警报试鸣的方案", 10),
        req("accept-b", "b", "申请公开人防工程竣工验收备案情况", 10),
        req("siren-c", "c", "防空警报试鸣方案相关信息", 20),
        req("accept-c", "c", "人防工程竣工验收备案的信息", 20),
    ]

    assert find_candidates(records) == [
        # Equal applicants and first day: the first case id decides.
        Candidate(ACCEPTANCE, ("accept-a", "accept-b", "accept-c"), 3, on(0), on(20)),
        Candidate(SIREN, ("siren-a", "siren-b", "siren-c"), 3, on(0), on(20)),
    ]


def test_requests_are_compared_with_the_earliest_request_not_chained() -> None:
    first = "人防工程易地建设费收缴"
    second = "人防工程易地建设费收缴标准"
    third = "易地建设费收缴标准依据"
    # third is like second but not like first: single-link would chain all three.
    assert description_similarity(first, second) == pytest.approx(0.833, abs=0.0005)
    assert description_similarity(second, third) == pytest.approx(0.571, abs=0.0005)
    assert description_similarity(first, third) == pytest.approx(0.429, abs=0.0005)
    records = [req("case-1", "a", first, 0), req("case-2", "b", second, 1), req("case-3", "c", third, 2)]

    assert find_candidates(records) == []
    assert find_candidates(records, min_applicants=2) == [
        Candidate(first, ("case-1", "case-2"), 2, on(0), on(1))
    ]


def test_the_topic_is_the_earliest_request_and_the_case_id_breaks_a_same_day_tie() -> None:
    records = [
        req("case-9", "a", FEE_FORMAL, 5),
        req("case-7", "b", FEE_ABOUT, 3),
        req("case-8", "c", FEE, 3),
    ]

    assert find_candidates(records) == [Candidate(FEE_ABOUT, ("case-7", "case-8", "case-9"), 3, on(3), on(5))]


def test_descriptions_of_form_wording_only_never_make_a_candidate() -> None:
    records = [req(f"case-{i}", key, "申请公开相关信息", i) for i, key in enumerate("abc")]

    assert find_candidates(records) == []


def test_candidates_are_sorted_by_applicants_then_first_received() -> None:
    records = [
        # Siren: three applicants from day 0.
        *(req(f"siren-{key}", key, SIREN, i) for i, key in enumerate("abc")),
        # Acceptance: three applicants from day 5.
        *(req(f"accept-{key}", key, ACCEPTANCE, 5 + i) for i, key in enumerate("def")),
        # Fee: four applicants from day 10.
        *(req(f"fee-{key}", key, FEE, 10 + i) for i, key in enumerate("ghij")),
    ]

    assert [(c.topic, c.applicants, c.first_received) for c in find_candidates(records)] == [
        (FEE, 4, on(10)),
        (SIREN, 3, on(0)),
        (ACCEPTANCE, 3, on(5)),
    ]


MIXED = [
    req("fee-1", "a", FEE, 0),
    req("fee-2", "b", FEE_FORMAL, 0),
    req("fee-3", "c", FEE_ABOUT, 40),
    req("fee-4", "a", FEE, 41),
    req("fee-5", "d", "２０２４年人防工程易地建设费收缴情况？", 90),
    req("acc-1", "e", ACCEPTANCE, 0),
    req("acc-2", "f", "申请公开人防工程竣工验收备案情况", 0),
    req("acc-3", "g", "人防工程竣工验收备案的相关信息", 100),
    req("siren-1", "a", SIREN, 10),
    req("siren-2", "a", SIREN, 20),
    req("siren-3", "b", "请提供防空警报试鸣方案", 400),
    req("list-1", "h", "申请公开本市人防工程名录", 5),
    req("rules-1", "i", "申请公开本市人防工程平时使用管理办法", 5),
]


@pytest.mark.parametrize("seed", range(10))
def test_the_order_of_the_input_does_not_change_the_result(seed: int) -> None:
    shuffled = MIXED.copy()
    random.Random(seed).shuffle(shuffled)

    assert find_candidates(shuffled) == [
        Candidate(FEE, ("fee-1", "fee-2", "fee-3", "fee-4", "fee-5"), 4, on(0), on(90)),
        Candidate(ACCEPTANCE, ("acc-1", "acc-2", "acc-3"), 3, on(0), on(100)),
    ]


def test_any_iterable_is_accepted_once() -> None:
    assert find_candidates(iter(MIXED)) == find_candidates(MIXED)
    assert find_candidates([]) == []


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"min_applicants": 1}, "min_applicants must be at least 2, not 1", id="one-applicant"),
        pytest.param({"min_applicants": 0}, "min_applicants must be at least 2, not 0", id="no-applicant"),
        pytest.param({"window_days": 0}, "window_days must be at least 1, not 0", id="empty-window"),
        pytest.param({"window_days": -30}, "window_days must be at least 1, not -30", id="negative-window"),
        pytest.param({"threshold": 0.0}, "threshold must be in (0, 1], not 0.0", id="zero-threshold"),
        pytest.param({"threshold": 1.5}, "threshold must be in (0, 1], not 1.5", id="above-one"),
        pytest.param({"threshold": -0.1}, "threshold must be in (0, 1], not -0.1", id="negative"),
        pytest.param({"threshold": float("nan")}, "threshold must be in (0, 1], not nan", id="nan"),
    ],
)
def test_arguments_out_of_range_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        find_candidates(MIXED, **kwargs)


def test_a_case_id_given_twice_is_refused() -> None:
    records = [*MIXED, req("fee-2", "b", FEE_FORMAL, 0), req("acc-1", "x", SIREN, 300)]

    with pytest.raises(
        ValueError, match=f"^{re.escape('case ids must be unique; appearing more than once: acc-1, fee-2')}$"
    ):
        find_candidates(records)


@pytest.mark.parametrize(
    ("case_id", "applicant_key", "message"),
    [
        pytest.param("", "a", "case_id must not be empty", id="no-case-id"),
        pytest.param("case-1", "", "case 'case-1': applicant_key must not be empty", id="no-applicant-key"),
    ],
)
def test_a_record_without_case_id_or_applicant_key_is_refused(
    case_id: str, applicant_key: str, message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        RequestRecord(case_id, applicant_key, FEE, START)
