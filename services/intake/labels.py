"""Intake's Chinese vocabulary (受理用语): every label the citizen's pages show, spelled here once,
keyed by the codes the submissions and the events carry."""

from __future__ import annotations

from services.intake.notifications.choice import NotifyBy
from shared.codes import ApplicantType, Channel, DeliveryForm, DeliveryMethod, Rating, ReceivedVia

CHANNELS = {
    Channel.MAILBOX: "领导信箱",
    Channel.CONSULTATION_COMMENT: "意见征集",
    Channel.DISCLOSURE_REQUEST: "依申请公开",
    Channel.INTERVIEW_QUESTION: "在线访谈",
}
APPLICANT_TYPES = {
    ApplicantType.NATURAL_PERSON: "自然人",
    ApplicantType.BUSINESS: "商业企业",
    ApplicantType.RESEARCH_INSTITUTION: "科研机构",
    ApplicantType.PUBLIC_INTEREST_ORG: "社会公益组织",
    ApplicantType.LEGAL_SERVICES_ORG: "法律服务机构",
    ApplicantType.OTHER_ORG: "其他",
}
DELIVERY_FORMS = {DeliveryForm.PAPER: "纸质", DeliveryForm.ELECTRONIC: "电子"}
DELIVERY_METHODS = {
    DeliveryMethod.POST: "邮寄",
    DeliveryMethod.EMAIL: "电子邮件",
    DeliveryMethod.PICKUP: "当面领取",
    DeliveryMethod.ONLINE: "网上获取",
}
STATUSES = {
    "received": "已受理",
    "assigned": "已转办",
    "reassigning": "重新分办中",
    "in_progress": "办理中",
    "supplement_requested": "待补正",
    "replied": "已答复",
    "closed": "已办结",
    "refused": "未予受理",
    "answered": "已在访谈中答复",
    "not_selected": "未选入访谈",
}
NOTIFY_BY = {
    NotifyBy.NONE: "不需要",
    NotifyBy.EMAIL: "电子邮件",
    NotifyBy.SMS: "手机短信",
}
"""How the citizen chooses to be told of their case's progress (告知方式)."""
RATINGS = {
    Rating.SATISFIED: "满意",
    Rating.BASICALLY_SATISFIED: "基本满意",
    Rating.UNSATISFIED: "不满意",
}
"""How satisfied the citizen is with a reply (满意度评价)."""
RECEIVED_VIA = {
    ReceivedVia.POST_SIGNED: "邮寄（签收）",
    ReceivedVia.LETTER: "平信（无需签收）",
    ReceivedVia.IN_PERSON: "当面提交",
    ReceivedVia.FAX: "传真",
}
"""How a registry clerk says a submission came (its receipt date follows, OGI Art. 31); online is the portal's."""
