"""Publishing's Chinese vocabulary (公开用语): every label the public pages, the review queue and the
adoption reports show, spelled here once, keyed by the codes the events carry."""

from __future__ import annotations

from shared.codes import Adoption, Channel

CHANNELS = {
    Channel.MAILBOX: "领导信箱",
    Channel.CONSULTATION_COMMENT: "意见征集",
    Channel.DISCLOSURE_REQUEST: "依申请公开",
    Channel.INTERVIEW_QUESTION: "在线访谈",
}
MASKED_KINDS = {
    "name": "姓名",
    "mobile": "手机号码",
    "landline": "固定电话",
    "id_number": "身份证号码",
    "email": "电子邮箱",
    "licence_plate": "车牌号码",
    "address": "详细地址",
    "reviewer": "审核人员标注的个人信息",
}
CONSULTATION_STATES = {
    "upcoming": "尚未开始",
    "open": "正在征求意见",
    "ended": "征求意见已截止",
    "closed": "已结束",
}
DECISIONS = {
    Adoption.ADOPTED.value: "采纳",
    Adoption.PARTIALLY_ADOPTED.value: "部分采纳",
    Adoption.NOT_ADOPTED.value: "未采纳",
}
MASK_REASONS = {
    "case": "案件登记的个人信息",
    "introduced": "文中自我介绍的姓名",
    "suspected": "疑似姓名",
    "pattern": "按格式识别",
    "reviewer": "审核人员补充遮盖",
}
REVIEW_KINDS = {"reply": "信箱答复", "adoption_report": "意见采纳情况", "interview_transcript": "访谈实录"}
REVIEW_STATES = {
    "pending": "待审核",
    "published": "已公开",
    "rejected": "已退回",
    "superseded": "已被新版本取代",
    "withdrawn": "个人信息已删除，未公开",
    "retracted": "已撤回",
}
FINDING_KINDS = {"typo": "疑似错别字", "sensitive": "敏感词", "leader": "领导姓名、职务不符"}
"""三校: what the proofreading found, by kind."""
LEVEL_STATES = {"approved": "已通过", "waiting": "待审核", "ahead": "未开始"}
REPLY_FIELDS = {
    "subject": "标题",
    "question": "来信内容",
    "reply": "答复内容",
    "title": "标题",
    "content": "意见内容",
    "reason": "理由",
    "clause": "条款",
}
DOCUMENT_KINDS = {
    "major_decision": "重大行政决策",
    "draft_rule": "规章草案",
    "business_related": "涉企政策文件",
    "other_normative": "其他行政规范性文件",
}
APPEAL_KINDS = {
    "reconsideration": "行政复议",
    "litigation_direct": "行政诉讼（未经复议直接起诉）",
    "litigation_after_reconsideration": "行政诉讼（复议后起诉）",
}
APPEAL_RESULTS = {"pending": "尚未审结", "upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果"}
INTERVIEW_STATES = {
    "scheduled": "征集问题中",
    "closed": "已停止征集，整理实录",
    "in_review": "实录审核中",
    "published": "实录已公开",
}
"""An online interview's states (在线访谈, `services.publishing.interview_rules.InterviewStatus`)."""
