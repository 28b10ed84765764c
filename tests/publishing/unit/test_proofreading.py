"""三校: the proofreading pass — misspellings from the common table (checked here against jieba's
maintained dictionary) and the office's own, sensitive words, leaders' names and titles."""

from __future__ import annotations

import logging
import warnings

import pytest

from services.publishing.proofreading import Finding, Leader, Proofreading, common_typos, proofread

LEADERS = (Leader("郑为民", "主任"), Leader("魏东升", "副主任"))
RULES = Proofreading(sensitive_words=("赌博", "  "), leaders=LEADERS, typos={"人访": "人防"})


def found(text: str, rules: Proofreading = RULES) -> list[tuple[str, str, str | None]]:
    return [(f.kind, f.found, f.suggestion) for f in proofread({"reply": text}, rules)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请按装警报器。", [("typo", "按装", "安装")]),
        ("既使下雨，也要按时检修。", [("typo", "既使", "即使")]),
        ("人访工程平时可以使用。", [("typo", "人访", "人防")]),
        ("请安装警报器，即使下雨。", []),
        ("举报地下室有人赌博。", [("sensitive", "赌博", None)]),
        ("郑为民主任批示：尽快办理。", []),
        ("主任郑为民批示：尽快办理。", []),
        ("郑为民副主任批示。", [("leader", "郑为民副主任", "郑为民主任")]),
        ("副主任郑为民批示。", [("leader", "副主任郑为民", "主任郑为民")]),
        ("魏东升主任批示。", [("leader", "魏东升主任", "魏东升副主任")]),
        ("郑为明主任批示。", [("leader", "郑为明主任", "郑为民主任")]),
        ("主任郑为明批示。", [("leader", "主任郑为明", "郑为民主任")]),
        ("王为民主任批示。", []),  # another family name: somebody else, not a slip of the pen
        ("郑为民同志到现场查看。", []),  # no title beside the name: nothing to compare
    ],
)
def test_each_check_finds_what_it_should_and_nothing_else(
    text: str, expected: list[tuple[str, str, str | None]]
) -> None:
    assert found(text) == expected


def test_findings_say_the_field_and_the_words_around_them_in_the_order_they_occur() -> None:
    texts = {"question": "我家楼下有人赌博，请按装监控。", "reply": "郑为民副主任已批示。"}
    assert proofread(texts, RULES) == [
        Finding("sensitive", "question", "赌博", None, "我家楼下有人赌博，请按装监控。"),
        Finding("typo", "question", "按装", "安装", "…楼下有人赌博，请按装监控。"),
        Finding("leader", "reply", "郑为民副主任", "郑为民主任", "郑为民副主任已批示。"),
    ]


def test_every_occurrence_is_a_finding() -> None:
    assert [f.found for f in proofread({"reply": "按装了，又按装了。"}, Proofreading())] == ["按装", "按装"]


def test_the_office_overrides_an_entry_of_the_common_table() -> None:
    assert found("请按装。", Proofreading(typos={"按装": "安置"})) == [("typo", "按装", "安置")]


def test_the_common_table_is_confirmed_by_jiebas_dictionary() -> None:
    """Every correction is a word of jieba's maintained dictionary, at least ten times as frequent as
    the misspelling (which the dictionary, built from a corpus, may list as a rare word)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        frequency = jieba.dt.FREQ
    table = common_typos()
    assert len(table) >= 50
    doubtful = {
        wrong: right
        for wrong, right in table.items()
        if wrong == right or frequency.get(right, 0) < 10 * max(frequency.get(wrong) or 0, 1)
    }
    assert doubtful == {}
