from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from services.intake.domain import apply_case_event, rating_refusal, received_view, supplement_refusal
from services.intake.limits import SlidingWindow
from shared.codes import Channel, ClockKind
from shared.events import (
    CaseClosed,
    CaseReopened,
    CaseReplied,
    DeadlineLapsed,
    DeadlineSet,
    SupplementReceived,
    SupplementRequested,
)

AT = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
CASE = uuid4()
TODAY = date(2026, 11, 27)


def test_a_window_allows_the_limit_then_says_how_long_to_wait() -> None:
    window = SlidingWindow(limit=3, window=60)
    for second in (0, 10, 20):
        assert window.retry_after("1.2.3.4", second) is None
        window.record("1.2.3.4", second)
    assert window.retry_after("1.2.3.4", 30) == 30  # the first event leaves the window at 60
    assert window.retry_after("5.6.7.8", 30) is None, "another client is not affected"
    assert window.retry_after("1.2.3.4", 60) is None


def test_a_window_forgets_the_oldest_clients_first() -> None:
    window = SlidingWindow(limit=1, window=60, max_keys=2)
    for key in ("a", "b", "c"):
        window.record(key, 0)
    assert window.retry_after("a", 1) is None
    assert window.retry_after("c", 1) == 59


def replied() -> CaseReplied:
    return CaseReplied(
        case_id=CASE,
        channel=Channel.MAILBOX,
        department_id="d",
        department_name="部门",
        text="答复",
        replied_on=date(2026, 11, 27),
    )


def test_a_supplement_is_accepted_only_while_one_is_asked_for() -> None:
    view = received_view(AT)
    assert supplement_refusal(view, TODAY)
    view = apply_case_event(
        view,
        SupplementRequested(
            case_id=CASE, items="身份证明", due_date=date(2026, 12, 9), requested_on=date(2026, 11, 26)
        ),
        AT,
    )
    assert supplement_refusal(view, TODAY) is None
    assert view.timeline[-1].detail == "请于2026-12-09前补充：身份证明"
    view = apply_case_event(
        view, SupplementReceived(case_id=CASE, text="已补充", receipt_date=date(2026, 11, 27)), AT
    )
    assert supplement_refusal(view, TODAY)


def test_no_supplement_is_accepted_once_the_case_is_replied_or_closed() -> None:
    asked = apply_case_event(
        received_view(AT),
        SupplementRequested(
            case_id=CASE, items="身份证明", due_date=date(2026, 12, 9), requested_on=date(2026, 11, 26)
        ),
        AT,
    )
    answered = apply_case_event(asked, replied(), AT)
    assert answered.supplement_pending is False
    assert (
        supplement_refusal(answered, TODAY) == "the case has been replied: a supplement is no longer accepted"
    )
    closed = apply_case_event(answered, CaseClosed(case_id=CASE, closed_on=date(2026, 11, 28)), AT)
    assert supplement_refusal(closed, TODAY) == "the case has been closed: a supplement is no longer accepted"
    # One that came in anyway (an older intake accepted it) leaves the page showing what the case is.
    late = apply_case_event(
        closed, SupplementReceived(case_id=CASE, text="迟到的补正", receipt_date=date(2026, 11, 29)), AT
    )
    assert late.status == "closed"
    assert late.timeline == closed.timeline


def test_each_reply_can_be_rated_once() -> None:
    view = received_view(AT)
    assert rating_refusal(view) == "the case has not been replied to yet; it can be rated after the reply"
    view = apply_case_event(view, replied(), AT)
    assert rating_refusal(view) is None
    from dataclasses import replace

    view = replace(view, rated_reply=1)
    assert rating_refusal(view) == "this reply has already been rated"
    view = apply_case_event(view, CaseReopened(case_id=CASE, reason="不满意"), AT)
    view = apply_case_event(view, replied(), AT)
    assert view.replies == 2
    assert rating_refusal(view) is None


def test_a_supplement_after_its_deadline_is_refused_saying_the_date() -> None:
    asked = apply_case_event(
        received_view(AT),
        SupplementRequested(
            case_id=CASE, items="身份证明", due_date=date(2026, 12, 9), requested_on=date(2026, 11, 26)
        ),
        AT,
    )
    # tracking's clock of the applicant's deadline, recounted (a calendar update): its date counts
    counted = DeadlineSet(
        case_id=CASE,
        clock=ClockKind.SUPPLEMENT_DUE,
        due_date=date(2026, 12, 10),
        provisional=False,
        cause="supplement.requested",
        note="11月26日告知补正，申请人补正期限按10个工作日计算（当日不计），2026年12月10日到期",
    )
    view = apply_case_event(asked, counted, AT)
    assert view.supplement_due == date(2026, 12, 10)
    assert view.timeline[-1].title == "补正期限"
    assert supplement_refusal(view, date(2026, 12, 10)) is None  # the last day still counts
    assert supplement_refusal(view, date(2026, 12, 11)) == (
        "the supplement deadline was 2026-12-10: a supplement is no longer accepted"
    )
    lapsed = apply_case_event(
        view, DeadlineLapsed(case_id=CASE, clock=ClockKind.SUPPLEMENT_DUE, due_date=date(2026, 12, 10)), AT
    )
    assert lapsed.timeline[-1].detail == "补正期限2026-12-10已届满，未收到补正材料"
    moved = DeadlineLapsed(case_id=CASE, clock=ClockKind.SUPPLEMENT_DUE, due_date=date(2026, 12, 9))
    assert apply_case_event(lapsed, moved, AT) == lapsed  # a lapse of a date since moved
