"""One real payload of every event type — several where the type has variants — for checking each
schema against what the code writes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from shared.codes import Adoption, ApplicantType, ClockKind, Outcome, Rating
from shared.events import (
    AdoptionReportPublished,
    AdoptionReportRejected,
    AdoptionReportWithdrawn,
    CalendarRecountContinued,
    CalendarUpdated,
    CaseAccepted,
    CaseClosed,
    CaseClustered,
    CaseKeyIssued,
    CasePublicationWithdrawn,
    CasePublished,
    CaseRated,
    CaseReopened,
    CaseReturned,
    CaseSupervised,
    CaseSupervisionAcknowledged,
    ConsultationClosed,
    Contact,
    DeadlineBreached,
    DeadlineExtended,
    DeadlineLapsed,
    DeadlineSet,
    DeadlineWarning,
    EventPayload,
    InterviewClosed,
    InterviewScheduled,
    InterviewTranscriptPublished,
    NoticeDelivered,
    NoticeDownloaded,
    NoticeIssued,
    PersonalDataErased,
    ReviewRejected,
    SubmissionRefused,
    SupplementReceived,
    SupplementRequested,
    ThirdPartyConsulted,
    ThirdPartyReplied,
)
from shared.notices import LEGAL_BASIS, DeliveryWay, NoticeKind
from tests.support import events, interviews

__all__ = ["examples"]

DAY = date(2026, 3, 2)


def examples() -> list[EventPayload]:
    """At least one payload of every type in `shared.events.EVENT_TYPES`, optional parts filled in."""
    writer = Contact(name="张三", phone="13800000000", email="z@example.cn", id_number="110101199003070000")
    letter = events.letter(contact=writer, on=DAY)
    comment = events.comment(uuid4(), on=DAY, closes_on=DAY + timedelta(days=30))
    request = events.disclosure_request(ApplicantType.BUSINESS, on=DAY, purpose="科研")
    case = letter.case_id
    consultation = comment.comment.consultation_id if comment.comment else uuid4()
    interview = uuid4()
    notice = uuid4()
    question = interviews.question(interview, contact=Contact(name="李红梅", email="l@example.cn"))
    return [
        letter,
        comment,
        request,
        question,
        SubmissionRefused(case_id=comment.case_id, reason="征求意见已结束", refused_on=DAY),
        SupplementReceived(case_id=request.case_id, text="补充说明", receipt_date=DAY),
        CaseRated(case_id=case, rating=Rating.BASICALLY_SATISFIED, comment="谢谢"),
        CaseKeyIssued(case_id=case, wrapped_key="d3JhcHBlZA=="),
        PersonalDataErased(case_id=case, erased_on=DAY, cause="retention"),
        events.assigned(letter),
        CaseClustered(case_id=case, cluster_id=str(case)),
        CaseReturned(case_id=case, department_id="engineering", reason="不属于本处", by="李四 (h-1)"),
        CaseAccepted(case_id=case, department_id="engineering"),
        SupplementRequested(case_id=request.case_id, items="申请内容描述", due_date=DAY, requested_on=DAY),
        ThirdPartyConsulted(case_id=request.case_id, party="某公司", consulted_on=DAY),
        ThirdPartyReplied(case_id=request.case_id, replied_on=DAY),
        DeadlineExtended(case_id=request.case_id, working_days=20, reason="情况复杂"),
        events.replied(letter),
        events.replied(request, outcome=Outcome.WITHHELD_THIRD_PARTY_RIGHTS, reason="涉及第三方"),
        events.decided(comment, Adoption.PARTIALLY_ADOPTED, "部分采纳"),
        CaseReopened(case_id=case, reason="答复不完整"),
        CaseSupervised(
            case_id=case,
            department_id="engineering",
            department_name="工程处",
            unsatisfied=2,
            reason="市民第2次对答复不满意",
            supervised_on=DAY,
        ),
        CaseSupervisionAcknowledged(
            case_id=case,
            department_id="engineering",
            unsatisfied=2,
            acknowledged_on=DAY,
            by="王五（wang-wu）",
        ),
        CaseClosed(case_id=case, closed_on=DAY),
        events.due(letter),
        DeadlineSet(
            case_id=case,
            clock=ClockKind.RETURN_WINDOW,
            due_date=DAY + timedelta(days=4),
            provisional=True,
            old_due_date=DAY,
            cause="calendar.updated",
            note="2个工作日",
        ),
        DeadlineWarning(case_id=case, clock=ClockKind.REPLY, due_date=DAY),
        DeadlineBreached(case_id=case, clock=ClockKind.REPLY, due_date=DAY),
        DeadlineLapsed(case_id=case, clock=ClockKind.RETURN_WINDOW, due_date=DAY),
        CalendarUpdated(year=2026, holidays=(DAY,), extra_workdays=(), status="announced"),
        CalendarRecountContinued(
            year=2026,
            status="provisional",
            after_clock_id=500,
            cause_id=uuid4(),
            cause_time=datetime(2026, 1, 5, tzinfo=UTC),
        ),
        events.consultation_opened(consultation),
        ConsultationClosed(
            consultation_id=consultation, closed_on=DAY, closed_at=datetime(2026, 3, 2, 16, tzinfo=UTC)
        ),
        CasePublished(case_id=case, publication_id=uuid4(), published_on=DAY),
        ReviewRejected(case_id=case, review_id=uuid4(), department_id=None, reviewer="r-1", reason="未遮盖"),
        AdoptionReportRejected(
            consultation_id=consultation, review_id=uuid4(), reviewer="r-2", reason="缺数据"
        ),
        AdoptionReportPublished(
            consultation_id=consultation, received=10, adopted=3, partially_adopted=2, not_adopted=5
        ),
        CasePublicationWithdrawn(case_id=case, review_id=uuid4(), withdrawn_on=DAY),
        AdoptionReportWithdrawn(consultation_id=consultation, review_id=uuid4(), withdrawn_on=DAY),
        InterviewScheduled(
            interview_id=interview,
            title="人防工程平时使用",
            guest="郑为民",
            starts_at=datetime(2026, 3, 5, 2, tzinfo=UTC),
            ends_at=datetime(2026, 3, 5, 4, tzinfo=UTC),
        ),
        InterviewClosed(interview_id=interview, closed_at=datetime(2026, 3, 5, 4, tzinfo=UTC)),
        InterviewTranscriptPublished(
            interview_id=interview,
            title="人防工程平时使用",
            published_on=DAY,
            received=12,
            selected=(question.case_id,),
            answered=1,
        ),
        NoticeIssued(
            case_id=case,
            notice_id=notice,
            kind=NoticeKind.REPLY,
            year=2026,
            sequence=12,
            number="国动办依申告〔2026〕第12号",
            issued_on=DAY,
            receipt_date=DAY - timedelta(days=20),
            office="某市国防动员办公室",
            reconsideration_body="某市人民政府",
            court="某市中级人民法院",
            reconsideration_days=60,
            litigation_months=6,
            outcome=Outcome.PARTIALLY_DISCLOSED,
            legal_basis=LEGAL_BASIS[Outcome.PARTIALLY_DISCLOSED],
            text="现提供汇总表。",
            reason="涉及个人信息的部分不予公开。",
            by="赵六（zhao-liu）",
        ),
        NoticeDownloaded(
            case_id=case,
            notice_id=notice,
            number="国动办依申告〔2026〕第12号",
            downloaded_at=datetime(2026, 3, 2, 8, tzinfo=UTC),
        ),
        NoticeDelivered(
            case_id=case,
            notice_id=notice,
            number="国动办依申告〔2026〕第12号",
            way=DeliveryWay.POST,
            delivered_at=datetime(2026, 3, 3, 8, tzinfo=UTC),
            by="赵六（zhao-liu）",
            note="挂号信 XA123456789CN",
        ),
    ]
