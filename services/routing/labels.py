"""Routing's Chinese vocabulary (办理用语): every label the workbench shows, spelled here once.

Keyed by the codes the events and the use cases carry (channel, state, outcome, field names), so the
pages, the state machine and the messages say the same thing the same way.
"""

from __future__ import annotations

from shared.codes import Adoption, ApplicantType, Channel, DeliveryForm, DeliveryMethod, Outcome, Role
from shared.notices import DeliveryWay

CHANNELS = {
    Channel.MAILBOX.value: "领导信箱",
    Channel.CONSULTATION_COMMENT.value: "意见征集",
    Channel.DISCLOSURE_REQUEST.value: "依申请公开",
    Channel.INTERVIEW_QUESTION.value: "在线访谈",
}
STATES = {
    "assigned": "待签收",
    "accepted": "办理中",
    "supplement_requested": "待补正",
    "third_party_consulted": "征求第三方意见",
    "replied": "已答复",
    "closed": "已办结",
}
ADOPTIONS = {
    Adoption.ADOPTED.value: "采纳",
    Adoption.PARTIALLY_ADOPTED.value: "部分采纳",
    Adoption.NOT_ADOPTED.value: "未采纳",
}
# Disclosure outcomes grouped as in table three of the annual report (ARCHITECTURE §4).
OUTCOME_GROUPS: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "公开",
        {
            Outcome.DISCLOSED.value: "予以公开",
            Outcome.PARTIALLY_DISCLOSED.value: "部分公开",
        },
    ),
    (
        "不予公开",
        {
            Outcome.WITHHELD_STATE_SECRET.value: "不予公开：属于国家秘密",
            Outcome.WITHHELD_PROHIBITED_BY_LAW.value: "不予公开：其他法律行政法规禁止公开",
            Outcome.WITHHELD_SECURITY_STABILITY.value: "不予公开：危及“三安全一稳定”",
            Outcome.WITHHELD_THIRD_PARTY_RIGHTS.value: "不予公开：保护第三方合法权益",
            Outcome.WITHHELD_INTERNAL_AFFAIRS.value: "不予公开：属于三类内部事务信息",
            Outcome.WITHHELD_PROCESS_INFORMATION.value: "不予公开：属于四类过程性信息",
            Outcome.WITHHELD_ENFORCEMENT_FILE.value: "不予公开：属于行政执法案卷",
            Outcome.WITHHELD_INQUIRY_MATTER.value: "不予公开：属于行政查询事项",
        },
    ),
    (
        "无法提供",
        {
            Outcome.UNAVAILABLE_NOT_HELD.value: "无法提供：本机关不掌握相关政府信息",
            Outcome.UNAVAILABLE_NEEDS_CREATION.value: "无法提供：没有现成信息需要另行制作",
            Outcome.UNAVAILABLE_STILL_UNCLEAR.value: "无法提供：补正后申请内容仍不明确",
        },
    ),
    (
        "不予处理",
        {
            Outcome.NOT_PROCESSED_PETITION_COMPLAINT.value: "不予处理：信访举报投诉类申请",
            Outcome.NOT_PROCESSED_REPEATED.value: "不予处理：重复申请",
            Outcome.NOT_PROCESSED_PUBLICATION.value: "不予处理：要求提供公开出版物",
            Outcome.NOT_PROCESSED_EXCESSIVE.value: "不予处理：无正当理由大量反复申请",
            Outcome.NOT_PROCESSED_CONFIRMATION.value: "不予处理：要求行政机关确认或重新出具已获取信息",
        },
    ),
    (
        "其他处理",
        {
            Outcome.OTHER_NO_SUPPLEMENT.value: "其他处理：申请人无正当理由逾期不补正",
            Outcome.OTHER_UNPAID_FEE.value: "其他处理：申请人逾期未缴纳信息处理费",
            Outcome.OTHER_OTHER.value: "其他处理：其他",
        },
    ),
)
DONE = {
    "accept": "已签收，案件进入办理。",
    "return": "已退回，案件不再由本部门办理。",
    "request-supplement": "已发出补正通知，等待申请人补正。",
    "consult-third-party": "已记录征求第三方意见。",
    "third-party-replied": "已记录第三方的意见，案件回到办理中。",
    "third-party-replied-waiting": "已记录该第三方的意见，仍在等待其他第三方答复。",
    "extend": "已延长答复期限。",
    "reply": "已答复。",
    "close": "已办结。",
    "delivered": "已登记告知书的送达。",
}
DELIVERY_WAYS = {
    DeliveryWay.POST.value: "邮寄送达",
    DeliveryWay.IN_PERSON.value: "直接送达",
    DeliveryWay.EMAIL.value: "电子邮件送达",
}
"""How a handler records a notice's delivery (送达); online delivery is the applicant's download."""
# Input labels, by the use cases' field names (the inputs carry the same names).
LABELS = {
    "id": "编号",
    "name": "名称",
    "description": "说明",
    "department_id": "部门",
    "way": "送达方式",
    "delivered_on": "送达日期",
    "roles": "角色",
    "password": "密码",
    "priority": "优先级",
    "channel": "渠道",
    "mailbox": "信箱",
    "category": "类别",
    "applicant_type": "申请人类型",
    "keywords": "关键词",
    "reason": "理由",
    "items": "需补正的内容",
    "working_days": "工作日数",
    "party": "第三方",
    "party_id": "回复的第三方",
    "note": "说明",
    "text": "答复内容",
    "outcome": "答复结果",
    "adoption": "采纳情况",
}
APPLICANT_TYPES = {
    ApplicantType.NATURAL_PERSON.value: "自然人",
    ApplicantType.BUSINESS.value: "商业企业",
    ApplicantType.RESEARCH_INSTITUTION.value: "科研机构",
    ApplicantType.PUBLIC_INTEREST_ORG.value: "社会公益组织",
    ApplicantType.LEGAL_SERVICES_ORG.value: "法律服务机构",
    ApplicantType.OTHER_ORG.value: "其他",
}
DELIVERY_FORMS = {DeliveryForm.PAPER.value: "纸质", DeliveryForm.ELECTRONIC.value: "电子"}
DELIVERY_METHODS = {
    DeliveryMethod.POST.value: "邮寄",
    DeliveryMethod.EMAIL.value: "电子邮件",
    DeliveryMethod.PICKUP.value: "当面领取",
    DeliveryMethod.ONLINE.value: "网上获取",
}
ROLES = {
    Role.HANDLER.value: "承办人",
    Role.DEPARTMENT_HEAD.value: "部门负责人",
    Role.DISCLOSURE_HEAD.value: "依申请公开负责人",
    Role.REVIEWER.value: "审核员",
    Role.STAFF.value: "登记员",
    Role.ADMIN.value: "系统管理员",
    Role.MODERATOR.value: "访谈主持人",
}
AUDIT_ACTIONS = {
    "department.added": "新增部门",
    "department.changed": "修改部门",
    "handler.added": "新增人员",
    "handler.changed": "修改人员",
    "rule.added": "新增分办规则",
    "rule.changed": "修改分办规则",
    "rule.disabled": "停用分办规则",
    "staff.password_set": "设置密码",
    "staff.password_changed": "本人修改密码",
    "staff.signed_in": "登录",
    "staff.sign_in_failed": "登录失败",
    "staff.locked": "登录名锁定",
    "staff.signed_out": "退出登录",
    "dead_letters.replayed": "重新投递死信",
    "staff.identity_linked": "关联统一身份认证账户",
}
SUPPLEMENT_LAPSED = "申请人未在补正期限（{due}）内补正，可按“申请人无正当理由逾期不补正”答复"
"""The case history's line when tracking says the applicant's supplement deadline passed unused."""
PARTY_LAPSED = "第三方{party}逾期未答复，依《政府信息公开条例》第三十二条由本机关依法决定"
"""The history's line when a third party's 15 working days passed unanswered (``{party}``: its number)."""
CLOCKS = "期限计时"
"""Who wrote a history line that follows tracking's word on a deadline (a lapse, a third party's days)."""
