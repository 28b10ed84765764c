"""The migration histories: the baseline is release 0.1's schema exactly, the newest revision is what
the models say, and a database of release 0.1 with real rows upgrades without losing any.
"""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from shared.db import Database
from shared.migrations import BASELINE, ServiceSchema, current_revision, head_revision, upgrade
from tests.support.databases import Databases
from tests.support.legacy import SERVICES, describe_schema, load_legacy

ROOT = Path(__file__).resolve().parents[2]


def schema_of(service: str) -> ServiceSchema:
    schema: ServiceSchema = importlib.import_module(f"services.{service}.db").SCHEMA
    return schema


async def _describe(database: Database) -> dict[str, object]:
    async with database.engine.connect() as conn:
        return await conn.run_sync(describe_schema)


@pytest.mark.parametrize("service", SERVICES)
async def test_the_baseline_is_release_0_1s_schema_exactly(service: str, databases: Databases) -> None:
    schema = schema_of(service)
    legacy_url, baseline_url = await databases.new("legacy"), await databases.new("baseline")
    await load_legacy(service, legacy_url)
    legacy, baseline = Database(legacy_url, schema.tables), Database(baseline_url, schema.tables)

    def to_baseline(connection: Connection) -> None:
        config = schema.config()
        config.attributes["connection"] = connection
        command.upgrade(config, BASELINE)

    try:
        async with baseline.engine.begin() as conn:
            await conn.run_sync(to_baseline)
        assert await _describe(baseline) == await _describe(legacy)
    finally:
        await baseline.dispose()
        await legacy.dispose()


@pytest.mark.parametrize("service", SERVICES)
async def test_the_newest_revision_is_what_the_models_say(service: str, database_url: str) -> None:
    schema = schema_of(service)
    database = Database(database_url, schema.tables)
    try:
        assert await upgrade(database, schema) == (None, head_revision(schema))

        def differences(connection: Connection) -> list[object]:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": _ours(schema)}
            )
            return list(compare_metadata(context, schema.metadata))

        async with database.engine.connect() as conn:
            assert await conn.run_sync(differences) == []
        assert await upgrade(database, schema) == (head_revision(schema), head_revision(schema))
    finally:
        await database.dispose()


def _ours(schema: ServiceSchema) -> object:
    names = set(schema.metadata.tables)
    return lambda name, type_, _parent: type_ != "table" or name in names


@pytest.mark.parametrize("service", SERVICES)
async def test_a_release_0_1_database_is_stamped_then_upgraded(service: str, database_url: str) -> None:
    schema = schema_of(service)
    await load_legacy(service, database_url)
    database = Database(database_url, schema.tables)
    try:
        assert await current_revision(database) is None
        assert await upgrade(database, schema) == (BASELINE, head_revision(schema))
        assert await current_revision(database) == head_revision(schema)
    finally:
        await database.dispose()


async def test_two_instances_starting_together_migrate_once(database_url: str) -> None:
    schema = schema_of("tracking")
    first, second = Database(database_url, schema.tables), Database(database_url, schema.tables)
    try:
        results = await asyncio.gather(upgrade(first, schema), upgrade(second, schema))
        assert sorted(results, key=str) == sorted(
            [(None, head_revision(schema)), (head_revision(schema), head_revision(schema))], key=str
        )
    finally:
        await first.dispose()
        await second.dispose()


def test_the_upgrade_command_migrates_a_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'routing.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "services.routing", "db", "upgrade"],
        env={"ROUTING_DATABASE_URL": url, "PATH": "/usr/bin:/bin", "CIVIC_ENV": "test"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    head = head_revision(schema_of("routing"))
    assert f"routing database: none → {head}" in result.stdout
