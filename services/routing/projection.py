"""A case's task and history as routing's events say (待办与办理记录): one function for what happened.

The history reads in the order things happened (each line at its event's time), and nothing here
depends on the order in which events of different services arrive.

Every change to a task follows from an event: routing's own — applied in the transaction that emits
it, whether a handler's action or the rules' assignment — and those of the services around it (the
submission, the deadline, the cards, the citizen's supplement, a reviewer's rejection). A replay
applies the same events again, from the log, with this same function (`shared.consumer.Projector`).
Nothing here decides anything: the decisions (`services.routing.workflow`, the rules) are made before
the events exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.routing.db import HistoryEntry, Task
from services.routing.labels import CLOCKS, PARTY_LAPSED, SUPPLEMENT_LAPSED
from services.routing.workflow import ANSWERED, LAPSED, WAITING, CaseState
from shared.codes import ClockKind
from shared.events import (
    CaseAccepted,
    CaseAssigned,
    CaseClosed,
    CaseClustered,
    CaseReopened,
    CaseReplied,
    CaseReturned,
    CaseSupervised,
    CaseSupervisionAcknowledged,
    DeadlineBreached,
    DeadlineExtended,
    DeadlineLapsed,
    DeadlineSet,
    DeadlineWarning,
    Envelope,
    ReviewRejected,
    SubmissionReceived,
    SubmissionRefused,
    SupplementReceived,
    SupplementRequested,
    ThirdPartyConsulted,
    ThirdPartyReplied,
)

if TYPE_CHECKING:
    from services.routing.task_book import TaskBook

__all__ = ["PERSONAL_LINES", "RECEIVED", "RULES", "UNRECORDED", "project", "title_of"]

RULES = "系统分办"
"""Who assigned a case the rules routed."""
UNRECORDED = "（未记录）"
"""Who acted, for an event from before the events said so (release 0.1)."""
SUPERVISION = "督办"
"""Who sent a case to supervision: the office's rule, on the citizen's rating."""
REFUSED_BY = "受理登记"
"""Who took back what intake had accepted (a comment after its consultation closed)."""
RECEIVED = "received"
"""A task's state between its submission and its assignment (inside one transaction, or a replay)."""

SUPPLEMENT_LINE = "补正材料："
THIRD_PARTY_LINE = "征求第三方意见："
REPLY_LINE = "答复："
PERSONAL_LINES = {
    SupplementReceived.event_type: SUPPLEMENT_LINE,
    ThirdPartyConsulted.event_type: THIRD_PARTY_LINE,
    CaseReplied.event_type: REPLY_LINE,
    CaseReopened.event_type: "",
}
"""History lines that quote a person's data (the event's personal fields), by what they begin with."""


def title_of(payload: SubmissionReceived) -> str:
    if payload.mailbox is not None:
        return payload.mailbox.subject
    text = payload.comment.body if payload.comment is not None else payload.disclosure.description  # type: ignore[union-attr]
    return text if len(text) <= 40 else text[:40] + "…"


async def project(book: TaskBook, envelope: Envelope, payload: Any) -> None:
    """Apply one event to the task book: the event's case's task and a history line."""
    if isinstance(payload, CaseClustered | CaseAssigned) and payload.cluster_id is not None:
        # Similarity, decided apart from the assignment (or with it, before release 0.4): the inbox
        # reads it from the table of similar cases, which no other consumer group writes.
        await book.keep_cluster(str(payload.case_id), payload.cluster_id)
    if isinstance(payload, CaseClustered):
        return
    if isinstance(payload, SubmissionReceived):
        if await book.task(payload.case_id) is None:
            await book.add(
                Task(
                    case_id=str(payload.case_id),
                    channel=payload.channel.value,
                    department_id="",
                    state=RECEIVED,
                    title=title_of(payload),
                    receipt_date=payload.receipt_date,
                    received_at=payload.received_at,
                    reason="",
                    submission=payload.model_dump(mode="json"),
                    updated_at=envelope.time,
                    assigned_on=payload.receipt_date,
                )
            )
        return
    # Held until the transaction ends: an action on the case at the same moment (its own transaction,
    # which holds the task too) is applied wholly before or after this event — never this event's
    # change written over the action's from a copy read before it (updated_at would go back in time).
    task = await book.task(envelope.subject, for_change=True)
    if task is None:
        return  # a case this routing never received
    summary = _apply(task, payload)
    if summary is None:
        return
    actor, text = summary
    # The latest event's time, whatever order two services' events were applied in (a replay reads
    # them in the log's order, which may differ from the order they were applied in live).
    task.updated_at = max(task.updated_at, envelope.time)
    await book.add(task)
    if text:
        await book.add(
            HistoryEntry(
                case_id=task.case_id, at=envelope.time, event=envelope.type, actor=actor, summary=text
            )
        )


def _numbered(party_id: str | None) -> str:
    return f"（第三方{party_id}）" if party_id else ""


def _third_parties_end(task: Task, party_id: str | None, state: str) -> None:
    """The party answered, or its days passed (none named: every party waited for, as when one was
    consulted at a time); the case goes on once no party is waited for."""
    parties = dict(task.third_parties)
    for party, was in parties.items():
        if was == WAITING and party_id in (None, party):
            parties[party] = state
    task.third_parties = parties
    if task.state == CaseState.THIRD_PARTY_CONSULTED and WAITING not in parties.values():
        task.state = CaseState.ACCEPTED.value


def _apply(task: Task, payload: Any) -> tuple[str, str] | None:
    """Change ``task`` as ``payload`` says; who and what for the history ("" for no line), or None when
    the event changes nothing."""
    by = getattr(payload, "by", None) or UNRECORDED
    match payload:
        case CaseAssigned():
            if task.supervised and payload.department_id != task.department_id:
                task.supervision_read_by = None  # the notice follows the case to its new department's head
            task.department_id, task.rule_id, task.reason = (
                payload.department_id,
                payload.rule_id,
                payload.reason,
            )
            task.assigned_on, task.state = payload.assigned_on, CaseState.ASSIGNED.value
            return payload.by or RULES, f"转至{payload.department_name}：{payload.reason}"
        case CaseReturned():
            task.returned_by = [*task.returned_by, payload.department_id]
            return by, f"退回：{payload.reason}"
        case CaseAccepted():
            task.state = CaseState.ACCEPTED.value
            return by, "签收"
        case SupplementRequested():
            task.state, task.supplement_requested = CaseState.SUPPLEMENT_REQUESTED.value, True
            task.supplement_due, task.supplement_lapsed = payload.due_date, False
            return by, f"告知补正（{payload.due_date}前）：{payload.items}"
        case SupplementReceived():
            if task.state != CaseState.SUPPLEMENT_REQUESTED:
                return None  # none was asked for, or the case went on without it
            task.state, task.supplement_lapsed = CaseState.ACCEPTED.value, False  # not abandoned after all
            return "申请人", SUPPLEMENT_LINE + payload.text[:200]
        case ThirdPartyConsulted():
            task.state = CaseState.THIRD_PARTY_CONSULTED.value
            if payload.party_id is not None:
                task.third_parties = {**task.third_parties, payload.party_id: WAITING}
            return by, THIRD_PARTY_LINE + payload.party + _numbered(payload.party_id)
        case ThirdPartyReplied():
            _third_parties_end(task, payload.party_id, ANSWERED)
            return by, "第三方已答复" + _numbered(payload.party_id)
        case DeadlineBreached(clock=ClockKind.THIRD_PARTY):
            waited_for = (
                task.third_parties.get(payload.party_id) == WAITING
                if payload.party_id is not None
                else task.state == CaseState.THIRD_PARTY_CONSULTED  # the one party of earlier releases
            )
            if not waited_for:
                return None  # answered before its days passed
            _third_parties_end(task, payload.party_id, LAPSED)
            return CLOCKS, PARTY_LAPSED.format(party=payload.party_id or "")
        case DeadlineSet(clock=ClockKind.SUPPLEMENT_DUE):
            task.supplement_due = payload.due_date
            return "", ""
        case DeadlineLapsed(clock=ClockKind.SUPPLEMENT_DUE):
            if task.supplement_lapsed or task.supplement_due not in (None, payload.due_date):
                return None  # a lapse of a date that has since moved
            task.supplement_due, task.supplement_lapsed = payload.due_date, True
            return CLOCKS, SUPPLEMENT_LAPSED.format(due=payload.due_date)
        case DeadlineExtended():
            task.extended = True
            return by, f"延期{payload.working_days}个工作日：{payload.reason}"
        case CaseReplied():
            task.state = CaseState.REPLIED.value
            return by, REPLY_LINE + payload.text[:200]
        case CaseReopened():
            task.state, task.reopened = CaseState.ACCEPTED.value, task.reopened + 1
            return "市民评价", payload.reason
        case CaseSupervised():
            task.supervised, task.supervised_on = payload.unsatisfied, payload.supervised_on
            task.supervision_read_by = None
            return SUPERVISION, f"督办：{payload.reason}，已通知{payload.department_name}负责人"
        case CaseSupervisionAcknowledged():
            if payload.unsatisfied != task.supervised:
                return None  # a notice since superseded
            task.supervision_read_by = by
            return by, "部门负责人已阅督办通知"
        case CaseClosed():
            task.state = CaseState.CLOSED.value
            return by, "办结"
        case SubmissionRefused():
            task.state = CaseState.CLOSED.value
            return REFUSED_BY, f"不予受理：{payload.reason}"
        case ReviewRejected():
            return payload.reviewer, f"答复公开审核未通过：{payload.reason}"
        case DeadlineSet(clock=ClockKind.REPLY | ClockKind.ADOPTION_REPORT):
            if task.due_date != payload.due_date:
                task.card = None  # a new due date: any card was for the old one
            task.due_date, task.due_date_provisional = payload.due_date, payload.provisional
            return "", ""
        case (
            DeadlineWarning(clock=ClockKind.REPLY | ClockKind.ADOPTION_REPORT)
            | DeadlineBreached(clock=ClockKind.REPLY | ClockKind.ADOPTION_REPORT)
        ):
            # Yellow (一个工作日内到期) or red (已超期) for the due date the inbox shows; red stays red.
            if task.due_date != payload.due_date or task.card == "red":
                return None  # a card for a due date that has since moved
            task.card = "red" if isinstance(payload, DeadlineBreached) else "yellow"
            return "", ""
    return None
