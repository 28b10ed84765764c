"""What the citizens' notifications are sent to in the tests: a real SMTP server on loopback
(aiosmtpd, `deploy.mail_catcher`) and a stand-in for the office's HTTP SMS gateway."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from deploy.mail_catcher import MailCatcher
from tests.support.polling import eventually

__all__ = ["SmsGateway", "Texted", "mail_catcher", "sms_gateway"]

SMS_TOKEN = "test-gateway-token"


@dataclass(frozen=True, slots=True)
class Texted:
    """One SMS the gateway took: the JSON body and the Authorization header it came with."""

    body: dict[str, Any]
    authorization: str | None


class SmsGateway:
    """An HTTP server on loopback taking ``POST /sms``; ``refuse_next`` answers 503 that many times."""

    def __init__(self) -> None:
        self.texted: list[Texted] = []
        self.refuse_next = 0
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with gateway._lock:
                    refused = gateway.refuse_next > 0
                    if refused:
                        gateway.refuse_next -= 1
                    else:
                        gateway.texted.append(Texted(body, self.headers.get("Authorization")))
                self.send_response(503 if refused else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/sms"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def sent_to(self, number: str) -> list[Texted]:
        with self._lock:
            return [t for t in self.texted if t.body.get("to") == number]

    async def wait_for(self, number: str, count: int = 1) -> list[Texted]:
        async def arrived() -> list[Texted] | None:
            found = self.sent_to(number)
            return found if len(found) >= count else None

        return await eventually(arrived, f"{count} SMS to {number}")


def mails_to(catcher: MailCatcher, address: str) -> list[EmailMessage]:
    return [m for m in catcher.caught if m["To"] == address]


async def wait_for_mail(catcher: MailCatcher, address: str, count: int = 1) -> list[EmailMessage]:
    async def arrived() -> list[EmailMessage] | None:
        found = mails_to(catcher, address)
        return found if len(found) >= count else None

    return await eventually(arrived, f"{count} mail to {address}")


@pytest.fixture
def mail_catcher() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture
def sms_gateway() -> Iterator[SmsGateway]:
    gateway = SmsGateway()
    gateway.start()
    yield gateway
    gateway.stop()
