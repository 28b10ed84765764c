"""Tracking's Chinese vocabulary (计时用语): the names of the clocks and the channels, as the
supervision page and the ledger notes write them, spelled here once."""

from __future__ import annotations

from shared.codes import Channel, ClockKind, ClockState

CHANNELS = {
    Channel.MAILBOX.value: "领导信箱",
    Channel.CONSULTATION_COMMENT.value: "意见征集",
    Channel.DISCLOSURE_REQUEST.value: "依申请公开",
    Channel.INTERVIEW_QUESTION.value: "在线访谈",
}
CLOCK_NAMES = {
    ClockKind.REPLY: "答复期限",
    ClockKind.SUPPLEMENT_WINDOW: "补正告知期限",
    ClockKind.SUPPLEMENT_DUE: "申请人补正期限",
    ClockKind.THIRD_PARTY: "第三方答复期限",
    ClockKind.RETURN_WINDOW: "退回期限",
    ClockKind.ADOPTION_REPORT: "采纳情况公布期限",
}
CALENDAR_STATUSES = {"announced": "已公布", "provisional": "暂定（仅周末休息）"}
CLOCK_STATES = {
    ClockState.RUNNING: "计时中",
    ClockState.PAUSED: "暂停",
    ClockState.STOPPED: "已停止",
    ClockState.BREACHED: "已超期",
}
THIRD_PARTY_NAME = "第三方（{party}）"
"""One of several third parties consulted at once, by its number on the case (征求第三方意见)."""
ART_32 = "《政府信息公开条例》第三十二条"
"""The article on third parties' 15 working days; past them the office decides on its own."""
