"""The adapter when no mail server or SMS gateway is configured: the message goes to the log only
(its kind and length — the address and text are the citizen's, and the log is not theirs)."""

from __future__ import annotations

import logging

from services.intake.notifications.port import Outgoing

__all__ = ["LogSender"]

log = logging.getLogger(__name__)


class LogSender:
    async def send(self, message: Outgoing) -> None:
        log.info(
            "notification by %s not sent (no %s configured): %s, %d characters",
            message.by.value,
            "mail server" if message.by == "email" else "SMS gateway",
            message.subject,
            len(message.text),
        )
