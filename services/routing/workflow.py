"""What a handler may do to a case, and when: the case state machine (办理流程). Pure: no I/O.

    assigned ──accept──► accepted ──reply──► replied ──close──► closed
       │                  │  ▲  ▲                │
       │ return (退回)     │  │  └─ supplement received / third party replied
       ▼                  ▼  │                   └─ unsatisfied rating → accepted (发回重办)
    re-assigned     supplement_requested / third_party_consulted

Each check raises :class:`ActionRefused` saying why; ``kind`` tells the edge which HTTP status fits
(``state`` → 409, ``input`` → 422 naming ``field``, ``role`` → 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

__all__ = [
    "ActionRefused",
    "CaseFile",
    "CaseState",
    "ExtensionRules",
    "check_accept",
    "check_close",
    "check_consult_third_party",
    "check_extend",
    "check_request_supplement",
    "check_return",
    "check_third_party_replied",
    "reopens",
    "returned_to",
]


class CaseState(StrEnum):
    ASSIGNED = "assigned"  # 待签收
    ACCEPTED = "accepted"  # 办理中
    SUPPLEMENT_REQUESTED = "supplement_requested"  # 待补正
    THIRD_PARTY_CONSULTED = "third_party_consulted"  # 征求第三方意见
    REPLIED = "replied"  # 已答复
    CLOSED = "closed"  # 已办结


OPEN = frozenset(
    {CaseState.ASSIGNED, CaseState.ACCEPTED, CaseState.SUPPLEMENT_REQUESTED, CaseState.THIRD_PARTY_CONSULTED}
)

Kind = Literal["state", "input", "role"]


class ActionRefused(Exception):
    def __init__(self, message: str, *, kind: Kind = "state", field: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.field = field


@dataclass(frozen=True, slots=True)
class CaseFile:
    """What the rules look at about a case."""

    channel: str
    state: CaseState
    department: str
    extended: bool = False
    supplement_requested: bool = False
    returned_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExtensionRules:
    """Extensions: a disclosure request once by at most 20 working days with the disclosure office
    head's approval (OGI Art. 33); a mailbox letter once by at most 10, by the department head."""

    disclosure_max_days: int = 20
    mailbox_max_days: int = 10


def _require(case: CaseFile, *states: CaseState, doing: str) -> None:
    if case.state not in states:
        allowed = "、".join(states)
        raise ActionRefused(f"cannot {doing} a case that is {case.state}; only one that is {allowed}")


def check_accept(case: CaseFile) -> None:
    _require(case, CaseState.ASSIGNED, doing="accept")


def check_return(case: CaseFile, *, triage_department: str, today: date, return_deadline: date) -> None:
    """A department that is not responsible returns the case within its return window (2 working days)."""
    _require(case, CaseState.ASSIGNED, CaseState.ACCEPTED, doing="return")
    if case.department == triage_department:
        raise ActionRefused("a case in triage is dispatched by an admin, not returned")
    if today > return_deadline:
        raise ActionRefused(f"the return window closed on {return_deadline}; the department handles the case")


def returned_to(returned_by: tuple[str, ...], *, max_returns: int) -> Literal["next_department", "triage"]:
    """After ``max_returns`` returns the case waits in triage for an admin to dispatch it by hand."""
    return "triage" if len(returned_by) >= max_returns else "next_department"


def check_request_supplement(case: CaseFile, *, today: date, window_end: date, working_days: int) -> None:
    """One notice to supplement a disclosure request, within 7 working days of receipt (OGI Art. 30)."""
    if case.channel != "disclosure_request":
        raise ActionRefused("only a disclosure request can be sent back for a supplement")
    _require(case, CaseState.ASSIGNED, CaseState.ACCEPTED, doing="request a supplement for")
    if case.supplement_requested:
        raise ActionRefused("a supplement was already requested once; the rules allow one notice")
    if today > window_end:
        raise ActionRefused(
            f"the window to request a supplement closed on {window_end} (7 working days after receipt)"
        )
    if not 1 <= working_days <= 30:
        raise ActionRefused("give the applicant 1 to 30 working days", kind="input", field="working_days")


def check_consult_third_party(case: CaseFile) -> None:
    if case.channel != "disclosure_request":
        raise ActionRefused("third parties are consulted on disclosure requests only (OGI Art. 32)")
    _require(case, CaseState.ASSIGNED, CaseState.ACCEPTED, doing="consult a third party on")


def check_third_party_replied(case: CaseFile) -> None:
    _require(case, CaseState.THIRD_PARTY_CONSULTED, doing="record a third party's answer on")


def check_extend(
    case: CaseFile,
    *,
    working_days: int,
    is_disclosure_head: bool,
    is_department_head: bool,
    rules: ExtensionRules,
) -> None:
    if case.state not in OPEN:
        raise ActionRefused(f"cannot extend a case that is {case.state}")
    if case.channel == "disclosure_request":
        if not is_disclosure_head:
            raise ActionRefused(
                "extending a disclosure request needs the disclosure office head (disclosure_head)",
                kind="role",
            )
        limit = rules.disclosure_max_days
    elif case.channel == "mailbox":
        if not is_department_head:
            raise ActionRefused("extending a letter needs the department head (department_head)", kind="role")
        limit = rules.mailbox_max_days
    else:
        raise ActionRefused("a consultation comment is answered in the adoption report; it has no extension")
    if case.extended:
        raise ActionRefused("the deadline was already extended once")
    if not 1 <= working_days <= limit:
        raise ActionRefused(f"an extension is 1 to {limit} working days", kind="input", field="working_days")


def check_close(case: CaseFile) -> None:
    _require(case, CaseState.REPLIED, doing="close")


def reopens(case: CaseFile, rating: str) -> bool:
    """An unsatisfied rating sends a replied or closed case back for re-handling (发回重办)."""
    return rating == "unsatisfied" and case.state in (CaseState.REPLIED, CaseState.CLOSED)
