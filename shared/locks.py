"""Locks that other processes see: one relay per database, one migration at a time.

- On PostgreSQL, advisory locks (scoped to the database): a transaction-level one that the server
  releases at commit, rollback or when the connection dies, so a killed process never leaves it held.
- On SQLite, an advisory lock on a file beside the database (``fcntl.flock``): the kernel releases it
  when the process exits, however it exits.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["FileLock", "advisory_key", "try_xact_lock", "xact_lock"]


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (PostgreSQL advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def _connection(on: AsyncSession | AsyncConnection) -> AsyncConnection:
    return await on.connection() if isinstance(on, AsyncSession) else on


async def xact_lock(on: AsyncSession | AsyncConnection, name: str) -> None:
    """Wait for the transaction-level advisory lock ``name``; held until the transaction ends."""
    connection = await _connection(on)
    await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(name)})


async def try_xact_lock(on: AsyncSession | AsyncConnection, name: str) -> bool:
    """Take the transaction-level advisory lock ``name`` if nobody holds it; whether it was taken."""
    connection = await _connection(on)
    result = await connection.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": advisory_key(name)}
    )
    return bool(result.scalar_one())


class FileLock:
    """An exclusive ``flock`` on ``path``, held until :meth:`release` or the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if no other process holds it (never waits); True while this process holds it."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def acquire(self) -> None:
        """Wait for the lock (blocking: call it from a worker thread in async code)."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
