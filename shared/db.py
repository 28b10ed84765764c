"""Database factory: async SQLModel on SQLite (default) or PostgreSQL (from a URL).

Each service owns its tables and lists them when it creates the schema; the outbox and inbox
tables from ``shared.outbox`` / ``shared.consumer`` go into every service's database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, DateTime, Table, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.failures import describe_failure

__all__ = [
    "AFTER_COMMIT",
    "BEFORE_COMMIT",
    "Database",
    "UTCDateTime",
    "checkpoint_after_commit",
    "insert_ignoring_duplicates",
    "insert_new",
    "missing_sqlite_file",
    "per_transaction",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

# aiosqlite logs every statement with its values at DEBUG: citizens' letters, names and numbers.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

AFTER_COMMIT = "civic_after_commit"
"""``session.info`` key: async callables given the :class:`Database`, run once the transaction committed
(best effort: a failure is logged, the commit stands)."""
PER_TRANSACTION = "civic_per_transaction"
"""``session.info`` key: what `per_transaction` loaded in this session's transaction."""
BEFORE_COMMIT = "civic_before_commit"
"""``session.info`` key: async callables run, in order, just before :meth:`Database.transaction` commits
(the outbox writes its rows there, so their ids follow commit order)."""


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Database:
    """One engine and its sessions. Nothing connects until :meth:`create_schema` or first use."""

    def __init__(
        self,
        url: str,
        tables: Sequence[type[SQLModel] | Table],
        *,
        sqlite_busy_seconds: float = 30.0,
        session_info: dict[str, Any] | None = None,
        **engine_options: Any,
    ) -> None:
        """``session_info`` goes into every session's ``info`` (the outbox's sealer, `shared.outbox`)."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        connect_args: dict[str, Any] = engine_options.pop("connect_args", {})
        if self.is_sqlite:
            connect_args.setdefault("timeout", sqlite_busy_seconds)
        # hide_parameters: an error's text (logged, or in a dead letter's headers) never carries the
        # values of the statement — they are citizens' letters, names and numbers.
        # pre_ping: a PostgreSQL connection can die with its server; a SQLite file's cannot, and a
        # ping would cost a statement (a thread hop) at every checkout.
        options = {"pool_pre_ping": not self.is_sqlite, "hide_parameters": True, **engine_options}
        in_memory = ":memory:" in url or url.rstrip("/").endswith(":")
        if self.is_sqlite and not in_memory:  # readers at once under load: kept open, not reopened
            options.setdefault("pool_size", 10)
            options.setdefault("max_overflow", 20)
        self.engine: AsyncEngine = create_async_engine(url, connect_args=connect_args, **options)
        self._writer = self.engine
        self._one_writer: asyncio.Lock | None = None
        if self.is_sqlite:
            # SQLite lets one writer at a time, and one that finds the lock taken polls for it with
            # growing sleeps (up to 100 ms each): the units of work of this process queue here instead,
            # and each takes the file's lock at once (other processes still meet the busy timeout).
            self._one_writer = asyncio.Lock()
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            # A unit of work reads, decides, then writes: on SQLite it takes the write lock before its
            # first read (BEGIN IMMEDIATE), so two of them never decide on the same stale read — the
            # second waits for the first to commit and reads what it wrote. (PostgreSQL's use cases
            # lock what they read with SELECT … FOR UPDATE.) Plain sessions keep reading freely.
            self._writer = create_async_engine(url, connect_args=connect_args, **options)
            event.listen(self._writer.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self._writer.sync_engine, "connect", _sqlite_manual_transactions)
            event.listen(self._writer.sync_engine, "begin", _sqlite_begin_immediate)
        self._tables: list[Table] = [t if isinstance(t, Table) else t.__table__ for t in tables]  # type: ignore[attr-defined]
        info = dict(session_info or {})
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False, info=info
        )
        self._units = async_sessionmaker(self._writer, class_=AsyncSession, expire_on_commit=False, info=info)

    async def create_schema(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=self._tables))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on exit, rolled back on error."""
        async with self._units() as session:
            async with self._one_writer or contextlib.nullcontext(), session.begin():
                yield session
                for hook in session.info.pop(BEFORE_COMMIT, []):
                    await hook(session)
            for after in session.info.pop(AFTER_COMMIT, []):
                try:
                    await after(self)
                except Exception as exc:
                    log.warning("after a commit: %s failed (%s)", after.__name__, describe_failure(exc))

    async def checkpoint(self) -> None:
        """SQLite: move the write-ahead log into the database and cut it to nothing, so the old page
        images it kept (an erased person's data among them) are gone. PostgreSQL's autovacuum does the
        same for old row versions in its own time."""
        if self.is_sqlite:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reading (or committing by hand: nothing registered to run before a commit)."""
        async with self._sessions() as session:
            yield session
            if session.info.get(BEFORE_COMMIT):
                raise RuntimeError("events were added outside Database.transaction(): they would be lost")

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._writer is not self.engine:
            await self._writer.dispose()


def _sqlite_manual_transactions(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None  # the driver begins nothing itself: _sqlite_begin_immediate does


def _sqlite_begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # An erased value must not linger in the file's free space (the write-ahead log: `checkpoint`).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


async def per_transaction(session: AsyncSession, key: str, load: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``load(session)`` once per transaction, kept in the session for the rest of it: reference data
    (rules, departments) read once for a consumer's whole batch, and always as the transaction sees it.
    What is kept must not be ORM rows (a batch clears the session between events): plain values."""
    cache: dict[str, Any] = session.info.setdefault(PER_TRANSACTION, {})
    if key not in cache:
        cache[key] = await load(session)
    value: T = cache[key]
    return value


def checkpoint_after_commit(session: AsyncSession) -> None:
    """Once the session's transaction commits, no old page image keeps what it erased
    (`Database.checkpoint`)."""
    hooks = session.info.setdefault(AFTER_COMMIT, [])
    if Database.checkpoint not in hooks:
        hooks.append(Database.checkpoint)


async def insert_new(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], key: str
) -> set[Any]:
    """Insert every row whose key is not there yet, in one statement; the keys of the rows inserted
    (both dialects, no race: a row another transaction inserted meanwhile is not counted as new)."""
    if not rows:
        return set()
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).values(list(rows)).on_conflict_do_nothing().returning(table.c[key])
    return set((await session.exec(statement)).scalars())


async def insert_ignoring_duplicates(session: AsyncSession, table: Table, values: dict[str, Any]) -> bool:
    """Insert one row unless its key exists. True when the row is new (both dialects, no race)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).values(**values).on_conflict_do_nothing()
    result = await session.exec(statement)
    return bool(result.rowcount)


def missing_sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names when it does not exist (opening it would create it empty); else None."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path
