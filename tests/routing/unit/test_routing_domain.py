from __future__ import annotations

import pytest

from services.routing.domain import CaseFacts, Rule, assign
from services.routing.workflow import ActionRefused, ReplyDraft, check_reply

RULES = [
    Rule("disclosure", 10, "open-government", channel="disclosure_request"),
    Rule("engineering-mailbox", 20, "engineering", channel="mailbox", mailbox="civil-air-defence"),
    Rule("shelter", 30, "engineering", keywords=("人防工程", "防空洞")),
    Rule("alarm", 30, "command-comms", keywords=("防空警报",)),
    Rule("complaints", 25, "general-office", channel="mailbox", category="投诉"),
    Rule("old", 1, "nowhere", enabled=False),
    Rule("business", 5, "policy", channel="disclosure_request", applicant_type="business"),
]


@pytest.mark.parametrize(
    ("facts", "department", "rule"),
    [
        pytest.param(
            CaseFacts("mailbox", "人防车位", mailbox="civil-air-defence"),
            "engineering",
            "engineering-mailbox",
            id="mailbox",
        ),
        pytest.param(
            CaseFacts("mailbox", "关于防空警报", mailbox="director"),
            "command-comms",
            "alarm",
            id="keyword-subject",
        ),
        pytest.param(
            CaseFacts("mailbox", "咨询", "小区防空洞漏水", mailbox="director"),
            "engineering",
            "shelter",
            id="keyword-body",
        ),
        pytest.param(
            CaseFacts("mailbox", "防空警报投诉", mailbox="director", category="投诉"),
            "general-office",
            "complaints",
            id="priority-wins",
        ),
        pytest.param(
            CaseFacts("disclosure_request", body="x", applicant_type="business"),
            "policy",
            "business",
            id="applicant-type",
        ),
        pytest.param(
            CaseFacts("disclosure_request", body="x", applicant_type="natural_person"),
            "open-government",
            "disclosure",
            id="channel",
        ),
        pytest.param(CaseFacts("mailbox", "表扬信", mailbox="director"), "triage", None, id="triage"),
    ],
)
def test_the_first_matching_rule_by_priority_assigns_the_case(
    facts: CaseFacts, department: str, rule: str | None
) -> None:
    assignment = assign(facts, RULES, triage_department="triage")
    assert (assignment.department, assignment.rule_id) == (department, rule)
    assert assignment.reason


def test_keywords_match_full_width_and_half_width_alike() -> None:
    rules = [Rule("abc", 1, "it", keywords=("APP闪退",))]
    facts = CaseFacts("mailbox", "ａｐｐ闪退了", mailbox="director")
    assert assign(facts, rules, triage_department="triage").department == "it"


def test_a_department_that_returned_the_case_is_skipped() -> None:
    facts = CaseFacts("mailbox", "防空洞", mailbox="civil-air-defence")
    assert assign(facts, RULES, triage_department="triage", excluded=["engineering"]).department == "triage"


@pytest.mark.parametrize(
    ("state", "draft", "field"),
    [
        pytest.param("replied", ReplyDraft("mailbox", "t", None, None, None), None, id="already-replied"),
        pytest.param(
            "assigned",
            ReplyDraft("mailbox", "t", "disclosed", None, None),
            "outcome",
            id="mailbox-with-outcome",
        ),
        pytest.param(
            "assigned",
            ReplyDraft("disclosure_request", "t", None, None, None),
            "outcome",
            id="disclosure-no-outcome",
        ),
        pytest.param(
            "assigned",
            ReplyDraft("disclosure_request", "t", "partially_disclosed", None, None),
            "reason",
            id="withholding-no-reason",
        ),
        pytest.param(
            "assigned",
            ReplyDraft("consultation_comment", "t", None, None, None),
            "adoption",
            id="comment-no-adoption",
        ),
        pytest.param(
            "assigned",
            ReplyDraft("consultation_comment", "t", None, "not_adopted", ""),
            "reason",
            id="not-adopted-no-reason",
        ),
    ],
)
def test_a_reply_that_breaks_the_rules_is_refused(state: str, draft: ReplyDraft, field: str | None) -> None:
    with pytest.raises(ActionRefused) as raised:
        check_reply(state, draft)
    assert raised.value.field == field


@pytest.mark.parametrize(
    "draft",
    [
        ReplyDraft("mailbox", "t", None, None, None),
        ReplyDraft("disclosure_request", "t", "disclosed", None, None),
        ReplyDraft("disclosure_request", "t", "withheld.state_secret", None, "第十四条"),
        ReplyDraft("consultation_comment", "t", None, "adopted", None),
        ReplyDraft("consultation_comment", "t", None, "partially_adopted", "部分内容已有规定"),
    ],
)
def test_a_reply_that_keeps_the_rules_passes(draft: ReplyDraft) -> None:
    check_reply("accepted", draft)
