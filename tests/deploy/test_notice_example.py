"""The example reply notice the README shows is what the code writes today (`deploy.notice_example`):
the committed PDF says the same words as a fresh one, and the HTML is the same page."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

from deploy.notice_example import EXAMPLE, write

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "examples"


def words(pdf: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)


def test_the_committed_example_is_what_the_code_writes(tmp_path: Path) -> None:
    pdf, html = write(tmp_path)
    assert words(COMMITTED / f"{EXAMPLE}.pdf") == words(pdf)
    assert (COMMITTED / f"{EXAMPLE}.html").read_text(encoding="utf-8") == html.read_text(encoding="utf-8")
    assert "政府信息公开申请答复告知书" in words(pdf)


def test_the_readme_shows_the_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in (f"docs/examples/{EXAMPLE}.pdf", f"docs/examples/{EXAMPLE}.png"):
        assert name in readme
        assert (ROOT / name).is_file()
