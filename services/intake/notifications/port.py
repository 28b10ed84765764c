"""The port every way of telling goes through (`Sender`), and how an adapter says it sent nothing.

Exception
 └── NotSent           nothing went out: retried with backoff (``permanent``: never)
any other exception    it may have gone out: never sent again (at most once)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.intake.notifications.choice import NotifyBy

__all__ = ["NotSent", "Outgoing", "Sender"]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to one address, by one way."""

    by: NotifyBy
    address: str
    subject: str
    text: str


class NotSent(Exception):
    """The adapter knows nothing went out (refused at connect, an answer refusing the message).
    ``permanent``: trying again cannot help (an address the server refuses)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Sender(Protocol):
    async def send(self, message: Outgoing) -> None:
        """Hand the message over; return once the other end has taken it. Raises `NotSent` when it
        certainly did not."""
        ...
