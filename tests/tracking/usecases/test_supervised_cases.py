"""A case unsatisfied twice, as tracking follows it on a clock book in memory: it goes on the
supervision list (督办事项) and shows when its department's head read the notice; re-routed by an admin
(发回重办改派), a letter's new department gets a full reply period from that day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from services.tracking import handlers, supervised
from services.tracking.config import TrackingSettings
from shared.codes import ClockKind, ClockState
from shared.events import (
    CaseReopened,
    CaseSupervised,
    CaseSupervisionAcknowledged,
    DeadlineSet,
    EventPayload,
    new_event,
)
from shared.uow import Delivered
from tests.support import events as support
from tests.tracking.usecases.fakes import fake_unit_of_work

RULES = TrackingSettings().clock_rules


def delivered(payload: EventPayload, at: datetime | None = None) -> Delivered[Any]:
    envelope = new_event(payload, source="/tests")
    return Delivered(envelope.model_copy(update={"time": at}) if at else envelope, payload)


def supervision(case_id: Any, unsatisfied: int = 2) -> CaseSupervised:
    return CaseSupervised(
        case_id=case_id,
        department_id="engineering",
        department_name="人防工程管理处",
        unsatisfied=unsatisfied,
        reason=f"市民第{unsatisfied}次对答复不满意",
        supervised_on=date(2026, 11, 26),
    )


def read(case_id: Any, unsatisfied: int = 2) -> CaseSupervisionAcknowledged:
    return CaseSupervisionAcknowledged(
        case_id=case_id,
        department_id="engineering",
        unsatisfied=unsatisfied,
        acknowledged_on=date(2026, 11, 27),
        by="王五（wang-wu）",
    )


async def test_a_supervised_case_is_listed_and_read_by_its_department_head() -> None:
    uow, book = fake_unit_of_work()
    letter = support.letter(on=date(2026, 11, 2))
    await handlers.on_submission_received(delivered(letter), uow, rules=RULES)
    await handlers.on_case_assigned(delivered(support.assigned(letter)), uow, rules=RULES)
    assert await supervised.on_case_supervised(delivered(supervision(letter.case_id)), uow) == []
    case = book.cases[str(letter.case_id)]
    assert (case.supervised, case.supervised_on, case.supervision_reason, case.supervision_read_by) == (
        2,
        date(2026, 11, 26),
        "市民第2次对答复不满意",
        None,
    )
    # a reading of an earlier supervision's notice does not read this one
    await supervised.on_supervision_acknowledged(delivered(read(letter.case_id, unsatisfied=1)), uow)
    assert case.supervision_read_by is None
    await supervised.on_supervision_acknowledged(delivered(read(letter.case_id)), uow)
    assert case.supervision_read_by == "王五（wang-wu）"
    # re-routed elsewhere, the notice is the new department head's to read; the same department's
    # assignment again leaves it read
    await handlers.on_case_assigned(delivered(support.assigned(letter)), uow, rules=RULES)
    assert case.supervision_read_by == "王五（wang-wu）"
    to_policy = support.assigned(letter, support.POLICY, on=date(2026, 11, 26))
    await handlers.on_case_assigned(
        delivered(to_policy.model_copy(update={"rerouted": True})), uow, rules=RULES
    )
    assert (case.department_id, case.supervision_read_by) == ("policy", None)
    await supervised.on_supervision_acknowledged(delivered(read(letter.case_id)), uow)
    assert case.supervision_read_by == "王五（wang-wu）"
    # unsatisfied once more: supervised again, unread again
    await supervised.on_case_supervised(delivered(supervision(letter.case_id, unsatisfied=3)), uow)
    assert (case.supervised, case.supervision_read_by) == (3, None)


async def test_a_case_tracking_never_saw_is_not_listed() -> None:
    uow, book = fake_unit_of_work()
    unknown = support.letter()
    assert await supervised.on_case_supervised(delivered(supervision(unknown.case_id)), uow) == []
    assert book.cases == {}


async def test_a_rerouted_letter_gets_a_full_reply_period_from_the_day_it_was_rerouted() -> None:
    uow, book = fake_unit_of_work()
    letter = support.letter(on=date(2026, 11, 2))
    await handlers.on_submission_received(delivered(letter), uow, rules=RULES)
    await handlers.on_case_assigned(delivered(support.assigned(letter)), uow, rules=RULES)
    await handlers.on_case_replied(delivered(support.replied(letter, on=date(2026, 11, 5))), uow)
    reopened_at = datetime(2026, 11, 16, 2, tzinfo=UTC)  # Monday 16 November, Beijing
    reopened = CaseReopened(case_id=letter.case_id, reason="市民对答复不满意")
    (restarted,) = await handlers.on_case_reopened(delivered(reopened, reopened_at), uow, rules=RULES)
    assert isinstance(restarted, DeadlineSet)
    assert restarted.due_date == date(2026, 11, 23)
    # re-routed three working days later: the new department has five working days from then
    rerouted = support.assigned(letter, support.POLICY, reason="发回重办改派", on=date(2026, 11, 19))
    rerouted = rerouted.model_copy(update={"rerouted": True})
    emitted = await handlers.on_case_assigned(delivered(rerouted), uow, rules=RULES)
    moved = {event.clock: event for event in emitted if isinstance(event, DeadlineSet)}
    assert moved[ClockKind.REPLY].due_date == date(2026, 11, 26)
    assert moved[ClockKind.REPLY].old_due_date == date(2026, 11, 23)
    assert moved[ClockKind.RETURN_WINDOW].due_date == date(2026, 11, 23)
    clock = await book.clock(letter.case_id, ClockKind.REPLY)
    assert clock is not None
    assert (clock.state, clock.start_date, clock.counted_from) == (
        ClockState.RUNNING,
        date(2026, 11, 19),
        "发回重办改派",
    )
    assert book.notes(letter.case_id, ClockKind.REPLY)[-1] == (
        "11月19日发回重办改派，按5个工作日计算（当日不计），2026年11月26日到期"
    )
    assert book.cases[str(letter.case_id)].department_id == support.POLICY.id
