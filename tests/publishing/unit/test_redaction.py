"""A review item masked again from its source after each decision (pure, no fixtures)."""

from __future__ import annotations

from dataclasses import replace

from services.publishing.masking import Known
from services.publishing.redaction import Part, Source, redact

KNOWN = Known(names=("钱多多",), phones=("0531-86123456",))
SOURCE = Source(
    {
        "question": Part(
            "question", "我是钱多多，邻居孔繁荣占用通道，主任杨文斌来看过。家里电话86123456。", known=KNOWN
        ),
        "reply": Part("reply", "钱多多您好：杨文斌同志已责成孔繁荣清理。", known=KNOWN),
    }
)


def test_every_name_but_the_cases_own_is_a_suspect_a_reviewer_may_release() -> None:
    redacted = redact(SOURCE)
    assert redacted.texts["question"] == "我是钱*多，邻居孔*荣占用通道，主任杨*斌来看过。家里电话******56。"
    assert redacted.texts["reply"] == "钱*多您好：杨*斌同志已责成孔*荣清理。"
    assert [(s.id, s.masked, s.fields) for s in redacted.suspects] == [
        ("s1", "孔*荣", ("question", "reply")),
        ("s2", "杨*斌", ("question", "reply")),
    ]
    assert redacted.suspects[0].context == "我是钱*多，邻居孔*荣占用通道，主任杨*斌来看…"
    reasons = {(entry["field"], entry["kind"], entry["reason"]) for entry in redacted.manifest}
    assert reasons == {
        ("question", "name", "case"),
        ("question", "name", "suspected"),
        ("question", "landline", "case"),
        ("reply", "name", "case"),
        ("reply", "name", "suspected"),
        ("reply", "name", "introduced"),
    }
    assert not [e for e in redacted.manifest if "钱多多" in e.values() or "86123456" in e.values()]


def test_a_release_unmasks_the_name_everywhere_and_keeps_the_numbering() -> None:
    released = redact(replace(SOURCE, released=("杨文斌",)))
    assert released.texts["question"] == "我是钱*多，邻居孔*荣占用通道，主任杨文斌来看过。家里电话******56。"
    assert released.texts["reply"] == "钱*多您好：杨文斌同志已责成孔*荣清理。"
    assert [(s.id, s.released) for s in released.suspects] == [("s1", False), ("s2", True)]
    # the case's own name cannot be released
    assert redact(replace(SOURCE, released=("钱多多",))).texts == redact(SOURCE).texts


def test_what_a_reviewer_masks_stays_masked_and_the_source_round_trips() -> None:
    source = replace(SOURCE, released=("杨文斌",), reviewer=("通道",))
    again = Source.from_json(source.to_json())
    assert again == source
    assert (
        redact(again).texts["question"] == "我是钱*多，邻居孔*荣占用通*，主任杨文斌来看过。家里电话******56。"
    )
