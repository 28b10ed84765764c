from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest

from services.publishing.feeds import FeedEntry, atom_feed
from services.publishing.review import mask_more, tally


@pytest.mark.parametrize(
    ("approvers", "required", "approvals", "publishable", "missing"),
    [
        pytest.param([], 3, 0, False, 3, id="none-yet"),
        pytest.param(["a", "b"], 3, 2, False, 1, id="two-of-three"),
        pytest.param(["a", "a", "b"], 3, 2, False, 1, id="the-same-reviewer-counts-once"),
        pytest.param(["a", "b", "c"], 3, 3, True, 0, id="three-distinct"),
        pytest.param(["a"], 1, 1, True, 0, id="a-single-review-office"),
    ],
)
def test_tally_counts_distinct_reviewers(
    approvers: list[str], required: int, approvals: int, publishable: bool, missing: int
) -> None:
    count = tally(approvers, required)
    assert (count.approvals, count.publishable, count.missing) == (approvals, publishable, missing)


def test_at_least_one_reviewer() -> None:
    with pytest.raises(ValueError, match="at least one"):
        tally([], 0)


def test_a_reviewer_masks_more_in_every_field_and_the_manifest_names_no_original() -> None:
    texts, added = mask_more(
        {"question": "我家保姆小芳说，小芳的车停在明湖小区。", "reply": "请小芳本人来电。"},
        ["小芳", "明湖小区", " ", "明湖小区"],
    )
    assert texts == {"question": "我家保姆小*说，小*的车停在明**区。", "reply": "请小*本人来电。"}
    assert added.count({"field": "question", "kind": "reviewer", "replacement": "小*"}) == 2
    assert {"field": "question", "kind": "reviewer", "replacement": "明**区"} in added
    assert len(added) == 4
    assert "小芳" not in str(added)
    assert "明湖小区" not in str(added)


def test_the_atom_feed_is_well_formed_and_escapes_text() -> None:
    when = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    body = atom_feed(
        title="已公开的答复",
        feed_id="http://x/feed",
        self_url="http://x/feed",
        updated=when,
        entries=[FeedEntry("urn:uuid:1", "<车位> & 收费", when, "http://x/replies/1", "答复")],
    )
    root = ET.fromstring(body)  # noqa: S314  (our own output)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.findtext("a:title", namespaces=ns) == "已公开的答复"
    (entry,) = root.findall("a:entry", ns)
    assert entry.findtext("a:title", namespaces=ns) == "<车位> & 收费"
    assert entry.findtext("a:updated", namespaces=ns) == "2026-11-25T10:00:00+00:00"
    assert "&lt;车位&gt; &amp; 收费" in body
