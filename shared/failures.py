"""Whose failure is it: our infrastructure's (the database, the network, the broker) or the request's?

The answer decides what happens next, everywhere:

=====================  =====================================  ===================================
                       infrastructure                         the event or request itself
=====================  =====================================  ===================================
Kafka consumer         not acknowledged: Kafka redelivers,    retried, then dead-lettered to
                       the partition waits (never ``.dlq``)   ``<topic>.dlq``; the consumer moves on
HTTP                   503 with ``Retry-After``: nothing was   the error of ``shared.errors`` (4xx)
                       received, send it again                or, for a bug, 500
=====================  =====================================  ===================================

Infrastructure is decided from the whole chain of causes (SQLAlchemy wraps the driver's error, which
may wrap another), by kind and by PostgreSQL SQLSTATE — not by exception class alone: asyncpg reports
a server shutting down (57P01), a server starting up (57P03) or too many connections (53300) as a plain
``DBAPIError``, and the pool's wait as ``sqlalchemy.exc.TimeoutError``.

- any ``OSError`` (refused, reset, unreachable, timed out), ``ConnectionError``, ``TimeoutError``;
- SQLAlchemy: ``OperationalError`` (SQLite: locked, busy, I/O error, no such table while a migration
  is under way), ``InterfaceError``, ``DisconnectionError``, the pool's ``TimeoutError``, and any
  error SQLAlchemy itself judged a disconnect (``connection_invalidated``);
- asyncpg's own client errors: a connection used after the server ended it can report
  "cannot switch to state …; another operation is in progress" (``InternalClientError``);
- PostgreSQL SQLSTATE classes 08 (connection), 53 (insufficient resources: too many connections, disk
  full, out of memory), 57 (operator intervention: shutdown, crash, starting up, statement or lock
  cancelled), 58 (system I/O), and 40001 / 40P01 (serialization failure, deadlock: try again),
  55P03 (lock not available), 55006 (object in use), 42P01 / 42703 (a table or column the running
  code expects but the schema lacks: a deployment between migrations, not a bad event);
- Kafka errors aiokafka marks retriable, and its connection and timeout errors.

Everything else — a value the rules refuse, a constraint the data breaks, a bug — is the event's or
the request's.
"""

from __future__ import annotations

import traceback

from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from asyncpg.exceptions import InterfaceError as PostgresClientInterfaceError
from asyncpg.exceptions import InternalClientError as PostgresClientStateError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.errors import CivicError

__all__ = [
    "INFRASTRUCTURE_CANDIDATES",
    "INFRASTRUCTURE_SQLSTATES",
    "Awaited",
    "OwnMessage",
    "describe_failure",
    "is_infrastructure",
    "safe_traceback",
    "sqlstates",
]

INFRASTRUCTURE_SQLSTATE_CLASSES = ("08", "53", "57", "58")
INFRASTRUCTURE_SQLSTATES = frozenset({"40001", "40P01", "55P03", "55006", "42P01", "42703"})


class Awaited(Exception):
    """Something another service sends has not arrived yet (a case's key, say): like an outage, the
    event waits and is tried again — never dead-lettered. Its message is the project's own."""


_INFRASTRUCTURE_TYPES: tuple[type[BaseException], ...] = (
    Awaited,
    OSError,
    ConnectionError,
    TimeoutError,
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeout,
    KafkaConnectionError,
    KafkaTimeoutError,
    PostgresClientInterfaceError,
    PostgresClientStateError,
)


INFRASTRUCTURE_CANDIDATES: tuple[type[Exception], ...] = (OSError, SQLAlchemyError, KafkaError)
"""The exception classes an infrastructure failure arrives as (then `is_infrastructure` decides)."""


def _causes(error: BaseException) -> list[BaseException]:
    """The error and everything behind it: ``__cause__``, ``__context__`` and a DBAPI error's ``orig``."""
    seen: list[BaseException] = []
    pending = [error]
    while pending and len(seen) < 20:
        current = pending.pop()
        if any(current is known for known in seen):
            continue
        seen.append(current)
        for nxt in (current.__cause__, current.__context__, getattr(current, "orig", None)):
            if isinstance(nxt, BaseException):
                pending.append(nxt)
    return seen


def sqlstates(error: BaseException) -> set[str]:
    """Every PostgreSQL SQLSTATE found along the chain of causes."""
    found = set()
    for cause in _causes(error):
        for attribute in ("sqlstate", "pgcode"):
            value = getattr(cause, attribute, None)
            if isinstance(value, str) and len(value) == 5:
                found.add(value)
    return found


class FailedAt(Exception):
    """The ``index``-th of several units of work run in one transaction raised ``cause`` (a consumer's
    batch, a group commit): the caller sets that one apart."""

    def __init__(self, index: int, cause: Exception) -> None:
        super().__init__(index, cause)
        self.index = index
        self.cause = cause


def is_awaited(error: BaseException) -> bool:
    """True when the failure is something on its way from another service (`Awaited`)."""
    return any(isinstance(cause, Awaited) for cause in _causes(error))


def is_infrastructure(error: BaseException) -> bool:
    """True when the failure is the database's, the network's or the broker's, not the work's."""
    for cause in _causes(error):
        if isinstance(cause, _INFRASTRUCTURE_TYPES):
            return True
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, KafkaError) and cause.retriable:
            return True
    return any(
        state in INFRASTRUCTURE_SQLSTATES or state[:2] in INFRASTRUCTURE_SQLSTATE_CLASSES
        for state in sqlstates(error)
    )


class OwnMessage(Exception):
    """An exception whose message the project wrote and which carries no personal data: it may be
    logged and put in a dead letter's headers as it is (`describe_failure`)."""


def describe_failure(error: BaseException) -> str:
    """What failed, fit for a log line or a dead letter's headers: the class and, for a database
    error, its SQLSTATE — never the message, which can carry what was being written (PostgreSQL's
    "Failing row contains (…)", a value echoed in "invalid input syntax …"), unless the project wrote
    it (`OwnMessage`, the ``shared.errors`` tree)."""
    if isinstance(error, OwnMessage | CivicError | Awaited):
        return f"{type(error).__name__}: {error}"
    states = sorted(sqlstates(error))
    return type(error).__name__ + (f" (SQLSTATE {', '.join(states)})" if states else "")


def safe_traceback(error: BaseException) -> str:
    """The stack of ``error`` and of its causes, each ending in `describe_failure` instead of its message."""
    lines: list[str] = []
    for cause in reversed(_causes(error)):
        lines += traceback.format_tb(cause.__traceback__)
        lines.append(describe_failure(cause) + "\n")
    return "".join(lines).rstrip()
