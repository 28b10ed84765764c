from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from services.intake.domain import (
    TRACKING_ALPHABET,
    TRACKING_LENGTH,
    apply_case_event,
    comment_deadline,
    disclosure_request_problems,
    hash_tracking_code,
    late_comment_reason,
    new_tracking_code,
    normalise_tracking_code,
    receipt_date,
    received_view,
    supplement_refusal,
)
from shared.codes import Channel, ClockKind, ReceivedVia
from shared.events import CaseAssigned, CaseReplied, DeadlineSet, SubmissionRefused

AT = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def test_a_tracking_code_has_at_least_60_random_bits_and_no_look_alike_characters() -> None:
    assert TRACKING_LENGTH * math.log2(len(TRACKING_ALPHABET)) >= 60
    assert not set("01OILUV") & set(TRACKING_ALPHABET)
    codes = {new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        assert re.fullmatch(r"([2-9A-Z]{4}-){3}[2-9A-Z]{4}", code)


def test_a_tracking_code_is_found_however_it_is_typed() -> None:
    code = new_tracking_code()
    typed = code.lower().replace("-", " ")
    assert normalise_tracking_code(typed) == code
    assert hash_tracking_code(typed) == hash_tracking_code(code)
    assert hash_tracking_code(code) != hash_tracking_code(new_tracking_code())


@pytest.mark.parametrize(
    ("via", "received_at", "registered", "expected"),
    [
        pytest.param(
            ReceivedVia.ONLINE,
            datetime(2026, 11, 25, 15, 30, tzinfo=UTC),
            None,
            date(2026, 11, 25),
            id="online-afternoon-utc",
        ),
        pytest.param(
            ReceivedVia.ONLINE,
            datetime(2026, 11, 25, 16, 30, tzinfo=UTC),
            None,
            date(2026, 11, 26),
            id="online-after-midnight-in-shanghai",
        ),
        pytest.param(ReceivedVia.POST_SIGNED, AT, date(2026, 11, 20), date(2026, 11, 20), id="signed-for"),
    ],
)
def test_the_receipt_date_follows_article_31(
    via: ReceivedVia, received_at: datetime, registered: date | None, expected: date
) -> None:
    assert receipt_date(via, received_at, registered) == expected


def test_the_citizen_view_follows_the_case_without_internal_details() -> None:
    case_id = uuid4()
    view = received_view(AT)
    view = apply_case_event(
        view,
        CaseAssigned(
            case_id=case_id,
            channel=Channel.MAILBOX,
            department_id="engineering",
            department_name="人防工程管理处",
            rule_id="secret-rule",
            reason="internal",
            assigned_on=date(2026, 11, 25),
        ),
        AT,
    )
    view = apply_case_event(
        view,
        DeadlineSet(
            case_id=case_id,
            clock=ClockKind.RETURN_WINDOW,
            due_date=date(2026, 11, 27),
            provisional=False,
            cause="case.assigned",
            note="退回期限",
        ),
        AT,
    )
    assert view.due_date is None, "the return window is the department's business, not the citizen's"
    view = apply_case_event(
        view,
        DeadlineSet(
            case_id=case_id,
            clock=ClockKind.REPLY,
            due_date=date(2026, 12, 2),
            provisional=True,
            cause="case.assigned",
            note="暂定",
        ),
        AT,
    )
    view = apply_case_event(
        view,
        CaseReplied(
            case_id=case_id,
            channel=Channel.MAILBOX,
            department_id="engineering",
            department_name="人防工程管理处",
            text="答复",
            replied_on=date(2026, 11, 27),
        ),
        AT,
    )
    assert (view.status, view.department, view.due_date, view.due_date_provisional, view.reply) == (
        "replied",
        "人防工程管理处",
        date(2026, 12, 2),
        True,
        "答复",
    )
    assert [entry.event for entry in view.timeline] == [
        "submission.received",
        "case.assigned",
        "deadline.set",
        "case.replied",
    ]
    assert "secret-rule" not in repr(view)
    assert "internal" not in repr(view)


def test_a_complete_application_has_no_problems() -> None:
    assert (
        disclosure_request_problems(
            applicant_is_person=True,
            name="李四",
            id_number="11010519491231002X",
            organisation=None,
            phone="13912345678",
            email=None,
            address=None,
            delivery_method="online",
        )
        == []
    )


def test_an_incomplete_application_names_every_missing_field() -> None:
    problems = disclosure_request_problems(
        applicant_is_person=False,
        name=None,
        id_number=None,
        organisation=None,
        phone=None,
        email=None,
        address=None,
        delivery_method="email",
    )
    assert [field for field, _ in problems] == [
        "applicant.organisation",
        "applicant.phone",
        "applicant.email",
    ]


def test_an_organisation_proves_its_identity_with_a_credit_code_a_person_with_a_resident_id() -> None:
    def problems(person: bool, id_number: str | None) -> list[str]:
        found = disclosure_request_problems(
            applicant_is_person=person,
            name="李四",
            id_number=id_number,
            organisation="济南某建设有限公司",
            phone="13912345678",
            email=None,
            address=None,
            delivery_method="online",
        )
        return [message for _, message in found]

    assert problems(False, "91350100M000100Y43") == []
    assert problems(False, None) == []
    assert problems(False, "11010519491231002X") == ["an organisation gives its unified social credit code"]
    assert problems(True, "11010519491231002X") == []
    assert problems(True, "91350100M000100Y43") == [
        "a natural person gives a resident ID number, not a credit code"
    ]


def test_a_credit_code_is_checked_by_its_check_character() -> None:
    from shared.idnumbers import is_valid_credit_code

    assert is_valid_credit_code("91350100M000100Y43")
    assert is_valid_credit_code("91370100MA3C00000E")
    assert not is_valid_credit_code("91370100MA3C00000F")
    assert not is_valid_credit_code("91370100MA3C0000")
    assert not is_valid_credit_code("91370100MA3C0000IE"), "I is not in the alphabet"


# --- comments after the close --------------------------------------------------------------------

SHANGHAI_8 = timezone(timedelta(hours=8))


def test_a_consultation_takes_comments_until_the_end_of_its_last_day_in_shanghai() -> None:
    deadline = comment_deadline(date(2026, 12, 10), None, None)
    assert deadline == datetime(2026, 12, 11, tzinfo=SHANGHAI_8)
    assert late_comment_reason(datetime(2026, 12, 10, 15, 59, 59, tzinfo=UTC), deadline) is None  # 23:59:59
    reason = late_comment_reason(datetime(2026, 12, 10, 16, 0, tzinfo=UTC), deadline)
    assert reason == (
        "意见征集已于2026年12月11日 00:00截止，您的意见于2026年12月11日 00:00收到，晚于截止时间，不纳入本次意见征集"
    )


def test_an_early_close_counts_from_its_instant_and_a_late_one_from_the_announced_end() -> None:
    closed_at = datetime(2026, 12, 3, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
    assert comment_deadline(date(2026, 12, 10), date(2026, 12, 3), closed_at) == closed_at
    announced_end = datetime(2026, 12, 11, tzinfo=SHANGHAI_8)
    after_the_end = datetime(2026, 12, 12, 1, tzinfo=UTC)
    assert comment_deadline(date(2026, 12, 10), date(2026, 12, 12), after_the_end) == announced_end
    # a close from before release 0.3 says only the day: its end
    assert comment_deadline(date(2026, 12, 10), date(2026, 12, 3), None) == datetime(
        2026, 12, 4, tzinfo=SHANGHAI_8
    )
    assert late_comment_reason(closed_at - timedelta(microseconds=1), closed_at) is None
    assert late_comment_reason(closed_at, closed_at) is not None


def test_a_refused_comment_shows_why_and_takes_no_supplement_or_deadline() -> None:
    at = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
    view = received_view(at)
    refused = apply_case_event(
        view, SubmissionRefused(case_id=uuid4(), reason="晚于截止时间", refused_on=date(2026, 12, 3)), at
    )
    assert refused.status == "refused"
    assert refused.timeline[-1].title == "未予受理"
    assert refused.timeline[-1].detail == "晚于截止时间"
    assert supplement_refusal(replace(refused, supplement_pending=True), date(2026, 12, 3)) is not None
    deadline = DeadlineSet(
        case_id=uuid4(),
        clock=ClockKind.ADOPTION_REPORT,
        due_date=date(2026, 12, 31),
        provisional=False,
        cause="consultation.closed",
        note="",
    )
    assert apply_case_event(refused, deadline, at) == refused


def test_personal_data_is_erased_only_once_and_only_from_a_concluded_case() -> None:
    from services.intake.domain import CONCLUDED, KEPT_WHEN_ERASED, erasure_refusal
    from shared.sealing import ERASED, erase_texts

    assert erasure_refusal("in_progress", erased=False) is not None
    assert "already" in (erasure_refusal("replied", erased=True) or "")
    assert all(erasure_refusal(status, erased=False) is None for status in CONCLUDED)
    stored = {
        "mailbox": "director",
        "category": "投诉",
        "subject": "噪音",
        "contact": {"name": "张三", "phone": "13800000000", "address": None},
        "publish_consent": True,
        "attachments": ["张三的照片"],
    }
    assert erase_texts(stored, KEPT_WHEN_ERASED) == {
        "mailbox": "director",
        "category": "投诉",
        "subject": ERASED,
        "contact": {"name": ERASED, "phone": ERASED, "address": None},
        "publish_consent": True,
        "attachments": [ERASED],
    }
