"""The rules for a case the citizen is unsatisfied with: from the second unsatisfied rating it goes to
supervision (督办), and a case sent back for re-handling (发回重办), not replied again, may be given
to another department (改派) — never to triage, never to the department it is with."""

from __future__ import annotations

import pytest

from services.routing.workflow import ActionRefused, CaseFile, CaseState, check_reroute, supervises

S = CaseState


def case(state: CaseState = S.ACCEPTED, reopened: int = 1) -> CaseFile:
    return CaseFile(channel="mailbox", state=state, department="engineering", reopened=reopened)


@pytest.mark.parametrize(
    ("unsatisfied", "from_unsatisfied", "supervised"),
    [(1, 2, False), (2, 2, True), (3, 2, True), (1, 1, True), (2, 3, False), (3, 3, True)],
)
def test_supervision_starts_at_the_set_unsatisfied_rating_and_stays(
    unsatisfied: int, from_unsatisfied: int, supervised: bool
) -> None:
    assert supervises(unsatisfied, from_unsatisfied=from_unsatisfied) is supervised


@pytest.mark.parametrize("state", [S.ASSIGNED, S.ACCEPTED])
def test_a_reopened_case_not_replied_again_is_rerouted_to_another_department(state: CaseState) -> None:
    check_reroute(case(state), "policy", triage_department="triage")


@pytest.mark.parametrize(
    ("state", "reopened"),
    [
        (S.ACCEPTED, 0),  # never sent back: an ordinary case, dispatched or returned, not re-routed
        (S.ASSIGNED, 0),
        (S.REPLIED, 1),  # replied again: the citizen rates it first
        (S.CLOSED, 1),
        (S.SUPPLEMENT_REQUESTED, 1),
        (S.THIRD_PARTY_CONSULTED, 1),
    ],
)
def test_only_a_case_sent_back_and_not_replied_again_is_rerouted(state: CaseState, reopened: int) -> None:
    with pytest.raises(ActionRefused) as refused:
        check_reroute(case(state, reopened), "policy", triage_department="triage")
    assert (refused.value.kind, refused.value.field) == ("state", None)
    assert "sent back for re-handling" in str(refused.value)


@pytest.mark.parametrize(
    ("department", "words"), [("engineering", "with this department already"), ("triage", "not to triage")]
)
def test_a_reroute_names_another_department_than_its_own_or_triage(department: str, words: str) -> None:
    with pytest.raises(ActionRefused) as refused:
        check_reroute(case(), department, triage_department="triage")
    assert (refused.value.kind, refused.value.field) == ("input", "department_id")
    assert words in str(refused.value)
