"""What a handler may do to a case, and when: the case state machine (办理流程). Pure: no I/O.

    assigned ──accept──► accepted ──reply──► replied ──close──► closed
       │                  │  ▲  ▲                │
       │ return (退回)     │  │  └─ supplement received / third party replied
       ▼                  ▼  │                   └─ unsatisfied rating → accepted (发回重办)
    re-assigned     supplement_requested / third_party_consulted
                                                     (unsatisfied again: also 督办, `supervises`)

A case sent back for re-handling, not yet replied again, an admin may give to another department
(改派, `check_reroute`): it is assigned there afresh.

Each check raises :class:`ActionRefused` saying why; ``kind`` tells the edge which HTTP status fits
(``state`` → 409, ``input`` → 422 naming ``field``, ``role`` → 403).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

from services.routing.labels import STATES
from shared.notices import Issuer

__all__ = [
    "ALLOWED",
    "REROUTABLE",
    "Action",
    "ActionRefused",
    "CaseFile",
    "CaseState",
    "ExtensionRules",
    "OfficePolicy",
    "ReplyDraft",
    "allows",
    "available",
    "check_accept",
    "check_close",
    "check_consult_third_party",
    "check_extend",
    "check_reply",
    "check_request_supplement",
    "check_reroute",
    "check_return",
    "check_third_party_replied",
    "next_party",
    "reopens",
    "returned_to",
    "supervises",
]


class CaseState(StrEnum):
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    THIRD_PARTY_CONSULTED = "third_party_consulted"
    REPLIED = "replied"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """The state's name on the workbench (`services.routing.labels`)."""
        return STATES[self.value]


OPEN = frozenset(
    {CaseState.ASSIGNED, CaseState.ACCEPTED, CaseState.SUPPLEMENT_REQUESTED, CaseState.THIRD_PARTY_CONSULTED}
)


class Action(StrEnum):
    """What a handler does to a case (the workbench's forms, in the order it offers them)."""

    ACCEPT = "accept"  # 签收
    REPLY = "reply"  # 答复
    REQUEST_SUPPLEMENT = "request-supplement"  # 补正告知
    CONSULT_THIRD_PARTY = "consult-third-party"  # 征求第三方意见
    RETURN = "return"  # 退回
    THIRD_PARTY_REPLIED = "third-party-replied"  # 第三方答复
    EXTEND = "extend"  # 延期
    CLOSE = "close"  # 办结


ALLOWED: dict[Action, frozenset[CaseState]] = {
    Action.ACCEPT: frozenset({CaseState.ASSIGNED}),
    Action.REPLY: frozenset({CaseState.ASSIGNED, CaseState.ACCEPTED, CaseState.THIRD_PARTY_CONSULTED}),
    Action.REQUEST_SUPPLEMENT: frozenset({CaseState.ASSIGNED, CaseState.ACCEPTED}),
    Action.CONSULT_THIRD_PARTY: frozenset(
        {CaseState.ASSIGNED, CaseState.ACCEPTED, CaseState.THIRD_PARTY_CONSULTED}
    ),  # several third parties may be consulted at once (OGI Art. 32)
    Action.RETURN: frozenset({CaseState.ASSIGNED, CaseState.ACCEPTED}),
    Action.THIRD_PARTY_REPLIED: frozenset({CaseState.THIRD_PARTY_CONSULTED}),
    Action.EXTEND: OPEN,
    Action.CLOSE: frozenset({CaseState.REPLIED}),
}
"""The state machine: the states each action starts from (the channel rules below narrow it)."""

DISCLOSURE_ONLY = frozenset({Action.REQUEST_SUPPLEMENT, Action.CONSULT_THIRD_PARTY})
NO_SUPPLEMENT = "other.no_supplement"
"""The outcome that replies to a request whose applicant let the supplement deadline pass: only once
tracking has said it passed (`CaseFile.supplement_lapsed`)."""
WAITING, ANSWERED, LAPSED = "waiting", "answered", "lapsed"
"""A third party consulted: within its 15 working days and not yet answered, answered, or its days
passed unanswered (the office decides on its own, OGI Art. 32)."""


def allows(action: Action, channel: str, state: str) -> bool:
    """Whether the state machine allows ``action`` on a case of ``channel`` in ``state`` (the checks
    below add the rules that depend on more than that: windows, roles, what the form says)."""
    if action in DISCLOSURE_ONLY and channel != "disclosure_request":
        return False
    if action is Action.EXTEND and channel == "consultation_comment":
        return False
    if action is Action.REPLY and channel == "disclosure_request" and state == CaseState.SUPPLEMENT_REQUESTED:
        return True  # only with the outcome NO_SUPPLEMENT (`check_reply`)
    return state in ALLOWED[action]


def available(channel: str, state: str) -> list[Action]:
    """The actions to offer on a case (the use cases still decide)."""
    return [action for action in Action if allows(action, channel, state)]


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
    reopened: int = 0
    """Times an unsatisfied rating sent it back for re-handling (发回重办)."""
    supplement_due: date | None = None
    """The applicant's supplement deadline (补正期限), as tracking counts it."""
    supplement_lapsed: bool = False
    """Tracking announced the supplement deadline passed with no supplement."""
    third_parties: tuple[tuple[str, str], ...] = ()
    """Each third party consulted, by number, and its state (`WAITING`, `ANSWERED`, `LAPSED`)."""

    @property
    def waiting_parties(self) -> tuple[str, ...]:
        return tuple(party for party, state in self.third_parties if state == WAITING)


@dataclass(frozen=True, slots=True)
class ExtensionRules:
    """Extensions: a disclosure request once by at most 20 working days with the disclosure office
    head's approval (OGI Art. 33); a mailbox letter once by at most 10, by the department head."""

    disclosure_max_days: int = 20
    mailbox_max_days: int = 10


@dataclass(frozen=True, slots=True)
class OfficePolicy:
    """The office's standing handling rules (办理规则), from settings: where an unmatched case waits
    (待分办), how often a case may be returned and within how many working days of its assignment,
    how long after receipt a supplement may be asked for, how far a reply may be extended, and the
    unsatisfied rating from which a case goes to supervision (督办)."""

    triage_department: str = "triage"
    max_returns: int = 2
    supervise_from_unsatisfied: int = 2
    return_window_days: int = 2
    supplement_window_days: int = 7
    extension: ExtensionRules = ExtensionRules()
    issuer: Issuer = field(default_factory=Issuer)
    """Who signs the formal notices to disclosure applicants (告知书) and where they may appeal."""


def _require(case: CaseFile, action: Action, *, doing: str) -> None:
    if case.state not in ALLOWED[action]:
        allowed = "、".join(sorted(ALLOWED[action]))
        raise ActionRefused(f"cannot {doing} a case that is {case.state}; only one that is {allowed}")


def check_accept(case: CaseFile) -> None:
    _require(case, Action.ACCEPT, doing="accept")


def check_return(case: CaseFile, *, triage_department: str, today: date, return_deadline: date) -> None:
    """A department that is not responsible returns the case within its return window (2 working days)."""
    _require(case, Action.RETURN, doing="return")
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
    _require(case, Action.REQUEST_SUPPLEMENT, doing="request a supplement for")
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
    _require(case, Action.CONSULT_THIRD_PARTY, doing="consult a third party on")


def check_third_party_replied(case: CaseFile, party: str | None = None) -> str | None:
    """Which party answered: the one named, which must be waited for; unnamed, the only one waited
    for (None for a party consulted before parties were numbered)."""
    _require(case, Action.THIRD_PARTY_REPLIED, doing="record a third party's answer on")
    waiting = case.waiting_parties
    if party is not None:
        if party not in waiting:
            known = "、".join(waiting) or "none"
            raise _field(f"third party {party} is not waited for; those waited for: {known}", "party_id")
        return party
    if len(waiting) > 1:
        raise _field(
            f"several third parties are waited for ({'、'.join(waiting)}); say which answered", "party_id"
        )
    return waiting[0] if waiting else None


def next_party(case: CaseFile) -> str:
    """The number of the next third party consulted on the case (1, 2, …)."""
    return str(len(case.third_parties) + 1)


def check_extend(
    case: CaseFile,
    *,
    working_days: int,
    is_disclosure_head: bool,
    is_department_head: bool,
    rules: ExtensionRules,
) -> None:
    if case.state not in ALLOWED[Action.EXTEND]:
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
    _require(case, Action.CLOSE, doing="close")


def reopens(case: CaseFile, rating: str) -> bool:
    """An unsatisfied rating sends a replied or closed case back for re-handling (发回重办)."""
    return rating == "unsatisfied" and case.state in (CaseState.REPLIED, CaseState.CLOSED)


def supervises(unsatisfied: int, *, from_unsatisfied: int) -> bool:
    """The ``from_unsatisfied``-th unsatisfied rating (the second) that reopens a case, and each one
    after it, sends the case to supervision (督办) too: still unsatisfied after re-handling."""
    return unsatisfied >= from_unsatisfied


REROUTABLE = frozenset({CaseState.ASSIGNED, CaseState.ACCEPTED})
"""A reopened case is re-routed before its department does more than take it on again."""


def check_reroute(case: CaseFile, department: str, *, triage_department: str) -> None:
    """An admin gives a case sent back for re-handling (发回重办), and not replied again, to another
    department (改派)."""
    if case.reopened == 0 or case.state not in REROUTABLE:
        raise ActionRefused(
            f"only a case sent back for re-handling after an unsatisfied rating, and not replied "
            f"again, is re-routed; this one is {case.state}"
            + ("" if case.reopened else " and was never sent back")
        )
    if department == triage_department:
        raise _field("re-route to a department, not to triage", "department_id")
    if department == case.department:
        raise _field("the case is with this department already; choose another", "department_id")


@dataclass(frozen=True, slots=True)
class ReplyDraft:
    channel: str
    text: str
    outcome: str | None
    adoption: str | None
    reason: str | None


def check_reply(
    state: str, draft: ReplyDraft, *, supplement_due: date | None = None, supplement_lapsed: bool = False
) -> None:
    """A reply fits the case's state and its channel (答复).

    Disclosure requests give one outcome of the annual-report taxonomy, with the reason and legal
    basis whenever anything is withheld; comments give an adoption decision, with a reason unless
    adopted; mailbox letters give text only. ``other.no_supplement`` only once the applicant's
    supplement deadline has passed unused, as tracking announced it (OGI Art. 30).
    """
    if draft.outcome == NO_SUPPLEMENT and not supplement_lapsed:
        if supplement_due is None:
            raise ActionRefused("no supplement deadline has passed: none was asked for on this request")
        raise ActionRefused(
            f"the applicant has until {supplement_due} to supplement; other.no_supplement is a reply "
            "only after that day has passed without a supplement"
        )
    if state == CaseState.SUPPLEMENT_REQUESTED and draft.outcome == NO_SUPPLEMENT:
        return  # the applicant let the supplement deadline pass: the request is treated as abandoned
    if state not in ALLOWED[Action.REPLY]:
        raise ActionRefused(
            f"the case is {state}; only an open case (assigned or accepted) can be replied to"
        )
    if draft.channel == "disclosure_request":
        if draft.outcome is None:
            raise _field("a disclosure reply states its outcome", "outcome")
        if draft.outcome != "disclosed" and not draft.reason:
            raise _field("an outcome that withholds anything states the reason and legal basis", "reason")
        if draft.adoption is not None:
            raise _field("adoption applies to consultation comments only", "adoption")
    elif draft.channel == "consultation_comment":
        if draft.adoption is None:
            raise _field("a reply to a comment states whether it was adopted", "adoption")
        if draft.adoption != "adopted" and not draft.reason:
            raise _field("a comment not fully adopted needs the reason", "reason")
        if draft.outcome is not None:
            raise _field("outcome applies to disclosure requests only", "outcome")
    elif draft.outcome is not None or draft.adoption is not None:
        raise _field("a mailbox reply is text only", "outcome" if draft.outcome else "adoption")


def _field(message: str, field: str) -> ActionRefused:
    return ActionRefused(message, kind="input", field=field)
