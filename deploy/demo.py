"""``make run``'s demo office: one open consultation, and a demo account for every role — created
through the services' APIs as an admin would, with passwords of their own kept in the data folder
(``demo-staff.txt``, readable by its owner only), so every run prints the same ones."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from shared.codes import Role
from shared.dates import today as shanghai_today

__all__ = ["DEMO_STAFF", "DemoAccount", "seed_demo_consultation", "seed_demo_staff"]


@dataclass(frozen=True, slots=True)
class DemoAccount:
    login: str
    name: str
    department: str
    roles: tuple[Role, ...]
    does: str
    """What the account is for, as the banner says it."""


DEMO_STAFF = (
    DemoAccount(
        "demo-admin",
        "周管理",
        "general-office",
        (Role.ADMIN,),
        "系统管理员：部门、人员、规则、日历、征求意见、分办、死信",
    ),
    DemoAccount("demo-handler", "李四", "engineering", (Role.HANDLER,), "承办人，人防工程管理处：待办、答复"),
    DemoAccount(
        "demo-head",
        "王主任",
        "engineering",
        (Role.DEPARTMENT_HEAD,),
        "部门负责人，人防工程管理处：延期、督办统计",
    ),
    DemoAccount(
        "demo-disclosure",
        "赵公开",
        "open-government",
        (Role.HANDLER, Role.DISCLOSURE_HEAD),
        "依申请公开承办人和负责人，政务公开办公室",
    ),
    DemoAccount("demo-policy", "孙政策", "policy", (Role.HANDLER,), "承办人，政策法规处：征集意见的采纳"),
    DemoAccount(
        "demo-reviewer-1", "审核员甲", "general-office", (Role.REVIEWER,), "审核员：公开前审核（三审之一）"
    ),
    DemoAccount(
        "demo-reviewer-2", "审核员乙", "general-office", (Role.REVIEWER,), "审核员：公开前审核（三审之二）"
    ),
    DemoAccount(
        "demo-reviewer-3", "审核员丙", "general-office", (Role.REVIEWER,), "审核员：公开前审核（三审之三）"
    ),
    DemoAccount("demo-registry", "钱登记", "general-office", (Role.STAFF,), "登记员：来信来件登记"),
    DemoAccount(
        "demo-moderator", "吴主持", "general-office", (Role.MODERATOR,), "访谈主持人：选用、分组、答复提问"
    ),
)


async def seed_demo_consultation(publishing: str, admin_token: str) -> None:
    """One open consultation, created through publishing's API like an admin would."""
    async with httpx.AsyncClient(base_url=publishing, timeout=10) as client:
        if (await client.get("/api/v1/consultations")).json():
            return
        today = shanghai_today()
        response = await client.post(
            "/api/v1/consultations",
            headers={"Authorization": f"Bearer {admin_token}"},
            json={
                "title": "《济南市人民防空工程维护管理办法（征求意见稿）》",
                "summary": "为规范人防工程平时使用和维护管理，现公开征求社会各界意见。",
                "draft_text": "第一条 为规范本市人民防空工程的维护管理，根据有关法律法规，制定本办法。\n"
                "第二条 本市行政区域内人民防空工程的维护管理，适用本办法。",
                "opens_on": today.isoformat(),
                "closes_on": (today + timedelta(days=30)).isoformat(),
            },
        )
        response.raise_for_status()


def _kept(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    lines = (line.split("\t") for line in path.read_text().splitlines() if "\t" in line)
    return {login: password for login, password in lines}


async def seed_demo_staff(routing: str, admin_token: str, data_dir: Path) -> dict[str, str]:
    """Every demo account in routing's directory with a password (login → password)."""
    kept_in = data_dir / "demo-staff.txt"
    passwords = _kept(kept_in)
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with httpx.AsyncClient(base_url=routing, timeout=30, headers=headers) as client:
        listed = {person["id"]: person for person in (await client.get("/api/v1/handlers")).json()}
        for account in DEMO_STAFF:
            if account.login not in listed:
                added = await client.put(
                    "/api/v1/handlers",
                    json={
                        "id": account.login,
                        "name": account.name,
                        "department_id": account.department,
                        "roles": [role.value for role in account.roles],
                    },
                )
                added.raise_for_status()
            if account.login in passwords and listed.get(account.login, {}).get("password_set"):
                continue
            passwords[account.login] = f"demo-{secrets.token_urlsafe(9)}"
            given = await client.post(
                f"/api/v1/handlers/{account.login}/password",
                json={"password": passwords[account.login], "temporary": False},
            )
            given.raise_for_status()
    kept_in.touch(mode=0o600)
    kept_in.write_text("".join(f"{login}\t{password}\n" for login, password in passwords.items()))
    return passwords
