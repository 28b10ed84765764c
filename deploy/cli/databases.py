"""``civic db upgrade | current``: the services' database schemas (`shared.migrations`)."""

from __future__ import annotations

import click

from deploy.cli.failures import CommandFailed, run
from deploy.cli.services import ServiceNames, services
from shared.commands import database_revision, upgrade_database

__all__ = ["db"]


@click.group()
def db() -> None:
    """The services' databases: one Alembic history per service.

    Each service also migrates its database when it starts; these commands do it without starting."""


@db.command()
@click.argument("names", metavar="[SERVICE]...", nargs=-1, type=ServiceNames)
def upgrade(names: tuple[str, ...]) -> None:
    """Migrate each service's database (all four by default) to the newest revision; a SQLite file
    that does not exist yet is made. A database of release 0.1 is recognised and upgraded in place."""
    failures = []
    for chosen in services(names):
        url = chosen.settings.resolved_database_url
        try:
            click.echo(run(upgrade_database(chosen.settings, chosen.schema), database=url))
        except CommandFailed as failure:
            failures.append(f"{chosen.name}: {failure.message}")
    if failures:
        raise CommandFailed("\n".join(failures))


@db.command()
@click.argument("names", metavar="[SERVICE]...", nargs=-1, type=ServiceNames)
def current(names: tuple[str, ...]) -> None:
    """The revision each service's database (all four by default) is at, and the newest. Changes nothing."""
    failures = []
    for chosen in services(names):
        url = chosen.settings.resolved_database_url
        try:
            click.echo(run(database_revision(chosen.settings, chosen.schema), database=url))
        except CommandFailed as failure:
            failures.append(f"{chosen.name}: {failure.message}")
    if failures:
        raise CommandFailed("\n".join(failures))
