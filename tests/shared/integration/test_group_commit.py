"""Group commit against a real database: units arriving together share a transaction, each caller
gets its own result or its own error, and a failing unit takes nothing of the others with it."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import Database
from shared.errors import Conflict
from shared.group_commit import GroupCommit, Unit


class Letter(SQLModel, table=True):
    __tablename__ = "test_group_letter"

    number: int = Field(primary_key=True)


async def _database(url: str) -> Database:
    database = Database(url, [Letter])
    await database.create_schema()
    return database


async def _stored(database: Database) -> list[int]:
    async with database.session() as session:
        return sorted((await session.exec(select(Letter.number))).all())


async def test_units_that_arrive_together_share_one_transaction_and_each_gets_its_result(
    database_url: str,
) -> None:
    database = await _database(database_url)
    commits = 0

    def committed() -> None:
        nonlocal commits
        commits += 1

    group = GroupCommit(database, on_commit=committed)
    transactions = itertools.count(1)
    seen: list[int] = []

    def store(number: int) -> Unit[int]:
        async def unit(session: AsyncSession) -> int:
            seen.append(session.info.setdefault("test_transaction", next(transactions)))
            session.add(Letter(number=number))
            return number * 10

        return unit

    try:
        results = await asyncio.gather(*(group.run(store(n)) for n in range(40)))
        assert results == [n * 10 for n in range(40)]
        assert await _stored(database) == list(range(40))
        assert len(set(seen)) < 10, f"{len(set(seen))} transactions for 40 units: not grouped"
        assert commits == len(set(seen)), "the relay is woken once per commit"
    finally:
        await database.dispose()


async def test_a_unit_that_fails_fails_alone_and_its_neighbours_are_committed(database_url: str) -> None:
    database = await _database(database_url)
    group = GroupCommit(database)
    calls: dict[int, int] = {}

    def store(number: int) -> Unit[int]:
        async def unit(session: AsyncSession) -> int:
            calls[number] = calls.get(number, 0) + 1
            session.add(Letter(number=number))
            if number == 7:
                await session.flush()  # its row is written, then it changes its mind
                raise Conflict("letter 7 is refused")
            return number

        return unit

    try:
        outcomes = await asyncio.gather(*(group.run(store(n)) for n in range(15)), return_exceptions=True)
        assert isinstance(outcomes[7], Conflict), "the failing unit's caller gets its own error"
        assert [o for i, o in enumerate(outcomes) if i != 7] == [n for n in range(15) if n != 7]
        assert await _stored(database) == [n for n in range(15) if n != 7], "nothing of the refused one"
        assert calls[7] == 2, "run with its group, then alone to hand its caller its error"
    finally:
        await database.dispose()


async def test_a_unit_alone_is_committed_as_a_transaction_of_its_own(database_url: str) -> None:
    database = await _database(database_url)
    group = GroupCommit(database)

    async def unit(session: AsyncSession) -> str:
        session.add(Letter(number=1))
        return "done"

    async def refused(_session: AsyncSession) -> None:
        raise Conflict("no")

    try:
        assert await group.run(unit) == "done"
        assert await _stored(database) == [1]
        with pytest.raises(Conflict):
            await group.run(refused)
    finally:
        await database.dispose()
