"""`shared.failures` on failures that really happened: each exception is captured from a real SQLite
file, a real PostgreSQL server (terminated backends, connection limits, lock and statement timeouts, a
server port with nobody behind it) or a real asyncpg talking to a server that is starting up — never
built by hand. Infrastructure is redelivered and answered 503; the event's own failures are not.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlalchemy.engine import make_url

from deploy.kafka.local import free_port
from shared.db import Database
from shared.failures import is_infrastructure, sqlstates
from tests.support.databases import Databases
from tests.support.fake_postgres import refusing_postgres

METADATA = MetaData()
ITEMS = Table("items", METADATA, Column("id", Integer, primary_key=True), Column("code", String(4)))


async def captured(operation: Callable[[], Awaitable[Any]]) -> BaseException:
    """The exception ``operation`` raises (the test fails if it raises none)."""
    with pytest.raises(Exception) as raised:  # noqa: PT011 — what it raises is what we classify
        await operation()
    return raised.value


@pytest_asyncio.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'f.db'}", [ITEMS], sqlite_busy_seconds=0.2)
    async with database.engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    yield database
    await database.dispose()


@pytest_asyncio.fixture
async def postgres(postgres_databases: Databases) -> AsyncIterator[tuple[str, Database]]:
    url = await postgres_databases.new("failures")
    database = Database(url, [ITEMS])
    async with database.engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    yield url, database
    await database.dispose()


async def _insert(database: Database, row_id: int = 1, code: str = "a") -> None:
    async with database.engine.begin() as conn:
        await conn.execute(ITEMS.insert().values(id=row_id, code=code))


# --- SQLite ------------------------------------------------------------------------------------


async def test_sqlite_database_locked_is_infrastructure(sqlite_db: Database, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "f.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        error = await captured(lambda: _insert(sqlite_db))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "locked" in str(error)
    assert is_infrastructure(error)


async def test_sqlite_unopenable_file_is_infrastructure(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}", [ITEMS])
    try:
        error = await captured(database.ping)
    finally:
        await database.dispose()
    assert "unable to open" in str(error)
    assert is_infrastructure(error)


async def test_sqlite_table_missing_mid_upgrade_is_infrastructure(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", [ITEMS])
    try:
        error = await captured(lambda: _insert(database))
    finally:
        await database.dispose()
    assert "no such table" in str(error)
    assert is_infrastructure(error)


async def test_sqlite_duplicate_key_is_the_events(sqlite_db: Database) -> None:
    await _insert(sqlite_db)
    error = await captured(lambda: _insert(sqlite_db))
    assert "UNIQUE" in str(error)
    assert not is_infrastructure(error)


# --- PostgreSQL -----------------------------------------------------------------------------------


async def test_a_terminated_backend_is_infrastructure(postgres: tuple[str, Database]) -> None:
    url, database = postgres
    admin = Database(url, [ITEMS])
    try:
        async with database.engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            async with admin.engine.connect() as other:
                await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            error = await captured(lambda: conn.execute(text("SELECT 1")))
    finally:
        await admin.dispose()
    # asyncpg reports it as 57P01 (terminating connection due to administrator command) or, when it
    # noticed the closed socket first, as "connection is closed" or a client state error ("cannot
    # switch to state …"): all of them the server's doing.
    assert (
        sqlstates(error) & {"57P01", "08003"}
        or "connection is closed" in str(error)
        or "cannot switch to state" in str(error)
    ), repr(error)
    assert is_infrastructure(error)


async def test_too_many_connections_is_infrastructure(postgres: tuple[str, Database]) -> None:
    url, database = postgres
    name = make_url(url).database
    async with database.engine.connect() as conn:
        await conn.execute(text(f'ALTER DATABASE "{name}" CONNECTION LIMIT 0'))
        await conn.commit()
    crowded = Database(url, [ITEMS])
    try:
        error = await captured(crowded.ping)
    finally:
        await crowded.dispose()
        async with database.engine.connect() as conn:
            await conn.execute(text(f'ALTER DATABASE "{name}" CONNECTION LIMIT -1'))
            await conn.commit()
    assert "53300" in sqlstates(error), sqlstates(error)
    assert is_infrastructure(error)


async def test_a_pool_timeout_is_infrastructure(postgres: tuple[str, Database]) -> None:
    url, _ = postgres
    small = Database(url, [ITEMS], pool_size=1, max_overflow=0, pool_timeout=0.2)
    try:
        async with small.engine.connect() as held:
            await held.execute(text("SELECT 1"))
            error = await captured(small.ping)
    finally:
        await small.dispose()
    assert type(error).__name__ == "TimeoutError"
    assert is_infrastructure(error)


async def test_a_lock_timeout_is_infrastructure(postgres: tuple[str, Database]) -> None:
    _, database = postgres
    await _insert(database)
    async with database.engine.connect() as holder, database.engine.connect() as waiter:
        await holder.execute(text("SELECT * FROM items WHERE id = 1 FOR UPDATE"))
        await waiter.execute(text("SET lock_timeout = '100ms'"))
        error = await captured(lambda: waiter.execute(text("UPDATE items SET code = 'b' WHERE id = 1")))
        await holder.rollback()
    assert "55P03" in sqlstates(error)
    assert is_infrastructure(error)


async def test_a_statement_timeout_is_infrastructure(postgres: tuple[str, Database]) -> None:
    _, database = postgres
    async with database.engine.connect() as conn:
        await conn.execute(text("SET statement_timeout = 50"))
        error = await captured(lambda: conn.execute(text("SELECT pg_sleep(2)")))
    assert "57014" in sqlstates(error)
    assert is_infrastructure(error)


@pytest.mark.parametrize(
    "message", ["the database system is starting up", "the database system is shutting down"]
)
async def test_a_server_starting_up_or_shutting_down_is_infrastructure(message: str) -> None:
    async with refusing_postgres("57P03", message) as port:
        database = Database(f"postgresql+asyncpg://civic:civic@127.0.0.1:{port}/civic", [ITEMS])
        try:
            error = await captured(database.ping)
        finally:
            await database.dispose()
    assert message in str(error)
    assert "57P03" in sqlstates(error)
    assert is_infrastructure(error)


async def test_a_server_that_is_not_there_is_infrastructure() -> None:
    database = Database(f"postgresql+asyncpg://civic:civic@127.0.0.1:{free_port()}/civic", [ITEMS])
    try:
        error = await captured(database.ping)
    finally:
        await database.dispose()
    assert isinstance(error, OSError)
    assert is_infrastructure(error)


async def test_the_events_own_failures_are_not_infrastructure(postgres: tuple[str, Database]) -> None:
    _, database = postgres
    await _insert(database)
    duplicate = await captured(lambda: _insert(database))
    too_long = await captured(lambda: _insert(database, 2, "far too long"))
    async with database.engine.connect() as conn:
        division = await captured(lambda: conn.execute(text("SELECT 1 / 0")))
    assert [sorted(sqlstates(e)) for e in (duplicate, too_long, division)] == [
        ["23505"],
        ["22001"],
        ["22012"],
    ]
    assert not any(is_infrastructure(e) for e in (duplicate, too_long, division))


async def test_an_event_failure_raised_with_no_database_in_its_causes_is_the_events() -> None:
    async def bad() -> None:
        raise LookupError("rule names an unknown department")

    assert not is_infrastructure(await captured(bad))


async def test_a_cancelled_connect_is_infrastructure() -> None:
    """A database that accepts the connection but never answers: the connect times out."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    database = Database(
        f"postgresql+asyncpg://civic:civic@127.0.0.1:{port}/civic", [ITEMS], connect_args={"timeout": 0.3}
    )
    try:
        error = await captured(database.ping)
    finally:
        await database.dispose()
        server.close()
    assert is_infrastructure(error)
