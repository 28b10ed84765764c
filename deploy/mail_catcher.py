"""A mail server on loopback that delivers nowhere (aiosmtpd): what ``make run`` points intake's
notifications at, and what the tests read them from. Each message it takes is kept in memory, logged
(to whom, the subject) and, given a folder, written there as an ``.eml`` file any mail reader opens."""

from __future__ import annotations

import logging
import socket
import threading
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = ["MailCatcher", "free_port"]

log = logging.getLogger("civic.mail")

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class MailCatcher:
    """``start()`` listens on ``port`` (0: a free one, kept across a ``stop()`` and a new ``start()``)."""

    def __init__(self, *, port: int = 0, folder: Path | None = None) -> None:
        self.port = port or free_port()
        self.folder = folder
        self._caught: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def caught(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._caught)

    def start(self) -> None:
        self._controller = Controller(self, hostname=HOST, port=self.port)
        self._controller.start()
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        """aiosmtpd's hook: one message taken."""
        raw: Any = envelope.original_content or envelope.content
        data = raw if isinstance(raw, bytes) else str(raw).encode()
        letter = message_from_bytes(data, _class=EmailMessage, policy=policy.default)
        assert isinstance(letter, EmailMessage)
        with self._lock:
            self._caught.append(letter)
            number = len(self._caught)
        if self.folder is not None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            path = self.folder / f"{stamp}-{number:04d}.eml"
            path.write_bytes(data)
            log.info("mail caught for %s: %s (%s)", letter["To"], letter["Subject"], path)
        else:
            log.info("mail caught for %s: %s", letter["To"], letter["Subject"])
        return "250 Message accepted for delivery"
