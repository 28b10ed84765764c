"""Publishing's Chinese vocabulary (公开用语): every label the public pages, the review queue and the
adoption reports show, spelled here once, keyed by the codes the events carry."""

from __future__ import annotations

from shared.codes import Adoption, Channel

CHANNELS = {
    Channel.MAILBOX: "领导信箱",
    Channel.CONSULTATION_COMMENT: "意见征集",
    Channel.DISCLOSURE_REQUEST: "依申请公开",
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
