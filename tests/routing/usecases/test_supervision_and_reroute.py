"""A citizen unsatisfied twice, on a task book in memory: the second unsatisfied rating reopens the
case again and sends it to supervision (督办) with a notice its department's head reads (已阅); an
admin gives a case sent back for re-handling to another department (改派), which gets it afresh."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from services.routing import actions
from services.routing.actions import CaseAction
from services.routing.schemas import ReplyCreate, RerouteCreate
from services.routing.task_book import RoutingUnitOfWork
from services.routing.workflow import ActionRefused, CaseState
from shared.auth import Principal
from shared.codes import Channel, Rating, Role
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.events import (
    CaseAssigned,
    CaseRated,
    CaseReopened,
    CaseSupervised,
    CaseSupervisionAcknowledged,
    SubmissionReceived,
)
from tests.routing.usecases.fakes import applied, fake_unit_of_work, received
from tests.support import events as support

HANDLER = Principal("li-si", "李四", frozenset({Role.HANDLER}), "engineering")
HEAD = Principal("wang-wu", "王五", frozenset({Role.DEPARTMENT_HEAD}), "engineering")
POLICY_HEAD = Principal("qian-qi", "钱七", frozenset({Role.DEPARTMENT_HEAD}), "policy")
ADMIN = Principal("admin", "管理员", frozenset({Role.ADMIN}))
RATED_AT = datetime(2026, 11, 26, 2, tzinfo=UTC)  # 10:00 in Beijing, 26 November


async def replied_and_rated(
    uow: RoutingUnitOfWork, letter: SubmissionReceived, rating: Rating = Rating.UNSATISFIED
) -> list[object]:
    """The department replies; the citizen rates the reply."""
    await applied(
        uow,
        await actions.reply(CaseAction(letter.case_id, HANDLER, ReplyCreate(text="已核实处理。")), uow),
    )
    return list(
        await received(uow, CaseRated(case_id=letter.case_id, rating=rating, comment="仍未解决"), at=RATED_AT)
    )


async def a_letter(uow: RoutingUnitOfWork) -> SubmissionReceived:
    letter = support.letter()
    (assignment,) = await received(uow, letter)
    assert isinstance(assignment, CaseAssigned)
    assert assignment.department_id == "engineering"
    return letter


async def test_the_second_unsatisfied_rating_reopens_the_case_and_sends_it_to_supervision() -> None:
    uow, book, _ = fake_unit_of_work()
    letter = await a_letter(uow)
    (first,) = await replied_and_rated(uow, letter)
    assert isinstance(first, CaseReopened), "the first unsatisfied rating only reopens it"
    assert book.stored[str(letter.case_id)].supervised == 0
    reopened, supervised = await replied_and_rated(uow, letter)
    assert isinstance(reopened, CaseReopened)
    assert supervised == CaseSupervised(
        case_id=letter.case_id,
        department_id="engineering",
        department_name="人防工程管理处",
        unsatisfied=2,
        reason="市民第2次对答复不满意",
        supervised_on=date(2026, 11, 26),
    )
    task = book.stored[str(letter.case_id)]
    assert (task.state, task.reopened, task.supervised, task.supervised_on, task.supervision_read_by) == (
        CaseState.ACCEPTED,
        2,
        2,
        date(2026, 11, 26),
        None,
    )
    assert book.lines(letter.case_id)[-1] == "督办：市民第2次对答复不满意，已通知人防工程管理处负责人"
    # a satisfied rating after that changes nothing
    assert await replied_and_rated(uow, letter, Rating.SATISFIED) == []


async def test_the_department_head_reads_the_supervision_notice_once() -> None:
    uow, book, _ = fake_unit_of_work()
    letter = await a_letter(uow)
    act = actions.acknowledge_supervision
    with pytest.raises(Conflict, match="not under supervision"):
        await act(CaseAction(letter.case_id, HEAD, None), uow)
    await replied_and_rated(uow, letter)
    await replied_and_rated(uow, letter)
    with pytest.raises(Forbidden):
        await act(CaseAction(letter.case_id, HANDLER, None), uow)  # the head's notice, not the handler's
    with pytest.raises(Forbidden):
        await act(CaseAction(letter.case_id, POLICY_HEAD, None), uow)  # another department's head
    (read,) = await act(CaseAction(letter.case_id, HEAD, None, on=date(2026, 11, 27)), uow)
    assert read == CaseSupervisionAcknowledged(
        case_id=letter.case_id,
        department_id="engineering",
        unsatisfied=2,
        acknowledged_on=date(2026, 11, 27),
        by="王五（wang-wu）",
    )
    await applied(uow, [read])
    assert book.stored[str(letter.case_id)].supervision_read_by == "王五（wang-wu）"
    assert book.lines(letter.case_id)[-1] == "部门负责人已阅督办通知"
    with pytest.raises(Conflict, match="read already"):
        await act(CaseAction(letter.case_id, HEAD, None), uow)
    # unsatisfied a third time: a new supervision, a new notice to read
    _, again = await replied_and_rated(uow, letter)
    assert isinstance(again, CaseSupervised)
    assert again.unsatisfied == 3
    assert book.stored[str(letter.case_id)].supervision_read_by is None


async def test_an_admin_reroutes_a_reopened_case_to_another_department() -> None:
    uow, book, _ = fake_unit_of_work()
    letter = await a_letter(uow)
    to_policy = RerouteCreate(department_id="policy", note="涉及政策解释")
    with pytest.raises(ActionRefused, match="sent back for re-handling"):
        await actions.reroute(CaseAction(letter.case_id, ADMIN, to_policy), uow)  # never reopened
    await replied_and_rated(uow, letter)
    await replied_and_rated(uow, letter)
    with pytest.raises(Forbidden):
        await actions.reroute(CaseAction(letter.case_id, HEAD, to_policy), uow)
    with pytest.raises(ActionRefused, match="with this department already"):
        await actions.reroute(
            CaseAction(letter.case_id, ADMIN, RerouteCreate(department_id="engineering")), uow
        )
    with pytest.raises(InvalidInput) as unknown:
        await actions.reroute(CaseAction(letter.case_id, ADMIN, RerouteCreate(department_id="nowhere")), uow)
    assert unknown.value.details == [{"field": "department_id", "message": "no department 'nowhere'"}]
    with pytest.raises(NotFound):
        await actions.reroute(CaseAction(support.letter().case_id, ADMIN, to_policy), uow)

    (assigned,) = await actions.reroute(
        CaseAction(letter.case_id, ADMIN, to_policy, on=date(2026, 11, 27)), uow
    )
    assert assigned == CaseAssigned(
        case_id=letter.case_id,
        channel=Channel.MAILBOX,
        department_id="policy",
        department_name="政策法规处",
        rule_id=None,
        reason="发回重办改派：涉及政策解释",
        assigned_on=date(2026, 11, 27),
        by="管理员（admin）",
        rerouted=True,
    )
    await applied(uow, [assigned])
    task = book.stored[str(letter.case_id)]
    assert (task.department_id, task.state, task.assigned_on) == (
        "policy",
        CaseState.ASSIGNED,
        date(2026, 11, 27),
    )
    # the supervision follows the case: the new department's head has a notice to read
    assert (task.supervised, task.supervision_read_by) == (2, None)
    assert book.lines(letter.case_id)[-1] == "转至政策法规处：发回重办改派：涉及政策解释"
    with pytest.raises(Forbidden):
        await actions.acknowledge_supervision(CaseAction(letter.case_id, HEAD, None), uow)
    (read,) = await actions.acknowledge_supervision(CaseAction(letter.case_id, POLICY_HEAD, None), uow)
    assert isinstance(read, CaseSupervisionAcknowledged)
    assert read.department_id == "policy"
    # taken on again by the new department, it may still be re-routed until it is replied again
    await applied(uow, await actions.accept(CaseAction(letter.case_id, POLICY_HEAD, None), uow))
    back = RerouteCreate(department_id="engineering")
    await applied(uow, await actions.reroute(CaseAction(letter.case_id, ADMIN, back), uow))
    await applied(
        uow, await actions.reply(CaseAction(letter.case_id, HANDLER, ReplyCreate(text="已答复。")), uow)
    )
    with pytest.raises(ActionRefused, match="this one is replied"):
        await actions.reroute(
            CaseAction(letter.case_id, ADMIN, RerouteCreate(department_id="engineering")), uow
        )


async def test_supervision_from_the_unsatisfied_rating_the_office_sets() -> None:
    uow, _, _ = fake_unit_of_work()
    strict = replace(uow, policy=replace(uow.policy, supervise_from_unsatisfied=1))
    letter = await a_letter(strict)
    reopened, supervised = await replied_and_rated(strict, letter)
    assert isinstance(reopened, CaseReopened)
    assert isinstance(supervised, CaseSupervised)
    assert supervised.unsatisfied == 1
