"""How a ``civic`` command fails: one line on stderr saying what failed and why, exit status 1 (a
command line click cannot parse: 2). An unreachable broker or database, refused settings or an answer
a service refused are failures of this kind, never a traceback; a traceback is a bug.

    click.ClickException
     └── CommandFailed            what the command could not do, and why
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import IO, Any, TypeVar

import click
from aiokafka.errors import KafkaConnectionError, KafkaError
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from shared.failures import describe_failure, is_infrastructure, sqlstates
from shared.kafka_security import KafkaAccessRefused

__all__ = ["CommandFailed", "database_problem", "kafka_problem", "run", "settings_from"]

T = TypeVar("T")

UNDEFINED_TABLE = "42P01"
REFUSALS = {
    "28P01": "the password was refused",
    "28000": "this role may not connect",
    "3D000": "there is no such database",
}
"""What PostgreSQL's SQLSTATE says of a connection it refused."""


class CommandFailed(click.ClickException):
    """Shown as ``Error: <message>`` on stderr, a line for each line of it (a command over several
    services says each one's failure); exit status 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        for line in self.format_message().splitlines():
            click.echo(f"Error: {line}", file=file, err=True)


def settings_from(settings_type: Callable[[], T]) -> T:
    """The settings as the services read them from the environment, or `CommandFailed` naming what is wrong."""
    try:
        return settings_type()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}".lstrip(": ")
            for error in exc.errors()
        )
        raise CommandFailed(f"the settings are refused: {problems}") from None


def run(work: Coroutine[Any, Any, T], *, kafka: str | None = None, database: str | None = None) -> T:
    """Run ``work`` to its end; a broker or database failure becomes `CommandFailed` saying which."""
    try:
        return asyncio.run(work)
    except KafkaError as exc:
        if kafka is None:
            raise
        raise CommandFailed(kafka_problem(exc, kafka)) from None
    except TimeoutError as exc:  # `deploy.kafka.local.wait_for_broker` gave up, saying on what
        if kafka is None:
            raise
        raise CommandFailed(str(exc)) from None
    except (SQLAlchemyError, OSError) as exc:
        if database is None:
            raise
        raise CommandFailed(database_problem(exc, database)) from None


def kafka_problem(error: KafkaError, bootstrap_servers: str) -> str:
    if isinstance(error, KafkaAccessRefused):
        return f"Kafka at {bootstrap_servers} refused this client: {error}"
    if isinstance(error, KafkaConnectionError):
        return (
            f"Kafka at {bootstrap_servers} is unreachable (KAFKA_BOOTSTRAP_SERVERS says where it is; "
            "`make run` starts one at 127.0.0.1:19092)"
        )
    return f"Kafka at {bootstrap_servers} answered {type(error).__name__}: {error}"


def database_problem(error: BaseException, url: str) -> str:
    """Why the database at ``url`` failed, without its password and without any statement's values: a
    connection's or the schema's state is said as the driver says it, anything else by class and
    SQLSTATE (`shared.failures.describe_failure`)."""
    where = make_url(url).render_as_string(hide_password=True)
    root = _root(error)
    states = sqlstates(error)
    if UNDEFINED_TABLE in states or "no such table" in str(root):
        return f"the database {where} has not been migrated (civic db upgrade makes its tables)"
    refusal = next((REFUSALS[state] for state in sorted(states) if state in REFUSALS), None)
    if refusal is not None:
        return f"the database {where} refused the connection: {refusal}"
    if is_infrastructure(error):
        return f"the database {where} is unreachable: {type(root).__name__}: {root}"
    return f"the database {where} refused: {describe_failure(error)}"


def _root(error: BaseException) -> BaseException:
    """The driver's own error behind SQLAlchemy's wrapping, or the error itself."""
    while True:
        deeper = getattr(error, "orig", None) or error.__cause__
        if not isinstance(deeper, BaseException) or deeper is error:
            return error
        error = deeper
