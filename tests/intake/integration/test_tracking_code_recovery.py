"""Finding a lost tracking code again (找回查询码) through the portal, against the real broker, each
database and a real SMTP server (aiosmtpd on loopback): the one-time code arrives by mail, the new
tracking code works and the old one no longer does; an unknown address gets the same answer and no
mail; asks and wrong codes are limited; erasing the case's personal data makes it unfindable."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import httpx
import pytest
import pytest_asyncio
from sqlmodel import select

from deploy.mail_catcher import MailCatcher
from services.intake.app import create_app
from services.intake.config import IntakeSettings, SmtpSettings
from services.intake.db import RecoveryAddress
from services.intake.recovery import erase_addresses
from shared.runtime import ServiceRuntime
from shared.topics import Topics
from tests.support.notifications import mail_catcher, mails_to, wait_for_mail
from tests.support.services import in_process, settings_for

pytestmark = pytest.mark.kafka

__all__ = ["mail_catcher"]  # fixtures

EMAIL = "wangwu@example.com"
STRANGER = "nobody@example.com"
SAME_ANSWER = "如果该地址有关联的事项，我们已发送验证码"
ONE_TIME_CODE = re.compile(r"验证码为 ([0-9]{6})")
NEW_CODE = re.compile(r'<code class="tracking-code">([^<]+)</code>')
LETTER: dict[str, Any] = {
    "mailbox": "civil-air-defence",
    "category": "咨询",
    "subject": "人防警报试鸣时间",
    "body": "请问今年的防空警报试鸣在哪一天？",
    "contact": {"name": "王五", "email": "WangWu@Example.com"},
}

Intake = tuple[httpx.AsyncClient, ServiceRuntime]


@pytest_asyncio.fixture
async def intake(
    kafka_bootstrap: str, topics: Topics, database_url: str, mail_catcher: MailCatcher
) -> AsyncIterator[Intake]:
    settings = settings_for(
        IntakeSettings,
        kafka_bootstrap,
        topics,
        database_url,
        smtp=SmtpSettings(host="127.0.0.1", port=mail_catcher.port, sender="noreply@civic.example"),
        office_name="市国防动员办公室",
        recovery_asks_per_address=3,
        recovery_asks_per_client=8,
    )
    async with in_process(create_app, settings) as running:
        yield running


async def _letter(client: httpx.AsyncClient) -> tuple[str, str]:
    response = await client.post("/api/v1/mailbox-messages", json=LETTER)
    assert response.status_code == 201, response.text
    return response.json()["tracking_code"], response.json()["case_id"]


async def _ask(client: httpx.AsyncClient, address: str) -> httpx.Response:
    response = await client.post("/track/recover", data={"address": address})
    return response


def _code_in(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    found = ONE_TIME_CODE.search(body.get_content())
    assert found, body.get_content()
    return found.group(1)


async def _enter(client: httpx.AsyncClient, address: str, code: str) -> httpx.Response:
    return await client.post("/track/recover/code", data={"address": address, "one_time_code": code})


async def test_the_one_time_code_by_mail_gives_a_new_tracking_code_and_the_old_one_stops(
    intake: Intake, mail_catcher: MailCatcher
) -> None:
    client, runtime = intake
    old_code, case_id = await _letter(client)

    asked = await _ask(client, " wangwu@EXAMPLE.com ")  # written another way: the same address
    assert asked.status_code == 200
    assert SAME_ANSWER in asked.text
    [mail] = await wait_for_mail(mail_catcher, EMAIL)
    assert mail["Subject"] == "找回查询码的验证码"
    entered = await _enter(client, EMAIL, _code_in(mail))

    assert entered.status_code == 201, entered.text
    assert "原查询码已失效" in entered.text
    [new_code] = NEW_CODE.findall(entered.text)
    assert new_code != old_code
    status = await client.get(f"/api/v1/cases/{new_code}")
    assert status.status_code == 200
    assert status.json()["status"] == "received"
    assert (await client.get(f"/api/v1/cases/{old_code}")).status_code == 404
    assert (await client.get("/track", params={"code": new_code})).status_code == 200
    # the code is used: a second go finds nothing
    again = await _enter(client, EMAIL, _code_in(mail))
    assert again.status_code == 422
    assert "验证码不正确或已失效" in again.text
    # only a keyed hash of the address is stored
    async with runtime.database.session() as session:
        rows = (await session.exec(select(RecoveryAddress).where(RecoveryAddress.case_id == case_id))).all()
    assert len(rows) == 1
    assert "wangwu" not in rows[0].address_hash


async def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    intake: Intake, mail_catcher: MailCatcher
) -> None:
    client, _ = intake
    await _letter(client)

    unknown = await _ask(client, STRANGER)
    known = await _ask(client, EMAIL)

    assert unknown.status_code == known.status_code == 200
    # word for word, but for the address the page echoes
    assert unknown.text.replace(STRANGER, "") == known.text.replace(EMAIL, "")
    await wait_for_mail(mail_catcher, EMAIL)  # the marker: the mail for the known address came
    assert mails_to(mail_catcher, STRANGER) == []
    refused = await _enter(client, STRANGER, "123456")
    assert refused.status_code == 422
    assert "验证码不正确或已失效" in refused.text


async def test_five_wrong_codes_burn_it(intake: Intake, mail_catcher: MailCatcher) -> None:
    client, _ = intake
    old_code, _ = await _letter(client)
    await _ask(client, EMAIL)
    [mail] = await wait_for_mail(mail_catcher, EMAIL)
    right = _code_in(mail)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    for _ in range(5):
        assert (await _enter(client, EMAIL, wrong)).status_code == 422
    burnt = await _enter(client, EMAIL, right)

    assert burnt.status_code == 422
    assert (await client.get(f"/api/v1/cases/{old_code}")).status_code == 200  # nothing was reissued


async def test_a_new_code_replaces_the_one_before(intake: Intake, mail_catcher: MailCatcher) -> None:
    client, _ = intake
    await _letter(client)
    await _ask(client, EMAIL)
    await _ask(client, EMAIL)
    first, second = await wait_for_mail(mail_catcher, EMAIL, 2)

    if _code_in(first) != _code_in(second):
        assert (await _enter(client, EMAIL, _code_in(first))).status_code == 422
    assert (await _enter(client, EMAIL, _code_in(second))).status_code == 201


async def test_asks_are_limited_per_address_and_per_client(intake: Intake, mail_catcher: MailCatcher) -> None:
    client, _ = intake
    await _letter(client)

    for _ in range(3):
        assert (await _ask(client, EMAIL)).status_code == 200
    over = await _ask(client, EMAIL)
    assert over.status_code == 429
    assert int(over.headers["Retry-After"]) > 0
    assert len(await wait_for_mail(mail_catcher, EMAIL, 3)) == 3
    # other addresses, from the same client, until the client's limit (8: 3 + 1 refused + 4 more)
    answers = [(await _ask(client, f"someone{n}@example.com")).status_code for n in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    # a wrong code is refused the same way once the client is over its limit
    assert (await _enter(client, EMAIL, "000000")).status_code == 429


async def test_an_address_that_is_not_an_email_or_a_mobile_is_named_next_to_the_field(intake: Intake) -> None:
    client, _ = intake
    response = await _ask(client, "0531-12345678")
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert "请填写提交时留下的电子邮箱或手机号码" in response.text


async def test_an_erased_case_is_not_found_by_its_address(intake: Intake, mail_catcher: MailCatcher) -> None:
    client, runtime = intake
    _, case_id = await _letter(client)
    async with runtime.database.transaction() as session:
        await erase_addresses(session, str(UUID(case_id)))

    await _ask(client, EMAIL)
    await _letter(client)  # a second letter: its ask is the marker
    await _ask(client, EMAIL)
    [mail] = await wait_for_mail(mail_catcher, EMAIL)
    entered = await _enter(client, EMAIL, _code_in(mail))
    assert entered.status_code == 201
    assert len(NEW_CODE.findall(entered.text)) == 1  # the second letter only


async def test_wrong_codes_for_one_address_wait_a_day_whatever_the_client(
    kafka_bootstrap: str, topics: Topics, database_url: str, mail_catcher: MailCatcher
) -> None:
    """Guesses at one address's codes are counted per address for a day, from any client: after the
    day's few, the address waits (429) — even with a fresh code and a client under its own limit."""
    settings = settings_for(
        IntakeSettings,
        kafka_bootstrap,
        topics,
        database_url,
        smtp=SmtpSettings(host="127.0.0.1", port=mail_catcher.port, sender="noreply@civic.example"),
        recovery_asks_per_address=3,
        recovery_asks_per_client=50,
        recovery_guesses_per_address_day=4,
    )
    async with in_process(create_app, settings) as (client, _):
        await _letter(client)
        await _ask(client, EMAIL)
        [mail] = await wait_for_mail(mail_catcher, EMAIL)
        right = _code_in(mail)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        for _ in range(4):
            assert (await _enter(client, EMAIL, wrong)).status_code == 422
        waiting = await _enter(client, EMAIL, right)
        assert waiting.status_code == 429
        assert int(waiting.headers["Retry-After"]) > 3600
