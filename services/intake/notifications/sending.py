"""The sender loop: the notification outbox's due rows, each claimed, handed to its adapter, and its
outcome recorded (the delivery contract: `services.intake.notifications`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, update
from sqlmodel import col, select

from services.intake.config import IntakeSettings
from services.intake.db import Notification
from services.intake.notifications.choice import NotifyBy
from services.intake.notifications.log_sender import LogSender
from services.intake.notifications.messages import Message
from services.intake.notifications.port import NotSent, Outgoing, Sender
from services.intake.notifications.sms_gateway import SmsGatewaySender
from services.intake.notifications.smtp import SmtpSender
from shared.db import Database
from shared.failures import describe_failure
from shared.metrics import ServiceMetrics

__all__ = ["NotificationSender", "senders_from", "watch_notifications"]

log = logging.getLogger(__name__)

BATCH = 20
MAX_BACKOFF = timedelta(hours=1)
WATCHED = ("pending", "sending", "failed", "in_doubt")
"""The states ``civic_notifications`` counts: waiting, caught mid-send by a crash, given up, perhaps sent."""


def senders_from(settings: IntakeSettings) -> dict[NotifyBy, Sender]:
    """The adapter for each way: the configured mail server and SMS gateway, else the log."""
    return {
        NotifyBy.EMAIL: SmtpSender(settings.smtp) if settings.smtp.host else LogSender(),
        NotifyBy.SMS: SmsGatewaySender(settings.sms) if settings.sms.url else LogSender(),
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    state: str
    due_at: datetime | None = None
    failure: str | None = None


class NotificationSender:
    """Sends what is due, one row at a time, each claimed in a transaction of its own first."""

    def __init__(
        self,
        database: Database,
        senders: Mapping[NotifyBy, Sender],
        *,
        office: str,
        portal_url: str,
        attempts: int,
        backoff_seconds: float,
    ) -> None:
        self._db = database
        self._senders = dict(senders)
        self._office, self._portal_url = office, portal_url.rstrip("/")
        self._attempts = attempts
        self._backoff = timedelta(seconds=backoff_seconds)

    async def send_due(self, now: datetime | None = None) -> int:
        """Send the rows due at ``now``; how many were handed over (sent)."""
        now = now or datetime.now(UTC)
        async with self._db.session() as session:
            due = (
                await session.exec(
                    select(Notification.id)
                    .where(
                        Notification.state == "pending",
                        col(Notification.due_at) <= now,
                        col(Notification.address).is_not(None),
                    )
                    .order_by(col(Notification.due_at))
                    .limit(BATCH)
                )
            ).all()
        sent = 0
        for row_id in due:
            assert row_id is not None
            row = await self._claim(row_id)
            if row is not None:
                outcome = await self._send(row)
                await self._record(row_id, outcome)
                sent += outcome.state == "sent"
        return sent

    async def _claim(self, row_id: int) -> Notification | None:
        """Mark the row ``sending`` (one sender wins) and commit, before anything goes out."""
        async with self._db.transaction() as session:
            claimed = await session.exec(
                update(Notification)
                .where(
                    col(Notification.id) == row_id,
                    col(Notification.state) == "pending",
                    col(Notification.address).is_not(None),
                )
                .values(state="sending", attempts=Notification.attempts + 1)
            )
            if claimed.rowcount != 1:
                return None
            row = await session.get(Notification, row_id)
            assert row is not None
            session.expunge(row)
            return row

    def _outgoing(self, row: Notification) -> Outgoing:
        assert row.address is not None, "an erased row is withdrawn, never claimed"
        message = Message(row.subject, tuple(row.text.split("\n")))
        by = NotifyBy(row.notify_by)
        text = (
            message.email_text(office=self._office, portal_url=self._portal_url)
            if by is NotifyBy.EMAIL
            else message.sms_text(office=self._office)
        )
        return Outgoing(by, row.address, f"{message.subject}｜{self._office}", text)

    async def _send(self, row: Notification) -> Outcome:
        try:
            await self._senders[NotifyBy(row.notify_by)].send(self._outgoing(row))
        except NotSent as exc:
            if exc.permanent or row.attempts >= self._attempts:
                log.warning("notification %s failed for good: %s", row.id, exc)
                return Outcome("failed", failure=str(exc))
            wait = min(self._backoff * 2 ** (row.attempts - 1), MAX_BACKOFF)
            log.info("notification %s not sent (%s); again in %s", row.id, exc, wait)
            return Outcome("pending", datetime.now(UTC) + wait, str(exc))
        except Exception as exc:  # it may have gone out: at most once, so never again
            log.error("notification %s may or may not have gone out: %s", row.id, describe_failure(exc))
            return Outcome("in_doubt", failure=type(exc).__name__)
        return Outcome("sent")

    async def _record(self, row_id: int, outcome: Outcome) -> None:
        values: dict[str, object] = {"state": outcome.state, "failure": outcome.failure}
        if outcome.state == "pending":  # unless the case's data was erased meanwhile
            values["state"] = case((col(Notification.address).is_(None), "withdrawn"), else_="pending")
        if outcome.state == "sent":
            values["sent_at"] = datetime.now(UTC)
        if outcome.due_at is not None:
            values["due_at"] = outcome.due_at
        async with self._db.transaction() as session:
            await session.exec(
                update(Notification)
                .where(col(Notification.id) == row_id, col(Notification.state) == "sending")
                .values(**values)
            )

    async def run(self, every_seconds: float) -> None:
        """Send what is due, every ``every_seconds``, while intake runs (`ServiceRuntime.in_background`)."""
        while True:
            try:
                await self.send_due()
            except Exception as exc:  # the database is away: the next pass does it
                log.warning("notifications: pass failed (%s); trying again", describe_failure(exc))
            await asyncio.sleep(every_seconds)


def watch_notifications(metrics: ServiceMetrics, database: Database) -> None:
    """``civic_notifications{state}``: rows waiting, caught mid-send, failed, or perhaps sent."""
    gauge = metrics.gauge(
        "civic_notifications",
        "Notifications to citizens not known to be sent, by state (pending, sending, failed, in_doubt)",
        ["state"],
    )

    async def notifications() -> None:
        async with database.session() as session:
            counts = dict(
                (
                    await session.exec(
                        select(Notification.state, func.count())
                        .where(col(Notification.state).in_(WATCHED))
                        .group_by(col(Notification.state))
                    )
                ).all()
            )
        for state in WATCHED:
            gauge.labels(state=state).set(counts.get(state, 0))

    metrics.on_scrape(notifications)
