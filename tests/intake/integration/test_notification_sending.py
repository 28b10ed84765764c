"""The sender loop and its adapters on each database: at most once per row, retried only when the
adapter knows nothing went out; the SMTP adapter against a real server that refuses, the SMS adapter
against answers of every kind (httpx's ``MockTransport``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from deploy.mail_catcher import free_port
from services.intake.config import SmsGatewaySettings, SmtpSettings
from services.intake.db import Notification
from services.intake.notifications.choice import NotifyBy
from services.intake.notifications.port import NotSent, Outgoing
from services.intake.notifications.sending import NotificationSender
from services.intake.notifications.sms_gateway import SmsGatewaySender
from services.intake.notifications.smtp import SmtpSender
from shared.db import Database

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


class ScriptedSender:
    """Raises what it is told to, in turn; then takes every message."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.taken: list[Outgoing] = []
        self.calls = 0

    async def send(self, message: Outgoing) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.taken.append(message)


@pytest_asyncio.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, [Notification])
    await db.create_schema()
    yield db
    await db.dispose()


async def _pending(database: Database, by: NotifyBy = NotifyBy.EMAIL) -> int:
    row = Notification(
        event_id="e1",
        event_type="case.assigned",
        case_id="c1",
        notify_by=by.value,
        address="zsf@example.com" if by is NotifyBy.EMAIL else "13912345678",
        subject="已转办",
        text="您于2026年12月2日的来信已转至工程建设科办理。",
        due_at=NOW,
        created_at=NOW,
    )
    async with database.transaction() as session:
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


async def _row(database: Database, row_id: int) -> Notification:
    async with database.session() as session:
        row = await session.get(Notification, row_id)
        assert row is not None
        return row


def _sender(database: Database, adapter: ScriptedSender, attempts: int = 3) -> NotificationSender:
    return NotificationSender(
        database,
        {NotifyBy.EMAIL: adapter, NotifyBy.SMS: adapter},
        office="市人防办",
        portal_url="http://portal.example/",
        attempts=attempts,
        backoff_seconds=60,
    )


async def test_nothing_sent_is_retried_after_its_backoff_then_sent_once(database: Database) -> None:
    row_id = await _pending(database)
    adapter = ScriptedSender(NotSent("refused at connect"))
    sender = _sender(database, adapter)

    assert await sender.send_due(NOW) == 0
    row = await _row(database, row_id)
    assert (row.state, row.attempts, row.failure) == ("pending", 1, "refused at connect")
    assert row.due_at > datetime.now(UTC) + timedelta(seconds=50)  # the backoff: 60 s
    assert await sender.send_due(datetime.now(UTC)) == 0  # not due yet
    assert adapter.calls == 1

    assert await sender.send_due(row.due_at) == 1
    assert await sender.send_due(row.due_at + timedelta(days=1)) == 0
    (taken,) = adapter.taken
    assert (taken.by, taken.address, taken.subject) == (NotifyBy.EMAIL, "zsf@example.com", "已转办｜市人防办")
    assert "http://portal.example/track" in taken.text
    row = await _row(database, row_id)
    assert (row.state, row.attempts) == ("sent", 2)
    assert row.sent_at is not None


async def test_a_permanent_refusal_or_spent_attempts_fail_the_row(database: Database) -> None:
    permanent = await _pending(database)
    await _sender(database, ScriptedSender(NotSent("550 no such user", permanent=True))).send_due(NOW)
    assert (await _row(database, permanent)).state == "failed"

    async with database.transaction() as session:
        row = await session.get(Notification, permanent)
        assert row is not None
        row.event_id, row.state, row.attempts = "e2", "pending", 0
    adapter = ScriptedSender(NotSent("down"), NotSent("down"))
    sender = _sender(database, adapter, attempts=2)
    await sender.send_due(NOW)
    await sender.send_due(datetime.now(UTC) + timedelta(hours=2))
    row = await _row(database, permanent)
    assert (row.state, row.attempts, adapter.calls) == ("failed", 2, 2)


async def test_a_message_that_may_have_gone_out_is_never_sent_again(database: Database) -> None:
    row_id = await _pending(database, NotifyBy.SMS)
    adapter = ScriptedSender(TimeoutError())
    sender = _sender(database, adapter)
    await sender.send_due(NOW)
    await sender.send_due(NOW + timedelta(days=1))
    row = await _row(database, row_id)
    assert (row.state, row.failure, adapter.calls) == ("in_doubt", "TimeoutError", 1)


async def test_a_row_claimed_by_a_crashed_sender_is_not_sent_again(database: Database) -> None:
    row_id = await _pending(database)
    async with database.transaction() as session:
        row = await session.get(Notification, row_id)
        assert row is not None
        row.state, row.attempts = "sending", 1  # claimed, then the process died
    adapter = ScriptedSender()
    await _sender(database, adapter).send_due(NOW + timedelta(days=1))
    assert adapter.calls == 0


# --- the adapters -----------------------------------------------------------------------------


class Refusing:
    """An SMTP server refusing one recipient for good (550) and another for now (451)."""

    async def handle_RCPT(
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, _options: list[str]
    ) -> str:
        if address.startswith("gone@"):
            return "550 5.1.1 no such user"
        if address.startswith("busy@"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing_server() -> Iterator[int]:
    port = free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def _mail(address: str) -> Outgoing:
    return Outgoing(NotifyBy.EMAIL, address, "已转办", "您好")


async def test_the_smtp_adapter_tells_a_refusal_for_good_from_one_for_now(refusing_server: int) -> None:
    smtp = SmtpSender(SmtpSettings(host="127.0.0.1", port=refusing_server, timeout_seconds=5))
    with pytest.raises(NotSent) as gone:
        await smtp.send(_mail("gone@example.com"))
    assert gone.value.permanent
    with pytest.raises(NotSent) as busy:
        await smtp.send(_mail("busy@example.com"))
    assert not busy.value.permanent
    # a login the server refuses (535) is the office's setup, not the message: retried
    wrong_login = SmtpSender(
        SmtpSettings(
            host="127.0.0.1", port=refusing_server, user="civic", password="wrong", timeout_seconds=5
        )
    )
    with pytest.raises(NotSent) as refused_login:
        await wrong_login.send(_mail("zsf@example.com"))
    assert not refused_login.value.permanent
    nowhere = SmtpSender(SmtpSettings(host="127.0.0.1", port=free_port(), timeout_seconds=5))
    with pytest.raises(NotSent) as down:
        await nowhere.send(_mail("zsf@example.com"))
    assert not down.value.permanent


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (httpx.Response(200), None),
        (httpx.Response(503), "retry"),
        (httpx.Response(429), "retry"),
        (httpx.Response(401), "retry"),  # the office's token: mended, the queue goes out
        (httpx.Response(400), "permanent"),
        (httpx.ConnectError("refused"), "retry"),
        (httpx.ReadTimeout("no answer"), "in doubt"),
    ],
)
async def test_the_sms_adapter_sorts_the_gateways_answers(
    answer: httpx.Response | Exception, outcome: str | None
) -> None:
    seen: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    sms = SmsGatewaySender(
        SmsGatewaySettings(url="http://127.0.0.1:9/sms", token="t0ken"),
        transport=httpx.MockTransport(gateway),
    )
    message = Outgoing(NotifyBy.SMS, "13912345678", "已转办", "【市人防办】已转办")
    if outcome is None:
        await sms.send(message)
    elif outcome == "in doubt":
        with pytest.raises(httpx.ReadTimeout):
            await sms.send(message)
    else:
        with pytest.raises(NotSent) as refused:
            await sms.send(message)
        assert refused.value.permanent is (outcome == "permanent")
    (request,) = seen
    assert request.headers["Authorization"] == "Bearer t0ken"
    assert json.loads(request.read()) == {"to": "13912345678", "text": "【市人防办】已转办"}
