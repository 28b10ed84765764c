"""Masking against a corpus of realistic texts (pure, no fixtures).

``masking_corpus.json`` holds citizen letters to the 国防动员办公室 (人防) leader mailbox, official
replies (答复), consultation comments (意见) and disclosure requests, each with the names the caller
passes, the exact masked text and the kinds of the manifest's entries in order. Texts whose
expected text equals their text are the negatives: order numbers, wrong check characters, dates,
amounts, document numbers, hotlines, buildings and streets that must stay as they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

import pytest

from services.publishing.masking import mask_text


class CorpusText(TypedDict):
    id: str
    kind: str
    text: str
    names: list[str]
    expected: str
    kinds: list[str]


CORPUS: list[CorpusText] = json.loads(
    Path(__file__).with_name("masking_corpus.json").read_text(encoding="utf-8")
)
KINDS = {"name", "mobile", "landline", "id_number", "email", "licence_plate", "address"}


def by_id() -> list[object]:
    return [pytest.param(case, id=case["id"]) for case in CORPUS]


def test_corpus_is_large_varied_and_well_formed() -> None:
    assert len(CORPUS) >= 45
    assert len({case["id"] for case in CORPUS}) == len(CORPUS)
    assert {case["kind"] for case in CORPUS} == {"letter", "reply", "comment", "request"}
    assert {kind for case in CORPUS for kind in case["kinds"]} == KINDS
    assert sum(case["expected"] == case["text"] for case in CORPUS) >= 10


@pytest.mark.parametrize("case", by_id())
def test_masked_text_is_exactly_the_expected_one(case: CorpusText) -> None:
    assert mask_text(case["text"], names=case["names"]).text == case["expected"]


@pytest.mark.parametrize("case", by_id())
def test_manifest_lists_the_expected_kinds_and_replays_to_the_masked_text(case: CorpusText) -> None:
    result = mask_text(case["text"], names=case["names"])

    assert [entry.kind for entry in result.manifest] == case["kinds"]
    replayed, position = [], 0
    for entry in result.manifest:
        replayed += [case["text"][position : entry.start], entry.replacement]
        position = entry.end
    assert "".join(replayed) + case["text"][position:] == result.text


@pytest.mark.parametrize("case", by_id())
def test_masking_the_masked_text_changes_nothing(case: CorpusText) -> None:
    masked = mask_text(case["text"], names=case["names"]).text

    again = mask_text(masked, names=case["names"])

    assert again.text == masked
    assert again.manifest == ()


@pytest.mark.parametrize("case", by_id())
def test_no_original_value_remains_in_the_output(case: CorpusText) -> None:
    result = mask_text(case["text"], names=case["names"])

    originals = {case["text"][entry.start : entry.end] for entry in result.manifest}
    assert [original for original in originals if original in result.text] == []
    assert [original for original in originals if original in repr(result.manifest)] == []


@pytest.mark.parametrize(
    "text",
    [
        # Phrases after a name cue that are not names.
        "我是一名退休职工，也是本市居民。",
        "我是业主，我是党员，我是该小区业主，我是周边居民，我是孙女，我是房东，我是城管，",
        "我是江西人，我是高中生，我是万达广场的商户，我是谁不重要，我叫什么不重要，",
        "本人认为，本人高龄，本人严重不满！本人常住济南，本人于今年3月反映过，本人姓王，",
        "申请人于2025年1月提交了申请。申请人对答复不服，可依法申请行政复议。经办人员已现场查看。",
        "联系人及电话见附件。签名处请手写。联系人：王经理，王某某说，张老师的学生，刘大爷家",
        # Family names alone before an honorific, and honorifics without a name.
        "张先生、王女士及各位同志：感谢各位领导和同志们！这位女士说得对，向张先生反映过。",
        # Divisions, organisations and generic places.
        "全市各区县人防办，各乡镇人民政府，各街道办事处，全市城乡社区，镇村两级人防组织。",
        "辖区内老旧小区，城中村改造项目，美丽乡村建设，城镇老旧小区改造，县城人防工程。",
        "历下区人民政府，历下区政府大院，市中区人防办3楼会议室，历下区文化东路街道办事处。",
        "高新区管委会，南部山区管委会，开发区人民医院，华山街道办事处党工委书记。",
        # Numbers that are not house numbers.
        "人防工程3号出入口，地下二层B区，地铁3号线，乘坐28路公交车，每村3户，小区12栋楼。",
        # Province abbreviations that are not licence plates.
        "京津冀人防协同演练，川渝地区，云A级，京A1，甘A12，宁可多花钱，青年人防志愿者。",
    ],
)
def test_common_phrases_stay(text: str) -> None:
    assert mask_text(text).text == text
