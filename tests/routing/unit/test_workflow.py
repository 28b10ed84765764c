from __future__ import annotations

from datetime import date

import pytest

from services.routing.workflow import (
    ActionRefused,
    CaseFile,
    CaseState,
    ExtensionRules,
    check_accept,
    check_close,
    check_consult_third_party,
    check_extend,
    check_request_supplement,
    check_return,
    check_third_party_replied,
    reopens,
    returned_to,
)

S = CaseState
TODAY = date(2026, 11, 25)


def case(channel: str = "mailbox", state: CaseState = S.ASSIGNED, **more: object) -> CaseFile:
    return CaseFile(channel=channel, state=state, department="engineering", **more)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("check", "allowed", "refused"),
    [
        (check_accept, [S.ASSIGNED], [S.ACCEPTED, S.REPLIED, S.CLOSED, S.SUPPLEMENT_REQUESTED]),
        (check_close, [S.REPLIED], [S.ASSIGNED, S.ACCEPTED, S.CLOSED]),
        (check_third_party_replied, [S.THIRD_PARTY_CONSULTED], [S.ACCEPTED, S.ASSIGNED]),
    ],
)
def test_each_action_is_allowed_only_in_its_states(
    check: object, allowed: list[CaseState], refused: list[CaseState]
) -> None:
    for state in allowed:
        check(case("disclosure_request", state))  # type: ignore[operator]
    for state in refused:
        with pytest.raises(ActionRefused) as raised:
            check(case("disclosure_request", state))  # type: ignore[operator]
        assert raised.value.kind == "state"


def test_a_return_is_refused_after_the_window_and_from_triage() -> None:
    check_return(case(), triage_department="triage", today=TODAY, return_deadline=TODAY)
    with pytest.raises(ActionRefused, match="window closed on 2026-11-24"):
        check_return(case(), triage_department="triage", today=TODAY, return_deadline=date(2026, 11, 24))
    triage = CaseFile(channel="mailbox", state=S.ASSIGNED, department="triage")
    with pytest.raises(ActionRefused, match="dispatched by an admin"):
        check_return(triage, triage_department="triage", today=TODAY, return_deadline=TODAY)


def test_after_enough_returns_a_case_waits_in_triage() -> None:
    assert returned_to(("engineering",), max_returns=2) == "next_department"
    assert returned_to(("engineering", "policy"), max_returns=2) == "triage"


@pytest.mark.parametrize(
    ("file", "today", "days", "why"),
    [
        (case("mailbox", S.ACCEPTED), TODAY, 5, "only a disclosure request"),
        (
            case("disclosure_request", S.ACCEPTED, supplement_requested=True),
            TODAY,
            5,
            "already requested once",
        ),
        (
            case("disclosure_request", S.ACCEPTED),
            date(2026, 12, 5),
            5,
            "window to request a supplement closed",
        ),
        (case("disclosure_request", S.REPLIED), TODAY, 5, "cannot request a supplement"),
        (case("disclosure_request", S.ACCEPTED), TODAY, 0, "1 to 30 working days"),
    ],
)
def test_a_supplement_request_follows_article_30(file: CaseFile, today: date, days: int, why: str) -> None:
    with pytest.raises(ActionRefused, match=why):
        check_request_supplement(file, today=today, window_end=date(2026, 12, 4), working_days=days)


def test_a_supplement_request_within_the_window_passes() -> None:
    check_request_supplement(
        case("disclosure_request", S.ACCEPTED), today=TODAY, window_end=TODAY, working_days=10
    )


def test_third_parties_are_consulted_on_disclosure_requests_only() -> None:
    check_consult_third_party(case("disclosure_request", S.ACCEPTED))
    with pytest.raises(ActionRefused, match="disclosure requests only"):
        check_consult_third_party(case("mailbox", S.ACCEPTED))


@pytest.mark.parametrize(
    ("file", "days", "disclosure_head", "department_head", "kind", "why"),
    [
        (case("disclosure_request", S.ACCEPTED), 20, False, True, "role", "disclosure office head"),
        (case("disclosure_request", S.ACCEPTED), 21, True, False, "input", "1 to 20"),
        (
            case("disclosure_request", S.ACCEPTED, extended=True),
            5,
            True,
            False,
            "state",
            "already extended once",
        ),
        (case("mailbox", S.ACCEPTED), 5, False, False, "role", "department head"),
        (case("mailbox", S.ACCEPTED), 11, False, True, "input", "1 to 10"),
        (case("consultation_comment", S.ACCEPTED), 5, True, True, "state", "no extension"),
        (case("mailbox", S.REPLIED), 5, False, True, "state", "cannot extend"),
    ],
)
def test_an_extension_needs_its_approver_and_stays_within_its_limit(
    file: CaseFile, days: int, disclosure_head: bool, department_head: bool, kind: str, why: str
) -> None:
    with pytest.raises(ActionRefused, match=why) as raised:
        check_extend(
            file,
            working_days=days,
            is_disclosure_head=disclosure_head,
            is_department_head=department_head,
            rules=ExtensionRules(),
        )
    assert raised.value.kind == kind


def test_extensions_within_the_rules_pass() -> None:
    check_extend(
        case("disclosure_request", S.ACCEPTED),
        working_days=20,
        is_disclosure_head=True,
        is_department_head=False,
        rules=ExtensionRules(),
    )
    check_extend(
        case("mailbox", S.THIRD_PARTY_CONSULTED),
        working_days=10,
        is_disclosure_head=False,
        is_department_head=True,
        rules=ExtensionRules(),
    )


def test_only_an_unsatisfied_rating_of_a_replied_case_reopens_it() -> None:
    assert reopens(case(state=S.REPLIED), "unsatisfied")
    assert reopens(case(state=S.CLOSED), "unsatisfied")
    assert not reopens(case(state=S.REPLIED), "basically_satisfied")
    assert not reopens(case(state=S.ACCEPTED), "unsatisfied")
