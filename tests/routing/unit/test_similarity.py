from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.routing.similarity import (
    DEFAULT_THRESHOLD,
    ClusterIndex,
    Submission,
    shingles,
    similarity,
)

SIREN = "防空警报试鸣声音太大，吵醒孩子"
LEAK = "小区地下人防工程漏水严重，请尽快维修"
LETTER_LEAK = (
    "尊敬的领导：您好！我是幸福里小区的居民，小区地下人防工程长期漏水，积水发臭，请尽快安排维修。此致敬礼！"
)
COMMENT_ART12 = "对《人防工程管理条例（征求意见稿）》第十二条的意见：收费标准应当公开"

# The calibration set: pairs of real-looking submissions, the bigram Jaccard each scored, and whether
# the default threshold puts them in one cluster. Reworded texts and texts on another matter overlap
# between 0.2 and 0.6; the threshold sits between the highest template-sharing pair on different
# matters (0.500) and the lowest rewording it is meant to catch (0.526).
CALIBRATION = [
    # The same matter, merged.
    pytest.param(
        "人防车位ＡＢＣ区可以出租吗？", "人防车位abc区可以出租吗", 1.0, True, id="full-width-and-punctuation"
    ),
    pytest.param(SIREN, "今天防空警报试鸣声音太大了，把孩子吵醒了！", 0.550, True, id="siren-woke-child"),
    pytest.param(SIREN, "防空警报试鸣的声音太大，孩子被吵醒了", 0.526, True, id="siren-passive"),
    pytest.param(SIREN, "防空警报试鸣声音太大，吓哭了孩子", 0.588, True, id="siren-frightened-child"),
    pytest.param(SIREN, "防空警报声音太大吵醒孩子", 0.714, True, id="siren-shortened"),
    pytest.param(
        "人防车位只租不售合法吗？", "人防车位只租不售是否合法", 0.615, True, id="parking-lease-only"
    ),
    pytest.param(
        "请公开2023年人防工程易地建设费收支情况",
        "申请公开2023年度人防工程易地建设费的收支情况",
        0.720,
        True,
        id="disclosure-fee-accounts",
    ),
    pytest.param(
        COMMENT_ART12,
        "关于人防工程管理条例征求意见稿第十二条，建议公开收费标准",
        0.606,
        True,
        id="comment-same-article",
    ),
    # Related but a different ask: merged all the same, the price of catching rewordings; the handler
    # sees the cluster before sending one reply to it.
    pytest.param(
        "建议在社区增设应急避难场所标识",
        "建议在社区增设应急避难场所，并定期组织演练",
        0.571,
        True,
        id="overlapping-suggestions-merge",
    ),
    # Another matter, apart.
    pytest.param("人防工程漏水", "征兵政策咨询", 0.0, False, id="unrelated"),
    pytest.param(
        "今年征兵体检什么时候开始？", "大学生参军入伍有哪些优待政策", 0.0, False, id="same-office-other-topic"
    ),
    pytest.param(SIREN, "防空警报试鸣时间是几点？", 0.278, False, id="siren-loud-vs-schedule"),
    pytest.param(SIREN, "防空警报试鸣声音太小，根本听不见", 0.421, False, id="siren-loud-vs-quiet"),
    pytest.param(
        LEAK, "小区地下人防工程被改成仓库出租，是否合法？", 0.259, False, id="shelter-leak-vs-rental"
    ),
    pytest.param(
        "人防车位只租不售合法吗？", "人防车位租金标准是多少？", 0.176, False, id="parking-lease-vs-rent"
    ),
    pytest.param(
        "申请公开本市人防工程名录",
        "申请公开本市人防工程平时使用管理办法",
        0.474,
        False,
        id="disclosure-other-document",
    ),
    pytest.param(
        COMMENT_ART12,
        "对《人防工程管理条例（征求意见稿）》第十五条的意见：维护责任应当明确",
        0.500,
        False,
        id="comment-other-article",
    ),
    pytest.param(
        LETTER_LEAK,
        "尊敬的领导：您好！我是幸福里小区的居民，小区地下人防工程被物业改成仓库对外出租，请核查。此致敬礼！",
        0.456,
        False,
        id="same-salutation-other-matter",
    ),
    # The same matter, missed: heavy rewording, or a letter whose boilerplate differs, scores too low.
    pytest.param(
        SIREN, "防空警报试鸣时声音太大，把家里孩子吵醒了", 0.476, False, id="missed-siren-extra-words"
    ),
    pytest.param(
        LEAK, "我们小区的地下人防工程漏水很严重，希望尽快派人维修！", 0.393, False, id="missed-leak-reworded"
    ),
    pytest.param(
        "今年征兵体检什么时候开始？",
        "请问今年的征兵体检几号开始",
        0.278,
        False,
        id="missed-question-reworded",
    ),
    pytest.param(
        LETTER_LEAK,
        "领导好，幸福里小区地下的人防工程一直在漏水，现在积水都发臭了，麻烦派人来修一下，谢谢。",
        0.197,
        False,
        id="missed-letter-other-boilerplate",
    ),
]


@pytest.mark.parametrize(("first", "second", "score", "merged"), CALIBRATION)
def test_the_default_threshold_merges_the_same_matter_and_keeps_other_matters_apart(
    first: str, second: str, score: float, merged: bool
) -> None:
    assert similarity(shingles(first), shingles(second)) == pytest.approx(score, abs=0.0005)
    index = ClusterIndex()
    index.add("case-1", first)

    cluster = index.add("case-2", second)

    assert (cluster == "case-1") is merged
    assert (score >= DEFAULT_THRESHOLD) is merged


PARKING_ABC = {"人防", "防车", "车位", "位a", "ab", "bc"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("人防车位ＡＢＣ", PARKING_ABC, id="full-width-folded"),
        pytest.param("人防车位abc", PARKING_ABC, id="half-width"),
        pytest.param("人防 车位\tABC", PARKING_ABC, id="whitespace-and-case"),
        pytest.param("“人防”，车位（ABC）！", PARKING_ABC, id="cjk-punctuation"),
        pytest.param('"人防", 车位(abc)!', PARKING_ABC, id="ascii-punctuation"),
        pytest.param("《人防》【车位】、；：‘’…—abc？。", PARKING_ABC, id="more-cjk"),
        pytest.param("人防\u200b车位", {"人防", "防车", "车位"}, id="zero-width-space"),
        pytest.param("好", {"好"}, id="shorter-than-n"),
        pytest.param("好！", {"好"}, id="shorter-after-normalising"),
        pytest.param("", set(), id="empty"),
        pytest.param("，。！？ ", set(), id="only-punctuation"),
        pytest.param("警报警报", {"警报", "报警"}, id="a-set-not-a-list"),
    ],
)
def test_shingles_are_character_bigrams_of_the_normalised_text(text: str, expected: set[str]) -> None:
    assert shingles(text) == expected


def test_shingles_take_another_length() -> None:
    assert shingles("防空警报", n=3) == {"防空警", "空警报"}
    assert shingles("防空", n=3) == {"防空"}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param({"防空", "空警"}, {"防空", "空警"}, 1.0, id="identical"),
        pytest.param({"防空", "空警"}, {"征兵"}, 0.0, id="disjoint"),
        pytest.param({"防空", "空警", "警报"}, {"防空", "空警", "警示"}, 0.5, id="half"),
        pytest.param(set(), {"征兵"}, 0.0, id="one-empty"),
        pytest.param(set(), set(), 0.0, id="both-empty"),
    ],
)
def test_similarity_is_jaccard(a: set[str], b: set[str], expected: float) -> None:
    assert similarity(frozenset(a), frozenset(b)) == expected
    assert similarity(frozenset(b), frozenset(a)) == expected


@pytest.mark.parametrize(
    ("threshold", "merged"),
    [
        pytest.param(0.49, True, id="below"),
        pytest.param(0.5, True, id="exactly-at"),
        pytest.param(0.51, False, id="above"),
    ],
)
def test_a_case_joins_a_cluster_at_or_above_the_threshold(threshold: float, merged: bool) -> None:
    # 防空警报 and 防空警示 share two of four bigrams: similarity exactly 0.5.
    index = ClusterIndex(threshold=threshold)
    index.add("case-1", "防空警报")

    assert (index.add("case-2", "防空警示") == "case-1") is merged


def test_at_threshold_one_only_the_same_text_after_normalising_joins() -> None:
    index = ClusterIndex(threshold=1.0)
    index.add("case-1", "人防车位ＡＢＣ")

    assert index.add("case-2", "人防车位abc！") == "case-1"
    assert index.add("case-3", "人防车位abd") == "case-3"


def test_a_cluster_is_named_after_its_first_case_and_lists_members_in_arrival_order() -> None:
    arrivals = [
        Submission("mailbox-17", SIREN),
        Submission("mailbox-18", "征兵政策咨询"),
        Submission("consultation-3", "今天防空警报试鸣声音太大了，把孩子吵醒了！"),
        Submission("mailbox-19", "防空警报声音太大吵醒孩子"),
    ]
    index = ClusterIndex()

    clusters = [index.add(s.case_id, s.text) for s in arrivals]

    assert clusters == ["mailbox-17", "mailbox-18", "mailbox-17", "mailbox-17"]
    assert index.members("mailbox-17") == ["mailbox-17", "consultation-3", "mailbox-19"]
    assert index.members("mailbox-18") == ["mailbox-18"]
    assert index.cluster_of("consultation-3") == "mailbox-17"


def test_adding_a_case_again_returns_its_cluster_and_changes_nothing() -> None:
    index = ClusterIndex()
    index.add("case-1", SIREN)
    index.add("case-2", "今天防空警报试鸣声音太大了，把孩子吵醒了！")

    again = index.add("case-2", "征兵政策咨询")

    assert again == "case-1"
    assert index.members("case-1") == ["case-1", "case-2"]
    assert index.scored_last == 0
    # The redelivered text was not indexed: a case like it starts its own cluster.
    assert index.add("case-3", "征兵政策咨询！") == "case-3"


def test_a_case_joins_its_most_similar_case_and_clusters_never_merge() -> None:
    index = ClusterIndex()
    index.add("case-1", "防空警报试鸣声音太大")
    index.add("case-2", "防空警报试鸣吵醒孩子")  # 0.38 against case-1: a cluster of its own

    # 0.69 against case-1 and 0.57 against case-2, both above the threshold: the nearer one wins
    # and case-2's cluster stays as it was.
    assert index.add("case-3", SIREN) == "case-1"
    assert index.members("case-1") == ["case-1", "case-3"]
    assert index.members("case-2") == ["case-2"]


def test_the_earliest_case_wins_a_tie() -> None:
    index = ClusterIndex()
    index.add("case-1", "防空警报")
    index.add("case-2", "警报声响")  # 0.2 against case-1: a cluster of its own

    # 0.6 against both.
    assert index.add("case-3", "防空警报声响") == "case-1"


def test_an_empty_text_starts_its_own_cluster_and_attracts_no_other() -> None:
    index = ClusterIndex()

    assert index.add("case-1", "") == "case-1"
    assert index.add("case-2", "！？ ") == "case-2"
    assert index.scored_last == 0
    assert index.members("case-1") == ["case-1"]


def test_an_unknown_case_or_cluster_has_nothing() -> None:
    index = ClusterIndex()
    index.add("case-1", SIREN)

    assert index.cluster_of("case-9") is None
    assert index.members("case-9") == []


def test_members_is_a_copy() -> None:
    index = ClusterIndex()
    index.add("case-1", SIREN)

    index.members("case-1").append("intruder")

    assert index.members("case-1") == ["case-1"]


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.5])
def test_a_threshold_outside_zero_to_one_is_refused(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        ClusterIndex(threshold=threshold)


def test_a_shingle_length_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="n must be"):
        ClusterIndex(n=0)
    with pytest.raises(ValueError, match="n must be"):
        shingles("防空", n=0)


def _unrelated_texts(count: int, avoid: str) -> Iterator[str]:
    """Eight-character texts from CJK ideographs, none shared between texts or with ``avoid``."""
    fresh = (chr(code) for code in range(0x4E00, 0xA000) if chr(code) not in avoid)
    for _ in range(count):
        yield "".join(next(fresh) for _ in range(8))


def test_a_new_case_scores_only_the_cases_sharing_a_shingle_with_it() -> None:
    neighbours = ["防空警报试鸣时间是几点？", "小区地下人防工程漏水严重", "孩子晚上总是哭闹"]
    duplicate = "今天防空警报试鸣声音太大了，把孩子吵醒了！"
    index = ClusterIndex()
    for number, text in enumerate(_unrelated_texts(2_000, avoid=SIREN + duplicate + "".join(neighbours))):
        index.add(f"filler-{number}", text)
        assert index.scored_last == 0
    for number, text in enumerate(neighbours):
        index.add(f"neighbour-{number}", text)
    index.add("original", SIREN)

    cluster = index.add("duplicate", duplicate)

    assert cluster == "original"
    # The original, the schedule question (防空警报…) and the crying child (孩子); neither the leak nor
    # any of the 2,000 shares a shingle.
    assert index.scored_last == 3


def test_restoring_keeps_the_clusters_as_they_were_decided() -> None:
    index = ClusterIndex()
    index.restore("b", "防空警报试鸣声音太大，吵醒孩子", "a")  # b joined a's cluster before the restart
    index.restore("a", "防空警报试鸣声音太大，把孩子吵醒了", "a")
    assert index.cluster_of("b") == "a"
    assert index.add("c", "防空警报试鸣声音太大，吵醒孩子了") == "a"
    assert index.members("a") == ["b", "a", "c"]


def test_an_erased_case_keeps_its_cluster_and_no_later_case_is_compared_with_its_words() -> None:
    index = ClusterIndex(threshold=0.5)
    first = index.add("a", "小区人防车位出租收费标准是多少")
    assert index.add("b", "小区人防车位出租收费标准是多少？") == first
    index.forget_text("a")
    index.forget_text("b")
    assert index.members(first) == ["a", "b"], "the cluster stays as it was decided"
    assert index.add("c", "小区人防车位出租收费标准是多少") == "c", "nothing left to match"
    assert index.scored_last == 0


def test_a_new_case_is_compared_with_at_most_max_candidates_cases_however_many_share_its_words() -> None:
    index = ClusterIndex(max_candidates=10)
    letter = "请问小区地下人防工程平时能否作为停车场使用？收费标准由谁制定？"
    for number in range(300):
        index.add(f"c{number}", f"{letter}（第{number}封）")
    assert index.add("late", f"{letter}（迟到的一封）") == "c0", "it joins the matter's cluster"
    assert index.scored_last == 10


def test_the_candidates_found_first_are_those_sharing_its_rarest_words() -> None:
    index = ClusterIndex(max_candidates=5)
    index.add("rare", "人防工程渗水严重请尽快维修防空警报")
    for number in range(50):  # newer, and sharing only the common words
        index.add(f"common{number}", f"防空警报试鸣通知第{number}期")
    assert index.add("again", "人防工程渗水严重请尽快维修防空警报") == "rare"
    assert index.scored_last == 5


def test_only_the_most_recent_cases_keep_their_words_and_older_ones_keep_their_cluster() -> None:
    index = ClusterIndex(max_cases=3)
    index.add("old", "地下车库人防门锈蚀无法关闭")
    for number in range(3):
        index.add(f"other{number}", f"征求意见稿第{number}条建议修改")
    assert index.cluster_of("old") == "old"
    assert index.add("new", "地下车库人防门锈蚀无法关闭") == "new", "the oldest case's words are gone"
    assert index.scored_last == 0
