"""What a citizen is told, and what their choice of a way needs (pure: `services.intake.notifications`)."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from services.intake.notifications.choice import NotifyBy, address_for, choice_problem, mobile_number
from services.intake.notifications.messages import (
    TOLD,
    CaseRef,
    Message,
    adoption_report_message,
    message_for,
)
from shared.codes import Channel, ClockKind
from shared.events import (
    AdoptionReportPublished,
    CaseAccepted,
    CaseAssigned,
    CaseReplied,
    DeadlineSet,
    NoticeIssued,
    SupplementRequested,
)
from shared.notices import NoticeKind

CASE = uuid4()
LETTER = CaseRef(Channel.MAILBOX, date(2026, 12, 2), "人防办主任信箱")


def _deadline(
    old: date | None, new: date, clock: ClockKind = ClockKind.REPLY, provisional: bool = False
) -> DeadlineSet:
    return DeadlineSet(
        case_id=CASE,
        clock=clock,
        due_date=new,
        provisional=provisional,
        old_due_date=old,
        cause="deadline.extended",
        note="延长20个工作日",
    )


@pytest.mark.parametrize(
    ("phone", "mobile"),
    [
        ("13812345678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0086-13812345678", "13812345678"),  # 0086, the international prefix written out (RULES.md)
        ("0531-12345678", None),  # a landline: no SMS
        ("12812345678", None),
        (None, None),
        ("", None),
    ],
)
def test_an_sms_goes_to_a_mobile_number_only(phone: str | None, mobile: str | None) -> None:
    assert mobile_number(phone) == mobile


@pytest.mark.parametrize(
    ("choice", "email", "phone", "problem"),
    [
        (NotifyBy.NONE, None, None, None),
        (NotifyBy.EMAIL, "a@example.com", None, None),
        (NotifyBy.EMAIL, None, "13812345678", "email address"),
        (NotifyBy.SMS, None, "13812345678", None),
        (NotifyBy.SMS, "a@example.com", None, "mobile number"),
        (NotifyBy.SMS, None, "0531-12345678", "mobile number"),
    ],
)
def test_a_way_needs_its_address(
    choice: NotifyBy, email: str | None, phone: str | None, problem: str | None
) -> None:
    found = choice_problem(choice, email=email, phone=phone)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_the_address_is_the_one_given_for_the_way_chosen() -> None:
    given = {"email": "a@example.com", "phone": "+86 139-1234-5678"}
    assert address_for(NotifyBy.EMAIL, **given) == "a@example.com"
    assert address_for(NotifyBy.SMS, **given) == "13912345678"
    assert address_for(NotifyBy.NONE, **given) is None


def test_a_case_is_named_by_day_and_where_it_went_never_by_what_it_says() -> None:
    assert LETTER.words() == "您于2026年12月2日向人防办主任信箱的来信"
    assert (
        CaseRef(Channel.DISCLOSURE_REQUEST, date(2026, 3, 5)).words()
        == "您于2026年3月5日提交的政府信息公开申请"
    )
    assert (
        CaseRef(Channel.CONSULTATION_COMMENT, date(2026, 3, 5), "停车管理办法（征求意见稿）").words()
        == "您于2026年3月5日对《停车管理办法（征求意见稿）》提出的意见"
    )


def test_an_assignment_names_the_department() -> None:
    told = message_for(
        CaseAssigned(
            case_id=CASE,
            channel=Channel.MAILBOX,
            department_id="engineering",
            department_name="工程建设科",
            reason="按分办规则",
            assigned_on=date(2026, 12, 3),
        ),
        LETTER,
    )
    assert told == Message("已转办", ("您于2026年12月2日向人防办主任信箱的来信已转至工程建设科办理。",))


def test_a_supplement_notice_gives_the_date_not_the_items() -> None:
    told = message_for(
        SupplementRequested(
            case_id=CASE,
            items="请补充张三的房产证号码",
            due_date=date(2026, 12, 18),
            requested_on=date(2026, 12, 3),
        ),
        LETTER,
    )
    assert told is not None
    assert "2026年12月18日前" in told.lines[0]
    assert "张三" not in "".join(told.lines)


def test_a_reply_says_there_is_one_not_what_it_says() -> None:
    reply = CaseReplied(
        case_id=CASE,
        channel=Channel.MAILBOX,
        department_id="engineering",
        department_name="工程建设科",
        text="经查，李四反映的问题属实",
        replied_on=date(2026, 12, 9),
    )
    told = message_for(reply, LETTER)
    assert told is not None
    assert told.subject == "已答复"
    assert "李四" not in told.email_text(office="市人防办", portal_url="http://portal")


@pytest.mark.parametrize(
    ("deadline", "told"),
    [
        (_deadline(None, date(2026, 12, 30)), None),  # the first date: on the receipt already
        (_deadline(date(2026, 12, 30), date(2026, 12, 30)), None),  # recounted, unchanged
        (_deadline(date(2026, 12, 30), date(2027, 1, 28), ClockKind.SUPPLEMENT_WINDOW), None),
        (_deadline(date(2026, 12, 30), date(2027, 1, 28)), "答复期限调整为2027年1月28日。"),
        (_deadline(date(2026, 12, 30), date(2027, 1, 28), provisional=True), "2027年1月28日（暂定"),
    ],
)
def test_only_a_moved_answer_date_is_told(deadline: DeadlineSet, told: str | None) -> None:
    message = message_for(deadline, LETTER)
    assert (message is None) if told is None else (message is not None and told in message.lines[0])


def test_events_not_told_tell_nothing() -> None:
    assert CaseAccepted not in TOLD
    assert message_for(CaseAccepted(case_id=CASE, department_id="engineering"), LETTER) is None


def test_an_adoption_report_gives_its_public_figures() -> None:
    report = AdoptionReportPublished(
        consultation_id=uuid4(), received=12, adopted=5, partially_adopted=3, not_adopted=4
    )
    ref = CaseRef(Channel.CONSULTATION_COMMENT, date(2026, 11, 2), "停车管理办法")
    message = adoption_report_message(report, ref)
    assert message.lines == (
        "您于2026年11月2日对《停车管理办法》提出的意见，征求意见采纳情况已公布：收到意见12条，采纳5条，"
        "部分采纳3条，未采纳4条。",
    )


def test_an_sms_is_the_first_line_signed_and_an_email_has_the_way_to_the_details() -> None:
    message = Message("已转办", ("您于2026年12月2日的来信已转至工程建设科办理。", "second line"))
    assert (
        message.sms_text(office="市人防办")
        == "【市人防办】您于2026年12月2日的来信已转至工程建设科办理。凭查询码可在网站查看详情。"
    )
    email = message.email_text(office="市人防办", portal_url="http://portal.example")
    assert "second line" in email
    assert "http://portal.example/track" in email
    assert email.rstrip().splitlines()[-2] == "市人防办"


APPLICATION = CaseRef(Channel.DISCLOSURE_REQUEST, date(2026, 12, 2))


def _notice(kind: NoticeKind, **facts: object) -> NoticeIssued:
    return NoticeIssued(
        case_id=CASE,
        notice_id=uuid4(),
        kind=kind,
        year=2026,
        sequence=9,
        number="国动办依申告〔2026〕第9号",
        issued_on=date(2026, 12, 3),
        receipt_date=date(2026, 12, 2),
        office="某市国防动员办公室",
        reconsideration_body="某市人民政府",
        court="某市中级人民法院",
        reconsideration_days=60,
        litigation_months=6,
        **facts,
    )


def test_a_disclosure_applicant_is_told_each_step_once_by_its_notice() -> None:
    supplement = SupplementRequested(
        case_id=CASE, items="请补充文号", due_date=date(2026, 12, 18), requested_on=date(2026, 12, 3)
    )
    assert message_for(supplement, APPLICATION) is None
    told = message_for(
        _notice(NoticeKind.SUPPLEMENT, items="请补充文号", working_days=10, due_date=date(2026, 12, 18)),
        APPLICATION,
    )
    assert told == Message(
        "补正告知书",
        (
            "您于2026年12月2日提交的政府信息公开申请需要补正材料，请于2026年12月18日前凭查询码在网站提交补正。"
            "本机关出具了《政府信息公开申请补正告知书》（国动办依申告〔2026〕第9号），请凭查询码在网站下载。",
        ),
    )
    assert "请补充文号" not in "".join(told.lines)
    extended = message_for(
        _notice(NoticeKind.EXTENSION, working_days=20, reason="需调取档案", due_date=date(2027, 1, 20)),
        APPLICATION,
    )
    assert extended is not None
    assert "的答复期限已延长至2027年1月20日。" in extended.lines[0]
    moved = DeadlineSet(
        case_id=CASE,
        clock=ClockKind.REPLY,
        due_date=date(2027, 1, 20),
        old_due_date=date(2026, 12, 30),
        provisional=False,
        cause="deadline.extended",
        note="延期20个工作日",
    )
    assert message_for(moved, APPLICATION) is None  # the extension notice tells it
    assert message_for(moved, LETTER) is not None  # a letter has no notices
