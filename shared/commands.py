"""What ``python -m services.<name>`` does: serve, or one of the service's operator commands.

python -m services.<name>                    serve on <NAME>_HOST:<NAME>_PORT
python -m services.<name> db upgrade         migrate the service's database to the newest revision
python -m services.<name> db current         the revision the database is at, and the newest
python -m services.<name> db revision -m M   (developers) write a revision for changed table models
python -m services.<name> replay             rebuild the service's state from the event log

The operator's ``civic db upgrade | current`` and ``civic replay SERVICE`` (`deploy.cli`) run the same
functions for any of the four services; ``db revision`` is a developer's command, here only.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

from fastapi import FastAPI

from shared.db import Database, missing_sqlite_file
from shared.logs import configure_logging
from shared.migrations import ServiceSchema, current_revision, head_revision, upgrade, write_revision
from shared.replay import ReplayPlan, ReplayRefused, replay
from shared.serve import serve
from shared.settings import ServiceSettings

__all__ = ["database_revision", "run", "upgrade_database"]

S = TypeVar("S", bound=ServiceSettings)


async def upgrade_database(settings: ServiceSettings, schema: ServiceSchema) -> str:
    """Migrate the service's database to the newest revision (made when missing); a line saying so."""
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url, schema.tables)
    try:
        before, after = await upgrade(database, schema)
    finally:
        await database.dispose()
    return f"{schema.service} database: {before or 'none'} → {after}"


async def database_revision(settings: ServiceSettings, schema: ServiceSchema) -> str:
    """A line saying the revision the service's database is at, and the newest; changes nothing."""
    missing = missing_sqlite_file(settings.resolved_database_url)
    if missing is not None:
        return f"{schema.service} database: none yet at {missing}; newest {head_revision(schema)}"
    database = Database(settings.resolved_database_url, schema.tables)
    try:
        current = await current_revision(database)
    finally:
        await database.dispose()
    return f"{schema.service} database at {current or 'no revision'}; newest {head_revision(schema)}"


REPLAY_HELP = """Rebuild the service's state from the event log, from offset 0, into fresh tables swapped
in at the end (a failure leaves the old state untouched). Stop every instance of the service first;
what it had not processed yet is left for it to process when it starts. Publishes nothing."""


def run(
    argv: Sequence[str],
    *,
    settings_type: type[S],
    create_app: Callable[[S], FastAPI],
    schema: ServiceSchema,
    replay_plan: Callable[[S], ReplayPlan] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m services.{schema.service}", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    db = commands.add_parser("db", help="the service's database schema").add_subparsers(
        dest="db", required=True
    )
    db.add_parser("upgrade", help="migrate to the newest revision")
    db.add_parser("current", help="the revision the database is at")
    revision = db.add_parser("revision", help="write a revision for changed table models")
    revision.add_argument("-m", "--message", required=True)
    if replay_plan is not None:
        commands.add_parser(
            "replay",
            help="rebuild the state from the event log (stop every instance first)",
            description=REPLAY_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    args = parser.parse_args(argv)
    if args.command is None:
        configure_logging(schema.service)  # before the settings, whose checks may warn
    settings = settings_type()
    if args.command is None:
        serve(create_app(settings), settings)
    elif args.command == "replay":
        assert replay_plan is not None
        try:
            asyncio.run(replay(replay_plan(settings), settings))
        except ReplayRefused as refusal:
            print(f"replay refused: {refusal}", file=sys.stderr)
            sys.exit(2)
    elif args.db == "upgrade":
        print(asyncio.run(upgrade_database(settings, schema)))
    elif args.db == "current":
        print(asyncio.run(database_revision(settings, schema)))
    else:
        print(f"wrote {asyncio.run(write_revision(schema, args.message))}")
