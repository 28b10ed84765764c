"""A formal notice (告知书) as a document: HTML for the screen and PDF for the record, from one
template (`shared/templates/notices/notice.html`), set in Noto Serif CJK SC (Debian's
``fonts-noto-cjk``; WeasyPrint finds it through fontconfig and embeds the characters it uses).

The wording is `shared.notices.compose`'s; this module only lays it out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from shared.notices import NoticeDocument

__all__ = ["NOTICE_FONT", "PRIVATE_DOCUMENT", "notice_html", "notice_pdf"]

PRIVATE_DOCUMENT = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
"""Headers of a served notice: it names the applicant and the decision — no cache keeps a copy, no
link from it tells another site its address (which may hold the tracking code)."""

NOTICE_FONT = "Noto Serif CJK SC"
"""The typeface the template asks for first; the PDF test checks it is the one embedded."""

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates" / "notices"),
    autoescape=select_autoescape(("html",)),
    auto_reload=False,
)


def notice_html(notice: NoticeDocument, deliveries: Sequence[str] = ()) -> str:
    """The notice as a standalone HTML page (printable), with how it was delivered if known."""
    return _TEMPLATES.get_template("notice.html").render(notice=notice, deliveries=list(deliveries))


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported on first use: it loads Pango, which a service may never need

    document: bytes = HTML(string=html).write_pdf()
    return document


async def notice_pdf(notice: NoticeDocument, deliveries: Sequence[str] = ()) -> bytes:
    """The notice as an A4 PDF, laid out off the event loop (a page takes a few hundred ms)."""
    return await asyncio.to_thread(_pdf, notice_html(notice, deliveries))
