"""The disclosure rules to the letter (issue 15), as the pure state machine has them: a reply
``other.no_supplement`` only once tracking said the applicant's deadline passed; several third parties
at once, the one that answered named while more than one is waited for."""

from __future__ import annotations

from datetime import date

import pytest

from services.routing.workflow import (
    ANSWERED,
    LAPSED,
    NO_SUPPLEMENT,
    WAITING,
    Action,
    ActionRefused,
    CaseFile,
    CaseState,
    ReplyDraft,
    allows,
    check_consult_third_party,
    check_reply,
    check_third_party_replied,
    next_party,
)

ABANDONED = ReplyDraft("disclosure_request", "申请人逾期未补正", NO_SUPPLEMENT, None, "第三十条")


def request(state: CaseState, **more: object) -> CaseFile:
    return CaseFile(channel="disclosure_request", state=state, department="legal", **more)  # type: ignore[arg-type]


def test_no_supplement_is_refused_before_the_deadline_passed_saying_the_date() -> None:
    with pytest.raises(ActionRefused, match="until 2026-03-18") as raised:
        check_reply("supplement_requested", ABANDONED, supplement_due=date(2026, 3, 18))
    assert raised.value.kind == "state"


def test_no_supplement_is_refused_when_none_was_asked_for() -> None:
    with pytest.raises(ActionRefused, match="none was asked for"):
        check_reply("accepted", ABANDONED)


def test_no_supplement_is_the_reply_once_tracking_said_the_deadline_passed() -> None:
    check_reply("supplement_requested", ABANDONED, supplement_due=date(2026, 3, 18), supplement_lapsed=True)


def test_another_party_may_be_consulted_while_one_is_waited_for() -> None:
    case = request(CaseState.THIRD_PARTY_CONSULTED, third_parties=(("1", WAITING),))
    assert allows(Action.CONSULT_THIRD_PARTY, "disclosure_request", CaseState.THIRD_PARTY_CONSULTED)
    check_consult_third_party(case)
    assert next_party(case) == "2"


@pytest.mark.parametrize(
    ("parties", "named", "answered"),
    [
        pytest.param((("1", WAITING),), None, "1", id="the-only-one-waited-for"),
        pytest.param((("1", ANSWERED), ("2", WAITING)), None, "2", id="the-only-one-still-waited-for"),
        pytest.param((("1", WAITING), ("2", WAITING)), "2", "2", id="named"),
        pytest.param((), None, None, id="consulted-before-parties-were-numbered"),
    ],
)
def test_the_party_that_answered(
    parties: tuple[tuple[str, str], ...], named: str | None, answered: str | None
) -> None:
    case = request(CaseState.THIRD_PARTY_CONSULTED, third_parties=parties)
    assert check_third_party_replied(case, named) == answered


@pytest.mark.parametrize(
    ("parties", "named"),
    [
        pytest.param((("1", WAITING), ("2", WAITING)), None, id="several-waited-for-none-named"),
        pytest.param((("1", LAPSED), ("2", WAITING)), "1", id="its-days-passed"),
        pytest.param((("1", WAITING),), "3", id="no-such-party"),
    ],
)
def test_an_answer_must_name_a_party_waited_for(
    parties: tuple[tuple[str, str], ...], named: str | None
) -> None:
    case = request(CaseState.THIRD_PARTY_CONSULTED, third_parties=parties)
    with pytest.raises(ActionRefused) as raised:
        check_third_party_replied(case, named)
    assert (raised.value.kind, raised.value.field) == ("input", "party_id")
