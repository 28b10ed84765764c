"""The formal notices' wording (`shared.notices`) and their layout as HTML and PDF
(`shared.notice_documents`): every outcome has its legal basis, only a decision carries the appeal
rights, and the PDF holds the Chinese text set in the CJK font from Debian's fonts-noto-cjk."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from shared.codes import Outcome
from shared.notice_documents import NOTICE_FONT, notice_html, notice_pdf
from shared.notices import (
    LEGAL_BASIS,
    Issuer,
    NoticeFacts,
    NoticeKind,
    compose,
    document_number,
    written_date,
)

ISSUER = Issuer(office="某市国防动员办公室", reconsideration_body="某市人民政府", court="某市中级人民法院")


def facts(kind: NoticeKind, **more: object) -> NoticeFacts:
    return NoticeFacts(
        kind=kind,
        number=document_number("国动办依申告", 2026, 12),
        issued_on=date(2026, 11, 20),
        receipt_date=date(2026, 11, 2),
        issuer=ISSUER,
        **more,  # type: ignore[arg-type]
    )


def test_the_document_number_and_date_are_written_as_official_documents_write_them() -> None:
    assert document_number("国动办依申告", 2026, 12) == "国动办依申告〔2026〕第12号"
    assert written_date(date(2026, 1, 5)) == "2026年1月5日"


def test_every_outcome_of_the_annual_report_has_its_legal_basis() -> None:
    assert set(LEGAL_BASIS) == set(Outcome)
    assert all(basis.startswith("第") for basis in LEGAL_BASIS.values())


@pytest.mark.parametrize("outcome", list(Outcome))
def test_a_reply_notice_decides_cites_its_article_and_states_the_appeal_rights(outcome: Outcome) -> None:
    notice = compose(
        facts(
            NoticeKind.REPLY,
            outcome=outcome,
            legal_basis=LEGAL_BASIS[outcome],
            text="答复正文",
            reason="理由",
        ),
        "张三",
    )
    assert notice.title == "政府信息公开申请答复告知书"
    assert notice.addressee == "张三："
    text = "".join(notice.paragraphs)
    assert "本机关于2026年11月2日收到您提出的政府信息公开申请" in text
    assert f"《中华人民共和国政府信息公开条例》{LEGAL_BASIS[outcome]}" in text
    assert "答复正文" in text
    assert "理由" in text
    assert notice.appeal == (
        "如对本答复不服，可以自收到本告知书之日起60日内向某市人民政府申请行政复议，"
        "或者自收到本告知书之日起6个月内向某市中级人民法院提起行政诉讼。"
    )
    assert (notice.office, notice.dated) == ("某市国防动员办公室", "2026年11月20日")


def test_the_supplement_notice_says_what_to_add_by_when_and_what_happens_otherwise() -> None:
    notice = compose(
        facts(
            NoticeKind.SUPPLEMENT,
            items="请写明所需信息的文件名称",
            working_days=10,
            due_date=date(2026, 12, 4),
        ),
        "张三",
    )
    text = "".join(notice.paragraphs)
    assert "请您于2026年12月4日前（10个工作日内）对以下内容作出补正：请写明所需信息的文件名称" in text
    assert "视为放弃申请" in text
    assert notice.appeal is None


def test_the_extension_notice_gives_the_reason_and_the_new_date() -> None:
    notice = compose(
        facts(NoticeKind.EXTENSION, working_days=20, reason="需要调取档案", due_date=date(2026, 12, 30)),
        "张三",
    )
    text = "".join(notice.paragraphs)
    assert "因需要调取档案" in text
    assert "答复期限延长20个工作日，本机关将于2026年12月30日前作出答复" in text


def test_a_notice_without_the_fact_its_kind_needs_is_refused() -> None:
    with pytest.raises(ValueError, match="lacks a fact"):
        compose(facts(NoticeKind.SUPPLEMENT, working_days=10, items="x"), "张三")


def test_an_extension_while_the_clock_stands_still_gives_the_days_not_a_date() -> None:
    notice = compose(facts(NoticeKind.EXTENSION, working_days=20, reason="需征求第三方意见"), "张三")
    text = "".join(notice.paragraphs)
    assert "答复期限延长20个工作日，征求第三方意见、申请人补正等不计入答复期限的时间另行计算。" in text


def test_an_erased_applicant_is_addressed_neutrally() -> None:
    assert compose(facts(NoticeKind.RECEIPT), None).addressee == "申请人："


def test_the_html_escapes_what_people_wrote() -> None:
    notice = compose(facts(NoticeKind.RECEIPT), "<script>alert(1)</script>")
    page = notice_html(notice, ["邮寄送达，2026-11-21 10:00"])
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert "送达：邮寄送达，2026-11-21 10:00" in page


async def test_the_pdf_holds_the_chinese_text_in_the_cjk_font() -> None:
    outcome = Outcome.WITHHELD_THIRD_PARTY_RIGHTS
    notice = compose(
        facts(
            NoticeKind.REPLY, outcome=outcome, legal_basis=LEGAL_BASIS[outcome], text="涉及第三方商业秘密。"
        ),
        "张三",
    )
    document = await notice_pdf(notice, ["直接送达，2026-11-21 10:00"])
    assert document.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(document))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    for expected in (
        "政府信息公开申请答复告知书",
        "国动办依申告〔2026〕第12号",
        "张三：",
        "涉及第三方商业秘密。",
        "第十五条",
        "行政复议",
        "某市国防动员办公室",
        "2026年11月20日",
        "直接送达",
    ):
        assert expected in text, expected
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"].get_object()["/Font"].get_object().values()  # type: ignore[index]
    }
    assert fonts, "the PDF embeds its fonts"
    assert all(font.startswith(NOTICE_FONT.replace(" ", "-")) for font in fonts), fonts
