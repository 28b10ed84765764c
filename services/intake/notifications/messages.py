"""What the citizen is told, in words (告知内容). Pure.

A message names the case the way its author knows it — the day they wrote and where to (a public
mailbox, a public consultation) — and what happened, with nothing anyone else wrote: no reply text, no
supplement items, no name. A stranger reading it learns that someone wrote to a public office that day;
the details are behind the tracking code (查询码), which intake does not keep in the clear.

`TOLD` maps each case event the citizen is told of to the function that words it (None: this one
tells nothing). Telling of a new event is one line here — the notifying consumer takes every type in
it (`services.intake.app`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.codes import ANSWER_CLOCKS, Channel
from shared.dates import cn_date
from shared.events import (
    AdoptionReportPublished,
    CaseAssigned,
    CaseReplied,
    DeadlineExtended,
    DeadlineSet,
    EventPayload,
    InterviewTranscriptPublished,
    NoticeIssued,
    SupplementRequested,
)
from shared.notices import KINDS, NoticeKind

__all__ = ["TOLD", "CaseRef", "Message", "adoption_report_message", "message_for", "transcript_message"]


@dataclass(frozen=True, slots=True)
class CaseRef:
    """How the citizen recognises their case: the channel, the receipt date, and where it went (the
    mailbox's name, the consultation's title — both public)."""

    channel: Channel
    received_on: date
    about: str | None = None

    def words(self) -> str:
        day = cn_date(self.received_on)
        match self.channel:
            case Channel.MAILBOX:
                return f"您于{day}向{self.about}的来信" if self.about else f"您于{day}的来信"
            case Channel.CONSULTATION_COMMENT:
                return f"您于{day}对《{self.about}》提出的意见" if self.about else f"您于{day}提出的意见"
            case Channel.DISCLOSURE_REQUEST:
                return f"您于{day}提交的政府信息公开申请"
            case Channel.INTERVIEW_QUESTION:
                return (
                    f"您于{day}为在线访谈《{self.about}》提出的问题"
                    if self.about
                    else f"您于{day}提出的访谈问题"
                )
        return f"您于{day}提交的事项"


@dataclass(frozen=True, slots=True)
class Message:
    """One message: its subject (the email's subject) and what it says (an SMS says only the first line)."""

    subject: str
    lines: tuple[str, ...]

    def email_text(self, *, office: str, portal_url: str) -> str:
        return "\n\n".join(
            (
                "您好：",
                *self.lines,
                f"凭受理时取得的查询码，可在 {portal_url}/track 查看办理进度和详情。",
                f"{office}\n（本邮件由系统自动发送，请勿直接回复。）",
            )
        )

    def sms_text(self, *, office: str) -> str:
        return f"【{office}】{self.lines[0]}凭查询码可在网站查看详情。"


def _by_notice(ref: CaseRef) -> bool:
    """A disclosure applicant is told of each step by its formal notice (`_notice_issued`), not twice."""
    return ref.channel is Channel.DISCLOSURE_REQUEST


def _assigned(payload: CaseAssigned, ref: CaseRef) -> Message | None:
    if _by_notice(ref):
        return None  # the receipt (登记回执) tells it
    return Message("已转办", (f"{ref.words()}已转至{payload.department_name}办理。",))


def _supplement_requested(payload: SupplementRequested, ref: CaseRef) -> Message | None:
    if _by_notice(ref):
        return None  # the 补正告知书 tells it, with the same date
    return Message(
        "请补正材料",
        (f"{ref.words()}需要补正材料，请于{cn_date(payload.due_date)}前凭查询码在网站提交补正。",),
    )


def _deadline_moved(payload: DeadlineSet, ref: CaseRef) -> Message | None:
    """Only a date that moved (an extension, a recount, a restart after a supplement): the first date
    set is on the receipt already; a disclosure request's extension is told by its notice."""
    if payload.clock not in ANSWER_CLOCKS or payload.old_due_date in (None, payload.due_date):
        return None
    if _by_notice(ref) and payload.cause == DeadlineExtended.event_type:
        return None
    provisional = "（暂定，待节假日安排公布后确定）" if payload.provisional else ""
    return Message(
        "答复期限调整",
        (f"{ref.words()}的答复期限调整为{cn_date(payload.due_date)}{provisional}。",),
    )


def _replied(_payload: CaseReplied, ref: CaseRef) -> Message | None:
    if _by_notice(ref):
        return None  # the 答复告知书 tells it
    return Message("已答复", (f"{ref.words()}已有答复，请凭查询码查看。",))


_NOTICE_NEWS = {
    NoticeKind.RECEIPT: "已登记受理",
    NoticeKind.SUPPLEMENT: "需要补正材料",
    NoticeKind.EXTENSION: "的答复期限已延长",
    NoticeKind.REPLY: "已有答复",
}


def _notice_issued(payload: NoticeIssued, ref: CaseRef) -> Message:
    """A formal notice (告知书): what happened, the notice's title and number, and — for a supplement or
    an extension — its date; the notice itself is downloaded with the tracking code."""
    news = _NOTICE_NEWS[payload.kind]
    if payload.kind is NoticeKind.SUPPLEMENT and payload.due_date is not None:
        news += f"，请于{cn_date(payload.due_date)}前凭查询码在网站提交补正"
    elif payload.kind is NoticeKind.EXTENSION and payload.due_date is not None:
        news += f"至{cn_date(payload.due_date)}"
    title = KINDS[payload.kind]
    return Message(
        title.removeprefix("政府信息公开申请"),
        (f"{ref.words()}{news}。本机关出具了《{title}》（{payload.number}），请凭查询码在网站下载。",),
    )


Telling = Callable[[Any, CaseRef], Message | None]

TOLD: dict[type[EventPayload], Telling] = {
    CaseAssigned: _assigned,
    SupplementRequested: _supplement_requested,
    DeadlineSet: _deadline_moved,
    CaseReplied: _replied,
    NoticeIssued: _notice_issued,
}
"""The case events a citizen is told of, and how each is worded."""


def message_for(payload: EventPayload, ref: CaseRef) -> Message | None:
    """What the citizen is told of ``payload`` (None: nothing)."""
    telling = TOLD.get(type(payload))
    return telling(payload, ref) if telling is not None else None


def transcript_message(payload: InterviewTranscriptPublished, ref: CaseRef) -> Message:
    """An asker whose question was selected, told that the interview's transcript (访谈实录) is out."""
    words = CaseRef(ref.channel, ref.received_on, payload.title).words()
    return Message(
        "访谈实录已公布",
        (f"{words}已在访谈中答复，访谈实录已于{cn_date(payload.published_on)}公布。",),
    )


def adoption_report_message(payload: AdoptionReportPublished, ref: CaseRef) -> Message:
    """A commenter told that the consultation's adoption report (采纳情况) is out: its public figures."""
    return Message(
        "意见采纳情况已公布",
        (
            f"{ref.words()}，征求意见采纳情况已公布：收到意见{payload.received}条，采纳{payload.adopted}条，"
            f"部分采纳{payload.partially_adopted}条，未采纳{payload.not_adopted}条。",
        ),
    )
