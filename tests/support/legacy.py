"""Release 0.1's databases (``tests/migrations/legacy``): load one into a fresh database, describe a schema."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import make_url

LEGACY = Path(__file__).resolve().parent.parent / "migrations" / "legacy"
SERVICES = ("intake", "routing", "tracking", "publishing")


def backend_of(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


def manifest(database_url: str) -> dict[str, Any]:
    """The ids and tracking codes of the rows the legacy databases hold."""
    manifests: dict[str, dict[str, Any]] = json.loads((LEGACY / "manifest.json").read_text())
    return manifests[backend_of(database_url)]


async def load_legacy(service: str, database_url: str) -> None:
    """Fill an empty database with what release 0.1 left in ``service``'s database: schema and rows."""
    backend = backend_of(database_url)
    script = (LEGACY / backend / f"{service}.sql").read_text()
    if backend == "sqlite":
        path = make_url(database_url).database
        assert path
        with sqlite3.connect(path) as db:
            db.executescript(script)
        return
    # pg_dump's psql meta-commands (\restrict ...) are for psql, not for the server.
    statements = "\n".join(line for line in script.splitlines() if not line.startswith("\\"))
    url = make_url(database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await connection.execute(statements)
    finally:
        await connection.close()


def describe_schema(connection: Connection) -> dict[str, Any]:
    """Every table with its columns (type, nullability), keys, foreign keys, indexes and unique constraints."""
    inspector = inspect(connection)
    tables: dict[str, Any] = {}
    for name in sorted(inspector.get_table_names()):
        if name == "alembic_version":
            continue
        tables[name] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)],
            "primary_key": inspector.get_pk_constraint(name)["constrained_columns"],
            "foreign_keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                for fk in inspector.get_foreign_keys(name)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(name)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)),
        }
    return tables
