"""The example reply notice the README shows (``docs/examples/``): a partly disclosed request, laid out
by the same code the services use. ``python -m deploy.notice_example docs/examples`` writes it again;
`tests/deploy/test_notice_example.py` checks the committed copy still says what the code writes."""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from pathlib import Path

from shared.codes import Outcome
from shared.notice_documents import notice_html, notice_pdf
from shared.notices import (
    LEGAL_BASIS,
    Issuer,
    NoticeDocument,
    NoticeFacts,
    NoticeKind,
    compose,
    document_number,
)

__all__ = ["EXAMPLE", "example", "main"]

EXAMPLE = "reply-notice"
"""The files' name: ``reply-notice.pdf`` and ``reply-notice.html``."""


def example() -> tuple[NoticeDocument, list[str]]:
    """The reply notice to 李四's request of 2 November 2026, and how it was delivered."""
    outcome = Outcome.PARTIALLY_DISCLOSED
    facts = NoticeFacts(
        kind=NoticeKind.REPLY,
        number=document_number(Issuer().number_prefix, 2026, 37),
        issued_on=date(2026, 11, 27),
        receipt_date=date(2026, 11, 2),
        issuer=Issuer(),
        outcome=outcome,
        legal_basis=LEGAL_BASIS[outcome],
        text="现将2025年本市防空地下室易地建设费收缴情况汇总表提供给您（见附件），请查收。",
        reason="汇总表中缴费单位的联系人姓名和电话属于个人信息，公开会对第三方合法权益造成损害，已作区分处理，不予公开。",
    )
    return compose(facts, "李四"), ["网上送达（申请人凭查询码下载），2026-11-27 15:42"]


def write(folder: Path) -> list[Path]:
    document, deliveries = example()
    folder.mkdir(parents=True, exist_ok=True)
    pdf, html = folder / f"{EXAMPLE}.pdf", folder / f"{EXAMPLE}.html"
    pdf.write_bytes(asyncio.run(notice_pdf(document, deliveries)))
    html.write_text(notice_html(document, deliveries), encoding="utf-8")
    return [pdf, html]


def main() -> None:
    for path in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/examples")):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
