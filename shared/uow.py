"""The one shape of a use case: ``async def verb(command_or_event, uow) -> list[EventPayload]``.

A use case reads and changes state only through its service's unit of work (repositories named for
what they keep, 台账) and returns the events it decided; it neither opens, commits nor rolls back.
The edge that called it does: a Kafka subscriber (`shared.consumer`) commits the batch with the inbox
rows and the returned events in the outbox, an HTTP route commits its request's transaction and
answers. A service's use cases are tested through a fake unit of work — dictionaries in memory, no
database and no broker — in milliseconds; the same use cases run on the real one in the integration
tests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import Principal
from shared.dates import today
from shared.events import Envelope, EventPayload

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

__all__ = ["Command", "CommandUseCase", "Delivered", "EventUseCase", "consumed", "performed"]

P_co = TypeVar("P_co", bound=EventPayload, covariant=True)
U = TypeVar("U")
B = TypeVar("B")
C = TypeVar("C")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Delivered(Generic[P_co]):
    """An event as a use case receives it: what it says (``payload``) and its envelope — its id, type
    and time, which the use case records as the cause of what it changes."""

    envelope: Envelope
    payload: P_co


EventUseCase = Callable[[Delivered[Any], U], Awaitable[Sequence[EventPayload]]]
"""A reaction to an event, of the one shape."""


def consumed(
    use_case: EventUseCase[U], unit_of_work: Callable[[AsyncSession], Awaitable[U]]
) -> Callable[[AsyncSession, Envelope, Any], Awaitable[Sequence[EventPayload]]]:
    """The consumer's edge of a use case (a `shared.consumer.EventHandler`): the unit of work made on
    the consumer's transaction — which the consumer commits with the inbox and the returned events."""

    async def handle(session: AsyncSession, envelope: Envelope, payload: Any) -> Sequence[EventPayload]:
        return await use_case(Delivered(envelope, payload), await unit_of_work(session))

    handle.__name__ = handle.__qualname__ = getattr(use_case, "__name__", "handle")
    return handle


@dataclass(frozen=True, slots=True)
class Command(Generic[B]):
    """What a person asks of a use case through the HTTP edge: what it is about (a review item, a
    consultation; None for something new), who asks, what they sent, and the day it is asked on (the
    office's day, Asia/Shanghai) — so the use case reads no clock of its own."""

    about: UUID | None
    by: Principal
    body: B
    on: date = field(default_factory=today)


CommandUseCase = Callable[[C, U], Awaitable[Sequence[EventPayload]]]
"""A use case a person asks for, of the one shape."""


async def performed(
    runtime: ServiceRuntime,
    unit_of_work: Callable[[AsyncSession], Awaitable[U]],
    use_case: CommandUseCase[C, U],
    command: C,
    answer: Callable[[U, list[Envelope]], Awaitable[R]],
) -> R:
    """The HTTP edge of a use case: one transaction, the unit of work made on it, the use case decides,
    its events go to the outbox (and into the service's own state: its projector), ``answer`` reads
    what the response shows from the same unit of work, and the transaction commits before the answer
    is given."""
    async with runtime.unit_of_work() as session:
        uow = await unit_of_work(session)
        events = await use_case(command, uow)
        envelopes = await runtime.emit(session, list(events))
        return await answer(uow, envelopes)
