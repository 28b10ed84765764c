"""Names reach the public only when someone decided they may.

Ten consented letters carrying the personal data RULES.md lists — the writer's own contact data
written in other forms, a neighbour named in passing, a writer who introduces himself as 市民…, a
spouse, owners in a list, a property manager, a landlord — are replied to and approved by three
reviewers who add nothing: no name, phone, ID number or address of theirs is published. A suspected
name is masked until a reviewer releases it; an official the office lists stays named; reviewers see
each suspect masked, with the words around it, never the name; once published the item keeps no source.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.publishing.config import PublishingSettings
from services.publishing.db import ReviewItem
from shared.events import Contact
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support import events as support
from tests.support.kafka import RawProducer
from tests.support.publishing import REVIEWERS, approve_by_three, waiting_review
from tests.support.services import assert_error

pytestmark = pytest.mark.kafka

OFFICIAL = "郑为民"

LETTERS: list[tuple[Contact, str, str, str]] = [
    (
        Contact(
            name="王德胜", phone="0531-86123456", address="济南市历下区泉城路街道明湖小区3号楼2单元501室"
        ),
        "人防通道被占",
        "我家就在明湖小区3号楼，楼下的邻居孙宝山长期把电动车停在人防工程入口。家里电话86123456。",
        "王德胜同志：您反映的孙宝山占用通道问题，社区已上门劝导。",
    ),
    (
        Contact(name="刘振华", phone="13905316789"),
        "仓库出租",
        "市民刘振华反映：小区人防工程改作仓库出租，存放易燃物品。电话139 0531 6789。",
        "刘振华您好：已责令整改。",
    ),
    (
        Contact(name="周丽萍", email="zhouliping@example.com"),
        "地下室积水",
        "我和丈夫李志强都是退休职工，地下室常年积水。邮箱ZhouLiPing@example.com。",
        "周丽萍您好：物业已排水，李志强同志反映的门锁问题也已修复。",
    ),
    (
        Contact(name="黄丽娟", id_number="11010519491231002X"),
        "车位改储藏间",
        "我们是阳光花园的业主，李红梅、张小兵、黄丽娟三户都反映地下车位被改成储藏间。身份证110105-19491231-002X。",
        "您好：经核实情况属实，已要求恢复。",
    ),
    (
        Contact(name="陈国栋"),
        "物业不让查看",
        "小区物业经理马俊杰拒绝让我们进入人防工程查看。",
        "陈国栋先生：我办已约谈物业经理马俊杰。",
    ),
    (
        Contact(name="谢小雨", phone="13712345678"),
        "群租",
        "房东谢志军把人防地下室隔成小间出租，住了十几个人。",
        "您好：已联合街道查处，房东谢志军已整改。",
    ),
    (
        Contact(name="蒋文涛", address="济南市历城区港沟街道神武村3组12号"),
        "老防空洞",
        "我母亲唐秀珍住在神武村3组12号，村里的老防空洞要拆，邻居唐建华也可以作证。",
        "蒋文涛同志：防空洞拆除须经批准，已通知村委会暂停。",
    ),
    (
        Contact(name="欧阳振宇", phone="13905316700"),
        "托儿所",
        "请问防空地下室能否用于开办托儿所？盼复。来信人：欧阳振宇。",
        "欧阳振宇您好：平时使用须符合规定，详见附件。",
    ),
    (
        Contact(name="钱玉兰"),
        "警报试鸣",
        "我奶奶钱桂兰今年八十多岁了，听到警报就害怕。",
        f"钱玉兰您好：试鸣安排在白天，{OFFICIAL}主任已要求提前告知社区。",
    ),
    (
        Contact(name="冯德明"),
        "漏水",
        "业主冯德明去年就反映过漏水问题，物业一直拖着不修。",
        "冯德明您好：工程管理处韩立新已到现场查看。",
    ),
]

PERSONAL = [
    "王德胜", "孙宝山", "86123456", "明湖小区", "3号楼", "刘振华", "139 0531 6789", "13905316789", "周丽萍",
    "李志强", "ZhouLiPing", "zhouliping", "李红梅", "张小兵", "黄丽娟", "110105-19491231-002X", "马俊杰",
    "陈国栋", "谢志军", "蒋文涛", "唐秀珍", "唐建华", "神武村", "欧阳振宇", "钱桂兰", "钱玉兰", "冯德明",
    "韩立新",
]  # fmt: skip


@pytest.fixture
def settings(settings: PublishingSettings) -> PublishingSettings:
    return settings.model_copy(update={"public_officials": [OFFICIAL]})


async def test_ten_letters_approved_by_reviewers_who_added_nothing_publish_no_personal_data(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, _ = publishing
    letters = [support.letter(subject, body, contact=contact) for contact, subject, body, _ in LETTERS]
    replies = [support.replied(letter, reply) for letter, (*_, reply) in zip(letters, LETTERS, strict=True)]
    await producer.send_payloads(topics.case_events, [*letters, *replies])
    published: list[dict[str, Any]] = []
    for letter in letters:
        item = await waiting_review(client, letter.case_id)
        published.append(await approve_by_three(client, item["id"]))
    assert {item["status"] for item in published} == {"published"}

    public = (await client.get("/api/v1/replies", params={"limit": 100})).json()["items"]
    assert len(public) == 10
    text = str(public)
    raw = [value for value in PERSONAL if value in text]
    assert raw == [], f"published as written: {raw}"
    assert OFFICIAL in text, "an official the office lists stays named"
    reasons = {entry["reason"] for item in published for entry in item["manifest"]}
    assert reasons == {"case", "introduced", "suspected"}


async def test_a_suspected_name_is_masked_until_a_reviewer_releases_it(
    publishing: tuple[httpx.AsyncClient, ServiceRuntime], producer: RawProducer, topics: Topics
) -> None:
    client, runtime = publishing
    letter = support.letter(
        "表扬", "感谢街道办的杨文斌帮我们协调，邻居孔繁荣也出了力。", contact=Contact(name="钱多多")
    )
    await producer.send_payloads(
        topics.case_events, [letter, support.replied(letter, "钱多多您好：已转告杨文斌同志。")]
    )
    item = await waiting_review(client, letter.case_id)
    assert item["content"]["question"] == "感谢街道办的杨*斌帮我们协调，邻居孔*荣也出了力。"
    suspects = {s["masked"]: s for s in item["suspects"]}
    assert set(suspects) == {"杨*斌", "孔*荣"}
    assert suspects["杨*斌"]["fields"] == ["question", "reply"]
    assert suspects["杨*斌"]["context"] == "感谢街道办的杨*斌帮我们协调，邻居孔*荣也…"
    assert "杨文斌" not in str(item), "reviewers never see the name"
    assert "孔繁荣" not in str(item)

    url = f"/api/v1/reviews/{item['id']}/approve"
    assert_error(
        await client.post(url, json={"release": ["s9"]}, headers=REVIEWERS[0]),
        422,
        "validation_error",
        "release",
    )
    released = await client.post(url, json={"release": [suspects["杨*斌"]["id"]]}, headers=REVIEWERS[0])
    assert released.status_code == 200, released.text
    body = released.json()
    assert body["content"]["question"] == "感谢街道办的杨文斌帮我们协调，邻居孔*荣也出了力。"
    assert body["content"]["reply"] == "钱*多您好：已转告杨文斌同志。"
    assert [s["released"] for s in body["suspects"]] == [True, False]
    masked_more = await client.post(url, json={"mask": ["街道办"]}, headers=REVIEWERS[1])
    assert masked_more.json()["content"]["question"] == "感谢街*办的杨文斌帮我们协调，邻居孔*荣也出了力。"
    await client.post(url, headers=REVIEWERS[2])

    reply = (await client.get("/api/v1/replies", params={"q": "协调"})).json()["items"][0]
    assert reply["question"] == "感谢街*办的杨文斌帮我们协调，邻居孔*荣也出了力。"
    kinds = {(m["field"], m["kind"], m["reason"]) for m in reply["masked"]}
    assert ("question", "name", "suspected") in kinds
    assert ("question", "reviewer", "reviewer") in kinds
    assert ("reply", "name", "case") in kinds
    async with runtime.database.session() as session:
        row = await session.get(ReviewItem, item["id"])
    assert row is not None
    assert row.source is None, "a decided item keeps only what it published"
