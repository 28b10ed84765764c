"""Group commit (合并提交): units of work that arrive together share one transaction and one commit.

On SQLite one writer works at a time, and a transaction costs its commit and a round of thread hops
whatever it writes; under load the units queue for the writer anyway. Here the first unit to find the
writer free starts a drain: each turn takes every unit waiting (up to ``max_group``) and runs them one
after the other in one transaction. Each caller gets its own unit's result — or its own error:

- a unit that raises is taken out: the transaction is rolled back, the units before it run again
  without it, it runs alone (so its caller gets its error, and nothing it wrote), and the units after
  it follow in their own transaction;
- a failure no unit can be blamed for (at the commit) splits the group in halves, each committed apart;
- the database away fails every unit of the group, so each caller answers as it would have alone (a
  503): nothing was committed.

A unit must be safe to run again from the start (it only writes through its session), and should not
read what another unit of the same group writes.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import Database
from shared.failures import FailedAt, is_infrastructure
from shared.telemetry import Carried

__all__ = ["GroupCommit", "Unit"]

T = TypeVar("T")
Unit = Callable[[AsyncSession], Awaitable[T]]


_Waiting = tuple[Unit[Any], "asyncio.Future[Any]", Carried]
"""A unit, its caller's answer, and its caller's trace and log context (it runs in the drain's task)."""


class GroupCommit:
    def __init__(
        self, database: Database, *, max_group: int = 64, on_commit: Callable[[], None] | None = None
    ) -> None:
        """``on_commit`` runs after each committed group (wake the outbox relay)."""
        self._db = database
        self._max_group = max_group
        self._on_commit = on_commit
        self._waiting: list[_Waiting] = []
        self._drain: asyncio.Task[None] | None = None

    async def run(self, unit: Unit[T]) -> T:
        """Run ``unit`` in a transaction shared with the units waiting beside it; its result once committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((unit, future, Carried.here()))
        if self._drain is None or self._drain.done():
            # Its own empty context: each unit runs in its caller's (`Carried`), the commit in none.
            self._drain = asyncio.create_task(
                self._drain_all(), name="group commit", context=contextvars.Context()
            )
        return await asyncio.shield(future)  # a caller that goes away leaves its unit to the group

    async def _drain_all(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[: self._max_group], self._waiting[self._max_group :]
            await self._commit(group)

    async def _commit(self, group: list[_Waiting]) -> None:
        try:
            results = await self._run_together(group)
        except FailedAt as failed:
            await self._set_apart(group, failed)
        except Exception as exc:  # nothing of the group was written
            if len(group) > 1 and not is_infrastructure(exc):
                middle = len(group) // 2
                await self._commit(group[:middle])
                await self._commit(group[middle:])
                return
            self._fail(group, exc)
        except BaseException as exc:  # cancelled at shutdown
            self._fail(group, exc)
            raise
        else:
            if self._on_commit is not None:
                self._on_commit()
            for (_, future, _), result in zip(group, results, strict=True):
                if not future.done():
                    future.set_result(result)

    @staticmethod
    def _fail(group: list[_Waiting], exc: BaseException) -> None:
        for _, future, _ in group:
            if not future.done():
                future.set_exception(exc)

    async def _run_together(self, group: list[_Waiting]) -> list[Any]:
        results = []
        async with self._db.transaction() as session:
            for index, (unit, _, carried) in enumerate(group):
                try:
                    with carried.applied():
                        results.append(await unit(session))
                except Exception as exc:
                    raise FailedAt(index, exc) from exc
        return results

    async def _set_apart(self, group: list[_Waiting], failed: FailedAt) -> None:
        if len(group) == 1:
            (_, future, _), cause = group[0], failed.cause
            if not future.done():
                future.set_exception(cause)
            return
        before, culprit, after = group[: failed.index], group[failed.index], group[failed.index + 1 :]
        if before:
            await self._commit(before)
        await self._commit([culprit])
        if after:
            await self._commit(after)
