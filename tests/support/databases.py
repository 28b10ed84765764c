"""Fresh databases for a test, on SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine


class Databases:
    """Fresh databases on one backend: SQLite files in a temporary folder, or throwaway PostgreSQL
    databases on the server ``CIVIC_TEST_POSTGRES_URL`` names (dropped afterwards)."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self._folder = folder
        self._created: list[str] = []
        self._admin_url = os.environ.get("CIVIC_TEST_POSTGRES_URL", "")

    async def new(self, label: str = "test") -> str:
        if self.backend == "sqlite":
            return f"sqlite+aiosqlite:///{self._folder / f'{label}-{uuid.uuid4().hex[:6]}.db'}"
        name = f"civic_test_{uuid.uuid4().hex[:12]}"
        engine = create_async_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            await engine.dispose()
        self._created.append(name)
        return make_url(self._admin_url).set(database=name).render_as_string(hide_password=False)

    async def drop_all(self) -> None:
        if not self._created:
            return
        engine = create_async_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        for name in self._created:
            # FORCE may meet a backend this role cannot end (autovacuum, for a moment): try again, and
            # in the end leave the throwaway database rather than fail a test that passed.
            for attempt in range(10):
                try:
                    async with engine.connect() as conn:
                        await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    break
                except DBAPIError as exc:
                    if attempt == 9:
                        print(f"\nleft test database {name}: {exc}")
                    await asyncio.sleep(0.5)
        await engine.dispose()
