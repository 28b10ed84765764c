"""``civic outbox status``: what waits in each service's outbox (发件箱) for the relay to send."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from deploy.cli.failures import CommandFailed, run
from deploy.cli.services import ServiceNames, no_database, services
from shared.db import Database, missing_sqlite_file
from shared.outbox import Backlog, OutboxMessage, backlog

__all__ = ["outbox"]


@click.group()
def outbox() -> None:
    """The services' outboxes: events stored with their change, waiting to be sent to Kafka."""


@outbox.command()
@click.argument("names", metavar="[SERVICE]...", nargs=-1, type=ServiceNames)
def status(names: tuple[str, ...]) -> None:
    """For each service (all four by default), how many outbox rows are not sent yet and how old the
    oldest of them is. Reads each database, changes nothing.

    A backlog that keeps growing means the service's relay cannot reach Kafka, or the service is down."""
    now = datetime.now(UTC)
    failures = []
    for service in services(names):
        url = service.settings.resolved_database_url
        missing = missing_sqlite_file(url)
        if missing is not None:
            failures.append(f"{service.name}: {no_database(service, missing)}")
            continue
        try:
            found = run(_backlog(url), database=url)
        except CommandFailed as failure:
            failures.append(f"{service.name}: {failure.message}")
            continue
        click.echo(f"{service.name:<11} {describe(found, now)}")
    if failures:
        raise CommandFailed("\n".join(failures))


async def _backlog(url: str) -> Backlog:
    database = Database(url, [OutboxMessage])
    try:
        return await backlog(database)
    finally:
        await database.dispose()


def describe(found: Backlog, now: datetime) -> str:
    """``3 unsent, the oldest 2 min 5 s old (written 2026-12-01 10:00:00 UTC)``, or ``0 unsent``."""
    if found.oldest is None:
        return f"{found.unsent} unsent"
    return (
        f"{found.unsent} unsent, the oldest {_age(found.oldest_age_seconds(now))} old "
        f"(written {found.oldest.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC)"
    )


def _age(seconds: float) -> str:
    whole = int(seconds)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    shown = [f"{value} {unit}" for value, unit in parts if value][:2]
    return " ".join(shown) or "0 s"
