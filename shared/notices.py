"""Formal notices to a disclosure applicant (告知书), as the law wants them worded. Pure: no I/O.

Every step of a disclosure request that the OGI Regulations (国务院令第711号) say the applicant is
*told* of is a written notice with a document number (文号) from the office's per-year sequence:

    receipt     登记回执                      the request is registered (Art. 31: the receipt date)
    supplement  补正告知书                    what to add and by when (Art. 30)
    extension   延期答复告知书                 the new date and the reason (Art. 33)
    reply       政府信息公开申请答复告知书       the decision by outcome, its legal basis (Art. 36–39)

A notice that decides anything (the reply, and a supplement's consequence) states the appeal rights
(Art. 51): 行政复议 within 60 days (Administrative Reconsideration Law 2023, Art. 20) or 行政诉讼 within
6 months (Administrative Litigation Law, Art. 46).

The facts of a notice travel in ``notice.issued`` exactly as issued — the office's name, the appeal
bodies, the legal basis — so a later change of settings or wording never changes a notice already
sent; the applicant's name is filled in by whoever renders it, from its own store (it is personal
data and does not travel again). :func:`compose` turns those facts into the document's text; the HTML
and PDF come from `shared.notice_documents`.

Check the legal text before relying on an article here in production (RULES.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

from shared.codes import Outcome

__all__ = [
    "DELIVERY_WAYS",
    "KINDS",
    "LEGAL_BASIS",
    "DeliveryWay",
    "Issuer",
    "NoticeDocument",
    "NoticeFacts",
    "NoticeKind",
    "compose",
    "document_number",
    "written_date",
]

T = TypeVar("T")


class NoticeKind(StrEnum):
    RECEIPT = "receipt"
    SUPPLEMENT = "supplement"
    EXTENSION = "extension"
    REPLY = "reply"


KINDS: dict[NoticeKind, str] = {
    NoticeKind.RECEIPT: "政府信息公开申请登记回执",
    NoticeKind.SUPPLEMENT: "政府信息公开申请补正告知书",
    NoticeKind.EXTENSION: "政府信息公开申请延期答复告知书",
    NoticeKind.REPLY: "政府信息公开申请答复告知书",
}
"""Each notice's title."""


class DeliveryWay(StrEnum):
    """How a notice reached the applicant (送达方式)."""

    ONLINE = "online"
    EMAIL = "email"
    POST = "post"
    IN_PERSON = "in_person"


DELIVERY_WAYS: dict[DeliveryWay, str] = {
    DeliveryWay.ONLINE: "网上送达（申请人凭查询码下载）",
    DeliveryWay.EMAIL: "电子邮件送达",
    DeliveryWay.POST: "邮寄送达",
    DeliveryWay.IN_PERSON: "直接送达",
}

_REGULATIONS = "《中华人民共和国政府信息公开条例》"

LEGAL_BASIS: dict[Outcome, str] = {
    Outcome.DISCLOSED: "第三十六条第（二）项",
    Outcome.PARTIALLY_DISCLOSED: "第三十七条、第三十六条第（二）项",
    Outcome.WITHHELD_STATE_SECRET: "第十四条、第三十六条第（三）项",
    Outcome.WITHHELD_PROHIBITED_BY_LAW: "第十四条、第三十六条第（三）项",
    Outcome.WITHHELD_SECURITY_STABILITY: "第十四条、第三十六条第（三）项",
    Outcome.WITHHELD_THIRD_PARTY_RIGHTS: "第十五条、第三十二条、第三十六条第（三）项",
    Outcome.WITHHELD_INTERNAL_AFFAIRS: "第十六条第一款、第三十六条第（三）项",
    Outcome.WITHHELD_PROCESS_INFORMATION: "第十六条第二款、第三十六条第（三）项",
    Outcome.WITHHELD_ENFORCEMENT_FILE: "第十六条第二款、第三十六条第（三）项",
    Outcome.WITHHELD_INQUIRY_MATTER: "第三十六条第（七）项",
    Outcome.UNAVAILABLE_NOT_HELD: "第三十六条第（四）项、第（五）项",
    Outcome.UNAVAILABLE_NEEDS_CREATION: "第三十八条",
    Outcome.UNAVAILABLE_STILL_UNCLEAR: "第三十条",
    Outcome.NOT_PROCESSED_PETITION_COMPLAINT: "第三十九条第一款",
    Outcome.NOT_PROCESSED_REPEATED: "第三十六条第（六）项",
    Outcome.NOT_PROCESSED_PUBLICATION: "第三十九条第二款",
    Outcome.NOT_PROCESSED_EXCESSIVE: "第三十五条",
    Outcome.NOT_PROCESSED_CONFIRMATION: "第三十九条",
    Outcome.OTHER_NO_SUPPLEMENT: "第三十条",
    Outcome.OTHER_UNPAID_FEE: "第四十二条",
    Outcome.OTHER_OTHER: "第三十六条",
}
"""The articles of the OGI Regulations each outcome rests on (the reply notice cites them)."""

_DECISIONS: dict[str, str] = {
    "disclosed": "经审查，您申请公开的政府信息属于公开范围，本机关决定予以公开。",
    "partially_disclosed": "经审查，您申请公开的政府信息中含有不应当公开的内容，但能够作区分处理，"
    "本机关决定对可以公开的部分予以公开，对不予公开的部分说明理由如下。",
    "withheld": "经审查，您申请公开的政府信息依法不予公开。",
    "unavailable": "经检索，本机关无法提供您申请公开的政府信息。",
    "not_processed": "经审查，您的申请本机关不作为政府信息公开申请处理。",
    "other": "本机关不再处理您的政府信息公开申请。",
}


@dataclass(frozen=True, slots=True)
class Issuer:
    """Who issues the notices and where an applicant may appeal (settings; copied into each notice)."""

    office: str = "某市国防动员办公室"
    number_prefix: str = "国动办依申告"
    reconsideration_body: str = "某市人民政府"
    court: str = "某市中级人民法院"
    reconsideration_days: int = 60
    litigation_months: int = 6


def document_number(prefix: str, year: int, sequence: int) -> str:
    """The document number (文号), e.g. ``国动办依申告〔2026〕第12号``."""
    return f"{prefix}〔{year}〕第{sequence}号"


def written_date(day: date) -> str:
    """A date as a notice writes it: 2026年12月2日."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True, slots=True)
class NoticeFacts:
    """What a notice says, as issued (the payload of ``notice.issued`` minus its envelope)."""

    kind: NoticeKind
    number: str
    issued_on: date
    receipt_date: date
    issuer: Issuer
    items: str | None = None
    working_days: int | None = None
    due_date: date | None = None
    reason: str | None = None
    outcome: Outcome | None = None
    legal_basis: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class NoticeDocument:
    """The text of a notice, ready to lay out: title, number, salutation, paragraphs, the appeal
    rights where it decides something, the office and the date."""

    title: str
    number: str
    addressee: str
    paragraphs: tuple[str, ...]
    appeal: str | None
    office: str
    dated: str


def _appeal(issuer: Issuer) -> str:
    return (
        f"如对本答复不服，可以自收到本告知书之日起{issuer.reconsideration_days}日内向"
        f"{issuer.reconsideration_body}申请行政复议，或者自收到本告知书之日起"
        f"{issuer.litigation_months}个月内向{issuer.court}提起行政诉讼。"
    )


def compose(facts: NoticeFacts, applicant: str | None) -> NoticeDocument:
    """The notice's text for ``applicant`` (their name, or a neutral salutation once it was erased)."""
    received = f"本机关于{written_date(facts.receipt_date)}收到您提出的政府信息公开申请"
    appeal: str | None = None
    match facts.kind:
        case NoticeKind.RECEIPT:
            paragraphs: tuple[str, ...] = (
                f"{received}，已予登记。",
                f"依照{_REGULATIONS}第三十一条、第三十三条的规定，本机关将自收到申请之日起"
                "20个工作日内予以答复；需要延长答复期限的，将另行告知。",
                "您可以凭查询码在网上查询办理进度、下载本机关的各项告知书。",
            )
        case NoticeKind.SUPPLEMENT:
            paragraphs = (
                f"{received}。经审查，您的申请内容不明确。",
                f"依照{_REGULATIONS}第三十条的规定，请您于{written_date(_required(facts.due_date))}前"
                f"（{facts.working_days}个工作日内）对以下内容作出补正：{facts.items}",
                "答复期限自本机关收到补正的申请之日起计算。无正当理由逾期不补正的，视为放弃申请，"
                "本机关不再处理该政府信息公开申请。",
            )
        case NoticeKind.EXTENSION:
            by_when = (
                f"本机关将于{written_date(facts.due_date)}前作出答复。"
                if facts.due_date is not None
                else "征求第三方意见、申请人补正等不计入答复期限的时间另行计算。"
            )
            paragraphs = (
                f"{received}。因{facts.reason}，需要延长答复期限。",
                f"依照{_REGULATIONS}第三十三条第二款的规定，经政府信息公开工作机构负责人同意，"
                f"答复期限延长{facts.working_days}个工作日，{by_when}",
            )
        case NoticeKind.REPLY:
            outcome = _required(facts.outcome)
            group = outcome.value.split(".")[0]
            paragraphs = (
                f"{received}。",
                _DECISIONS[group],
                *(p for p in ((facts.text or "").strip(), (facts.reason or "").strip()) if p),
                f"依据：{_REGULATIONS}{facts.legal_basis}。",
            )
            appeal = _appeal(facts.issuer)
    return NoticeDocument(
        title=KINDS[facts.kind],
        number=facts.number,
        addressee=f"{applicant}：" if applicant else "申请人：",
        paragraphs=paragraphs,
        appeal=appeal,
        office=facts.issuer.office,
        dated=written_date(facts.issued_on),
    )


def _required(value: T | None) -> T:
    if value is None:
        raise ValueError("the notice lacks a fact its kind needs")
    return value
