"""三审's levels: in order, each held by whom the settings say; who may withdraw what was published."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.publishing.config import LeaderSetting, PublishingSettings
from services.publishing.db import ReviewItem
from services.publishing.proofreading import Leader
from services.publishing.review import DEFAULT_LEVELS, ReviewLevels, ReviewRules, level_waiting, may_withdraw
from services.publishing.review_queue import levels_of

HELD = ReviewLevels(
    DEFAULT_LEVELS,
    {"editor": frozenset({"初审"}), "head": frozenset({"复审"}), "leader": frozenset({"复审", "终审"})},
)


@pytest.mark.parametrize(
    ("approvals", "waiting"), [(0, "初审"), (1, "复审"), (2, "终审"), (3, None), (4, None)]
)
def test_an_item_waits_for_its_levels_in_order(approvals: int, waiting: str | None) -> None:
    assert level_waiting(DEFAULT_LEVELS, approvals) == waiting


@pytest.mark.parametrize(
    ("reviewer", "held"),
    [
        ("editor", {"初审"}),
        ("leader", {"复审", "终审"}),
        ("somebody-else", set()),
    ],
)
def test_a_reviewer_holds_the_levels_the_settings_give(reviewer: str, held: set[str]) -> None:
    assert HELD.held_by(reviewer) == held


def test_while_no_level_is_assigned_every_reviewer_holds_every_level() -> None:
    assert ReviewLevels().held_by("anybody") == set(DEFAULT_LEVELS)


@pytest.mark.parametrize(
    ("names", "holders", "refusal"),
    [
        ((), {}, "at least one"),
        (("初审", "初审"), {}, "each named once"),
        (DEFAULT_LEVELS, {"editor": frozenset({"二审"})}, "not configured: 二审"),
    ],
)
def test_levels_are_named_once_and_held_only_as_configured(
    names: tuple[str, ...], holders: dict[str, frozenset[str]], refusal: str
) -> None:
    with pytest.raises(ValueError, match=refusal):
        ReviewLevels(names, holders)


@pytest.mark.parametrize(
    ("is_admin", "reviewer", "allowed"),
    [(True, None, True), (False, "leader", True), (False, "head", False), (False, None, False)],
)
def test_an_admin_or_a_holder_of_the_last_level_may_withdraw(
    is_admin: bool, reviewer: str | None, allowed: bool
) -> None:
    assert may_withdraw(is_admin=is_admin, reviewer=reviewer, levels=HELD) is allowed


def test_the_settings_make_the_rules() -> None:
    settings = PublishingSettings(
        review_levels=["初审", "终审"],
        reviewer_levels={"editor": ["初审"], "leader": ["终审"]},
        public_officials=["魏东升"],
        leaders=[LeaderSetting(name="郑为民", title="主任")],
        sensitive_words=["赌博"],
    )
    rules = settings.review_rules()
    assert rules.levels.names == ("初审", "终审")
    assert settings.required_reviewers == 2
    assert rules.levels.held_by("leader") == {"终审"}
    assert rules.officials == ("魏东升", "郑为民"), "a listed leader's name is never masked"
    assert rules.proofreading.leaders == (Leader("郑为民", "主任"),)
    assert rules.proofreading.sensitive_words == ("赌博",)


def test_settings_that_give_a_level_nobody_configured_are_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="not configured: 二审"):
        PublishingSettings(reviewer_levels={"editor": ["二审"]})


def test_the_office_sets_them_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLISHING_REVIEW_LEVELS", '["初审", "终审"]')
    monkeypatch.setenv(
        "PUBLISHING_REVIEWER_LEVELS", '{"demo-reviewer-1": ["初审"], "demo-reviewer-3": ["终审"]}'
    )
    monkeypatch.setenv("PUBLISHING_LEADERS", '[{"name": "郑为民", "title": "主任"}]')
    monkeypatch.setenv("PUBLISHING_SENSITIVE_WORDS", '["赌博"]')
    monkeypatch.setenv("PUBLISHING_PROOFREADING_TYPOS", '{"人访": "人防"}')
    rules = PublishingSettings().review_rules()
    assert rules.levels.names == ("初审", "终审")
    assert rules.levels.held_by("demo-reviewer-3") == {"终审"}
    assert rules.proofreading.leaders == (Leader("郑为民", "主任"),)
    assert rules.proofreading.all_typos()["人访"] == "人防"


@pytest.mark.parametrize(
    ("required", "levels"),
    [
        (3, ("初审", "复审", "终审")),
        (2, ("初审", "终审")),
        (1, ("终审",)),
        (4, ("初审", "复审", "终审", "终审")),
    ],
)
def test_an_item_queued_before_the_levels_passes_levels_someone_holds(
    required: int, levels: tuple[str, ...]
) -> None:
    """An item from before release 0.5 has no levels of its own: it is given the configured ones, so
    the reviewers who hold them can decide it (never a level nobody holds)."""
    legacy = ReviewItem(
        id="r",
        kind="reply",
        subject_id="c",
        title="t",
        content={},
        manifest=[],
        required=required,
        status="pending",
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    assert levels_of(legacy, ReviewRules()) == levels
