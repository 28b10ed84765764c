"""Similarity across routing instances, on the real database (SQLite and PostgreSQL): two instances'
indexes in memory over one table — every case is compared with every case decided before it,
whichever instance decided it; an erasure reaches the other instance's index; a transaction that
does not commit leaves no trace in the index."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.routing.app import shared_clusters
from services.routing.clustering import SharedClusters
from services.routing.config import RoutingSettings
from services.routing.db import SCHEMA, SimilarCase
from shared.db import Database

SIREN = "防空警报试鸣声音太大，吵醒孩子"
SIREN_AGAIN = "防空警报试鸣声音太大，把孩子吵醒了"
SIREN_ONCE_MORE = "防空警报试鸣的声音太大了，吵醒了孩子"
PARKING = "小区人防车位能否出租给业主？收费标准由谁定"


async def _decide(database: Database, clusters: SharedClusters, text: str) -> tuple[str, str]:
    case_id = str(uuid4())
    async with database.transaction() as session:
        return case_id, await clusters.decide(session, case_id, text)


@pytest.fixture
async def database(database_url: str) -> Database:
    made = Database(database_url, SCHEMA.tables)
    await made.create_schema()
    return made


async def test_a_case_joins_the_cluster_another_instance_decided(database: Database) -> None:
    settings = RoutingSettings()
    one, two = shared_clusters(settings), shared_clusters(settings)
    try:
        first, first_cluster = await _decide(database, one, SIREN)
        assert first_cluster == first, "a first case names its cluster"
        second, second_cluster = await _decide(database, two, SIREN_AGAIN)
        assert second_cluster == first, "instance two compared it with the case instance one decided"
        _, third_cluster = await _decide(database, one, SIREN_ONCE_MORE)
        assert third_cluster == first, "and instance one with the case instance two decided"
        other, other_cluster = await _decide(database, two, PARKING)
        assert other_cluster == other
        async with database.session() as session:
            again = await two.decide(session, second, "whatever the text now")
        assert again == first, "a case decided before keeps its cluster (redelivery)"
    finally:
        await database.dispose()


async def test_an_erasure_on_one_instance_reaches_the_others_index(database: Database) -> None:
    settings = RoutingSettings()
    one, two = shared_clusters(settings), shared_clusters(settings)
    try:
        erased, _ = await _decide(database, one, SIREN)
        await _decide(database, two, PARKING)
        assert two.index.cluster_of(erased) == erased, "instance two's index has the first case's words"
        async with database.transaction() as session:
            await one.forget(session, erased)
        async with database.session() as session:
            row = await session.get(SimilarCase, erased)
        assert row is not None
        assert (row.words, row.cluster_id) == ("", erased), "the words are gone, the cluster stays"
        later, cluster = await _decide(database, two, SIREN_AGAIN)
        assert cluster == later, "instance two no longer compares anything with the erased words"
    finally:
        await database.dispose()


async def test_a_decision_that_is_not_committed_leaves_no_trace(database: Database) -> None:
    clusters = shared_clusters(RoutingSettings())
    try:
        phantom = str(uuid4())

        async def decide_then_fail() -> None:
            async with database.transaction() as session:
                assert await clusters.decide(session, phantom, SIREN) == phantom
                raise RuntimeError("the batch failed after the decision")

        with pytest.raises(RuntimeError):
            await decide_then_fail()
        case_id, cluster = await _decide(database, clusters, SIREN_AGAIN)
        assert cluster == case_id, "the rolled-back case is not in the index"
        async with database.session() as session:
            assert await session.get(SimilarCase, phantom) is None
    finally:
        await database.dispose()
