"""A day at the office, through the four services' APIs: the flow the legacy databases were made with
(`tests/migrations/legacy/make_fixture.py`), and the log the replay tests rebuild from.

Letters replied, returned, dispatched from triage, extended, reopened; disclosure requests supplemented,
sent to a third party, extended, answered, one overdue with its red card; a consultation with comments
decided and its adoption report published after 三审; a calendar year stored; rules, handlers and
departments changed; an appeal recorded.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx

from shared.auth import mint_token
from shared.codes import Role
from shared.dates import today as shanghai_today

SERVICES = ("intake", "routing", "tracking", "publishing")


class Staff:
    """Bearer tokens for the office's people, signed with the services' secret."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.admin = self.bearer(Role.ADMIN, sub="admin-1")
        self.clerk = self.bearer(Role.STAFF, sub="clerk-1")
        self.disclosure_head = self.bearer(Role.DISCLOSURE_HEAD, sub="head-1")
        self.reviewers = [self.bearer(Role.REVIEWER, sub=f"reviewer-{n}") for n in (1, 2, 3)]

    def bearer(self, *roles: Role, department: str | None = None, sub: str = "legacy") -> dict[str, str]:
        token = mint_token(self.secret, sub=sub, name="旧版用户", roles=list(roles), department=department)
        return {"Authorization": f"Bearer {token}"}

    def handler(self, department: str) -> dict[str, str]:
        return self.bearer(Role.HANDLER, department=department, sub=f"handler-{department}")

    def department_head(self, department: str) -> dict[str, str]:
        return self.bearer(Role.DEPARTMENT_HEAD, department=department, sub=f"head-{department}")


async def until(check: Any, what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.3)
    raise TimeoutError(what)


class Office:
    def __init__(self, http: httpx.AsyncClient, urls: dict[str, str], staff: Staff) -> None:
        self.http = http
        self.staff = staff
        self.intake, self.routing, self.tracking, self.publishing = (urls[name] for name in SERVICES)

    async def post(self, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        response = await self.http.post(url, json=body if body is not None else {}, headers=headers)
        if response.status_code >= 300:
            raise RuntimeError(f"POST {url}: {response.status_code} {response.text}")
        return response.json()

    async def status(self, code: str) -> dict[str, Any]:
        response = await self.http.get(f"{self.intake}/api/v1/cases/{code}")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def wait_status(self, code: str, status: str, *, with_due_date: bool = False) -> None:
        async def reached() -> bool:
            view = await self.status(code)
            return bool(view["status"] == status and (view["due_date"] or not with_due_date))

        await until(reached, f"{code} → {status}")

    async def action(self, case_id: str, verb: str, body: Any, headers: dict[str, str]) -> Any:
        return await self.post(f"{self.routing}/api/v1/cases/{case_id}/{verb}", body, headers)

    async def approve_all(self, kind: str, subject: str) -> None:
        async def pending() -> str | None:
            response = await self.http.get(
                f"{self.publishing}/api/v1/reviews", headers=self.staff.reviewers[0]
            )
            for item in response.json():
                if item["kind"] == kind and item["subject_id"] == subject:
                    return str(item["id"])
            return None

        review_id = await until(pending, f"review of {kind} {subject}")
        for reviewer in self.staff.reviewers:
            await self.post(f"{self.publishing}/api/v1/reviews/{review_id}/approve", {}, reviewer)


async def drive(office: Office) -> dict[str, Any]:
    """The office's work; the ids and tracking codes a reader needs."""
    p, t, staff = office.publishing, office.tracking, office.staff
    manifest: dict[str, Any] = {"cases": {}}

    async def submit(
        name: str, path: str, body: Any, headers: dict[str, str] | None = None
    ) -> dict[str, str]:
        receipt = await office.post(f"{office.intake}{path}", body, headers)
        manifest["cases"][name] = {"case_id": receipt["case_id"], "tracking_code": receipt["tracking_code"]}
        return dict(receipt)

    # A consultation, its comments, decided, and the adoption report published.
    today = shanghai_today()
    consultation = await office.post(
        f"{p}/api/v1/consultations",
        {
            "title": "《人民防空工程平时使用管理办法（征求意见稿）》",
            "summary": "公开征求社会各界意见。",
            "draft_text": "第一条 为规范人防工程平时使用，制定本办法。",
            "opens_on": today.isoformat(),
            "closes_on": (today + timedelta(days=30)).isoformat(),
        },
        staff.admin,
    )
    manifest["consultation_id"] = consultation["id"]

    comment_path = f"/api/v1/consultations/{consultation['id']}/comments"

    async def comment(name: str, body: Any) -> None:
        async def accepted() -> bool:
            response = await office.http.post(f"{office.intake}{comment_path}", json=body)
            if response.status_code == 201:
                receipt = response.json()
                manifest["cases"][name] = {
                    "case_id": receipt["case_id"],
                    "tracking_code": receipt["tracking_code"],
                }
                return True
            return False

        await until(accepted, "the consultation reaching intake")

    await comment(
        "comment_adopted",
        {
            "body": "建议明确人防车位的收费标准。",
            "clause": "第十二条",
            "contact": {"name": "钱多多", "phone": "13700001111"},
        },
    )
    await comment("comment_not_adopted", {"body": "建议取消全部收费。"})
    for name in ("comment_adopted", "comment_not_adopted"):
        await office.wait_status(manifest["cases"][name]["tracking_code"], "assigned")
    await office.post(
        f"{p}/api/v1/consultations/{consultation['id']}/close",
        {"reason": "意见已充分收集，提前截止"},
        staff.admin,
    )
    policy = staff.handler("policy")
    await office.action(
        manifest["cases"]["comment_adopted"]["case_id"],
        "reply",
        {"text": "采纳，已在第十二条中明确。", "adoption": "adopted"},
        policy,
    )
    await office.action(
        manifest["cases"]["comment_not_adopted"]["case_id"],
        "reply",
        {"text": "未采纳。", "adoption": "not_adopted", "reason": "收费依据上位法规定"},
        policy,
    )
    for name in ("comment_adopted", "comment_not_adopted"):
        await office.wait_status(manifest["cases"][name]["tracking_code"], "replied")

    async def compiled() -> bool:
        response = await office.http.post(
            f"{p}/api/v1/consultations/{consultation['id']}/adoption-report", headers=staff.admin
        )
        return response.status_code == 201

    await until(compiled, "every comment decided in publishing")
    await office.approve_all("adoption_report", consultation["id"])

    # A letter answered, published after 三审, rated and closed; its retry with the same key.
    letter = {
        "mailbox": "civil-air-defence",
        "category": "咨询",
        "subject": "小区人防工程能否停车",
        "body": "请问小区地下人防工程平时可以作为停车场吗？我的电话13812345678",
        "contact": {"name": "张三丰", "phone": "13812345678"},
        "publish_consent": True,
    }
    first = await submit(
        "letter_published", "/api/v1/mailbox-messages", letter, {"Idempotency-Key": "legacy-1"}
    )
    again = await office.post(
        f"{office.intake}/api/v1/mailbox-messages", letter, {"Idempotency-Key": "legacy-1"}
    )
    assert again["case_id"] == first["case_id"]
    await office.wait_status(first["tracking_code"], "assigned", with_due_date=True)
    engineering = staff.handler("engineering")
    await office.action(first["case_id"], "accept", {}, engineering)
    await office.action(
        first["case_id"], "reply", {"text": "张三丰您好：人防工程平时可依法用于停车。"}, engineering
    )
    await office.approve_all("reply", first["case_id"])
    await office.wait_status(first["tracking_code"], "replied")
    await office.post(
        f"{office.intake}/api/v1/cases/{first['tracking_code']}/rating", {"rating": "satisfied"}
    )
    await office.action(first["case_id"], "close", {}, engineering)

    # A letter returned, left in triage, dispatched by hand, extended, answered, reopened, answered again.
    second = await submit(
        "letter_reopened",
        "/api/v1/mailbox-messages",
        {
            "mailbox": "director",
            "category": "投诉",
            "subject": "防空警报试鸣声音太小",
            "body": "今年警报试鸣时我们小区几乎听不到防空警报。",
            "contact": {"name": "孙小美", "email": "sun@example.cn"},
            "publish_consent": False,
        },
    )
    await office.wait_status(second["tracking_code"], "assigned", with_due_date=True)
    await office.action(
        second["case_id"], "return", {"reason": "不属于本处职责"}, staff.handler("command-comms")
    )

    async def in_triage() -> bool:
        response = await office.http.get(f"{office.routing}/api/v1/tasks", headers=staff.handler("triage"))
        return any(task["case_id"] == second["case_id"] for task in response.json())

    await until(in_triage, "the returned letter in triage")
    await office.post(
        f"{office.routing}/api/v1/cases/{second['case_id']}/dispatch",
        {"department_id": "general-office", "note": "由办公室协调"},
        staff.admin,
    )
    office_handler = staff.handler("general-office")
    await office.action(second["case_id"], "accept", {}, office_handler)
    await office.action(
        second["case_id"],
        "extend",
        {"working_days": 5, "reason": "需协调指挥通信处"},
        staff.department_head("general-office"),
    )
    await office.action(second["case_id"], "reply", {"text": "已安排检修警报器。"}, office_handler)
    await office.wait_status(second["tracking_code"], "replied")
    await office.post(
        f"{office.intake}/api/v1/cases/{second['tracking_code']}/rating",
        {"rating": "unsatisfied", "comment": "没有说明何时修好"},
    )
    await office.wait_status(second["tracking_code"], "in_progress")
    await office.action(second["case_id"], "reply", {"text": "警报器已于本月修复。"}, office_handler)

    # A disclosure request supplemented, sent to a third party, extended, answered, then reopened.
    request = await submit(
        "disclosure_reopened",
        "/api/v1/disclosure-requests",
        {
            "applicant": {
                "type": "natural_person",
                "name": "李四",
                "id_number": "11010519491231002X",
                "phone": "13912345678",
            },
            "description": "2025年本市防空地下室易地建设费收缴情况",
            "delivery_form": "electronic",
            "delivery_method": "online",
        },
    )
    await office.wait_status(request["tracking_code"], "assigned", with_due_date=True)
    opengov = staff.handler("open-government")
    await office.action(request["case_id"], "accept", {}, opengov)
    await office.action(
        request["case_id"],
        "request-supplement",
        {"items": "请写明所需信息的年份", "working_days": 10},
        opengov,
    )
    await office.wait_status(request["tracking_code"], "supplement_requested")
    await office.post(
        f"{office.intake}/api/v1/cases/{request['tracking_code']}/supplement", {"text": "2025年度"}
    )

    async def back_in_hand() -> bool:
        response = await office.http.get(
            f"{office.routing}/api/v1/cases/{request['case_id']}", headers=opengov
        )
        return bool(response.json()["task"]["state"] == "accepted")

    await until(back_in_hand, "the supplement in routing")
    await office.action(request["case_id"], "consult-third-party", {"party": "某建设公司"}, opengov)
    await office.action(request["case_id"], "third-party-replied", {"note": "不同意公开"}, opengov)
    await office.action(
        request["case_id"], "extend", {"working_days": 10, "reason": "需调取档案"}, staff.disclosure_head
    )
    await office.action(
        request["case_id"],
        "reply",
        {"text": "经审查，部分公开。", "outcome": "partially_disclosed", "reason": "涉及第三方商业秘密"},
        opengov,
    )
    await office.wait_status(request["tracking_code"], "replied")
    await office.post(
        f"{office.intake}/api/v1/cases/{request['tracking_code']}/rating", {"rating": "unsatisfied"}
    )
    await office.wait_status(request["tracking_code"], "in_progress")

    # A request registered by post 45 days ago: overdue, with its red card.
    late = await submit(
        "disclosure_overdue",
        "/api/v1/disclosure-requests",
        {
            "applicant": {
                "type": "business",
                "organisation": "济南某建设有限公司",
                "phone": "0531-86123456",
                "address": "历下区某路1号",
            },
            "description": "某小区防空地下室竣工验收备案信息",
            "delivery_form": "paper",
            "delivery_method": "post",
            "received_via": "post_signed",
            "received_at": (today - timedelta(days=45)).isoformat(),
        },
        staff.clerk,
    )
    await office.wait_status(late["tracking_code"], "assigned", with_due_date=True)

    async def red_card() -> bool:
        response = await office.http.get(f"{t}/api/v1/cases/{late['case_id']}/deadlines", headers=staff.admin)
        return any(clock["state"] == "breached" for clock in response.json()["clocks"])

    await until(red_card, "the red card")

    # A request not processed (a repeated one), answered at once.
    repeated = await submit(
        "disclosure_repeated",
        "/api/v1/disclosure-requests",
        {
            "applicant": {
                "type": "research_institution",
                "organisation": "某研究院",
                "email": "r@example.cn",
            },
            "description": "2025年本市防空地下室易地建设费收缴情况（重复）",
            "delivery_form": "electronic",
            "delivery_method": "email",
        },
    )
    await office.wait_status(repeated["tracking_code"], "assigned", with_due_date=True)
    await office.action(
        repeated["case_id"],
        "reply",
        {
            "text": "重复申请，不予重复处理。",
            "outcome": "not_processed.repeated",
            "reason": "同一申请人重复申请",
        },
        opengov,
    )
    await office.wait_status(repeated["tracking_code"], "replied")

    # The admins' work: a calendar year, a rule, a handler, a department, an appeal.
    response = await office.http.put(
        f"{t}/api/v1/calendar/2027",
        json={
            "holidays": ["2027-01-01", "2027-02-06", "2027-02-07"],
            "extra_workdays": ["2027-02-14"],
            "status": "announced",
            "source": "国办发明电〔2026〕X号",
        },
        headers=staff.admin,
    )
    response.raise_for_status()
    await office.post(
        f"{office.routing}/api/v1/rules",
        {"id": "shelter-signs", "priority": 35, "department_id": "engineering", "keywords": ["人防标识"]},
        staff.admin,
    )
    response = await office.http.put(
        f"{office.routing}/api/v1/handlers",
        json={"id": "wu-shi", "name": "吴十", "department_id": "policy", "roles": ["handler"]},
        headers=staff.admin,
    )
    response.raise_for_status()
    response = await office.http.put(
        f"{office.routing}/api/v1/departments/mobilisation",
        json={"name": "国防动员处", "description": "国防动员潜力调查、宣传教育、民兵工作"},
        headers=staff.admin,
    )
    response.raise_for_status()
    await office.post(
        f"{p}/api/v1/reports/appeals",
        {
            "case_id": repeated["case_id"],
            "kind": "reconsideration",
            "filed_on": today.isoformat(),
            "result": "pending",
        },
        staff.admin,
    )
    return manifest
