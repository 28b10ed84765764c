"""Similar submissions (相似诉求归并) decided off the assignment's path, for every routing instance.

The assignment (`handlers.on_submission_received`) does not wait for similarity: a consumer group of
its own, ``routing-similarity``, compares each submission with the cases before it and announces
``case.clustered``. The inbox reads each case's cluster from the table below (`clusters_of`), so the
two consumer groups never write the same rows.

The comparison is global however many routing instances share the partitions: the cases live in one
table (`SimilarCase`) whose rows are numbered by ``changed`` as they are made or changed, under one lock
(PostgreSQL's advisory lock; SQLite's single writer). Each instance keeps the pure index
(`similarity.ClusterIndex`) in memory and, once per transaction and under that lock, first applies the
rows changed since it last looked — the cases other instances decided, the words an erasure took away
— so a case is compared with every case decided before it, wherever. If a transaction that changed
the index does not commit, the next one builds the index again from the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from services.routing.db import SimilarCase
from services.routing.similarity import ClusterIndex
from shared.db import AFTER_COMMIT
from shared.events import CaseClustered, Envelope, EventPayload, SubmissionReceived
from shared.locks import xact_lock
from shared.sealing import ERASED
from shared.textsim import normalise

__all__ = [
    "SharedClusters",
    "clusters_of",
    "keep_cluster",
    "members_of",
    "note_submission",
    "on_submission_clustered",
    "text_of",
]

LOCK = "civic-routing-similarity"
_CAUGHT_UP = "civic_routing_similarity"
"""``session.info`` key: the index already brought up to date in this transaction."""
_LAST_CHANGE = "civic_routing_similarity_change"
"""``session.info`` key: the last change number given in this transaction."""


def text_of(submission: SubmissionReceived) -> str:
    """What the similarity of submissions is judged on: the citizen's own words ("" once erased)."""
    if submission.mailbox is not None:
        text = f"{submission.mailbox.subject}\n{submission.mailbox.body}"
    elif submission.comment is not None:
        text = submission.comment.body
    else:
        assert submission.disclosure is not None
        text = submission.disclosure.description
    return "" if ERASED in text else text


async def _lock(session: AsyncSession) -> None:
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await xact_lock(session, LOCK)  # SQLite's unit of work is locked already


async def next_change(session: AsyncSession) -> int:
    """The number of the next change to the table; the caller holds the lock, so the last number is
    read once a transaction and counted on from there."""
    last = session.info.get(_LAST_CHANGE)
    if last is None:
        last = (await session.exec(select(func.max(SimilarCase.changed)))).one() or 0
    session.info[_LAST_CHANGE] = last + 1
    return int(last) + 1


async def keep_cluster(session: AsyncSession, case_id: str, cluster_id: str) -> None:
    """A decision as the log holds it (``case.clustered``, applied by the projection live and in a
    replay): already in the table when this instance decided it; otherwise the row is changed — and
    numbered — so every index hears of it."""
    row = await session.get(SimilarCase, case_id)
    if row is not None and row.cluster_id == cluster_id:
        return
    await _lock(session)
    if row is None:
        row = SimilarCase(case_id=case_id, words="", changed=0)
    row.cluster_id, row.changed = cluster_id, await next_change(session)
    session.add(row)


async def clusters_of(session: AsyncSession, case_ids: Sequence[str]) -> dict[str, tuple[str, int]]:
    """Each case's cluster and how many cases it has, for the cases decided so far (the inbox shows
    a case as on its own until its similarity is decided)."""
    if not case_ids:
        return {}
    decided = dict(
        (
            await session.exec(
                select(SimilarCase.case_id, SimilarCase.cluster_id).where(
                    col(SimilarCase.case_id).in_(case_ids), col(SimilarCase.cluster_id).is_not(None)
                )
            )
        ).all()
    )
    sizes = dict(
        (
            await session.exec(
                select(SimilarCase.cluster_id, func.count())
                .where(col(SimilarCase.cluster_id).in_(set(decided.values())))
                .group_by(col(SimilarCase.cluster_id))
            )
        ).all()
    )
    return {case: (cluster, sizes.get(cluster, 1)) for case, cluster in decided.items() if cluster}


def members_of(cluster_id: str) -> SelectOfScalar[str]:
    """The cases of a cluster, as a subquery."""
    return select(SimilarCase.case_id).where(SimilarCase.cluster_id == cluster_id)


class SharedClusters:
    """This instance's index in memory, kept in step with the shared table."""

    def __init__(self, make_index: Callable[[], ClusterIndex]) -> None:
        self._make_index = make_index
        self.index = make_index()
        self._seen = 0
        """The highest ``changed`` the index has applied (its own changes included)."""
        self._uncommitted = False

    async def _up_to_date(self, session: AsyncSession) -> None:
        """Take the lock and apply the rows changed since the index last looked; once a transaction."""
        if session.info.get(_CAUGHT_UP) is self:
            return
        await _lock(session)
        if self._uncommitted:  # what the last change added may not be in the table
            self.index, self._seen, self._uncommitted = self._make_index(), 0, False
        rows = await session.exec(
            select(SimilarCase).where(SimilarCase.changed > self._seen).order_by(col(SimilarCase.changed))
        )
        for row in rows.all():
            known = self.index.cluster_of(row.case_id)
            if known is None and row.cluster_id is not None:
                self.index.restore(row.case_id, row.words, row.cluster_id)
            elif known is not None and not row.words:
                self.index.forget_text(row.case_id)
            self._seen = max(self._seen, row.changed)
        session.info[_CAUGHT_UP] = self

    async def _change(self, session: AsyncSession) -> int:
        """The number of the next change (the lock is held); the index counts as changed until the
        transaction commits."""
        self._uncommitted = True
        hooks = session.info.setdefault(AFTER_COMMIT, [])
        if self._committed not in hooks:
            hooks.append(self._committed)
        change = await next_change(session)
        if change == self._seen + 1:  # nothing in between that the index has not applied
            self._seen = change
        return change

    async def _committed(self, _database: object) -> None:
        self._uncommitted = False

    async def decide(self, session: AsyncSession, case_id: str, text: str) -> str:
        """The case's cluster: the one it was given before, or the nearest case's, or its own."""
        await self._up_to_date(session)
        row = await session.get(SimilarCase, case_id)
        if row is not None and row.cluster_id is not None:
            return row.cluster_id
        words = normalise(text)
        cluster_id = self.index.add(case_id, words)
        change = await self._change(session)
        if row is None:
            session.add(SimilarCase(case_id=case_id, cluster_id=cluster_id, words=words, changed=change))
        else:
            row.cluster_id, row.changed = cluster_id, change
            session.add(row)
        return cluster_id

    async def note(self, session: AsyncSession, case_id: str, text: str) -> None:
        """Keep a case's words without deciding (a replay: its decision is a later event in the log)."""
        await self._up_to_date(session)
        if await session.get(SimilarCase, case_id) is None:
            change = await self._change(session)
            session.add(SimilarCase(case_id=case_id, words=normalise(text), changed=change))

    async def forget(self, session: AsyncSession, case_id: str) -> None:
        """An erased case's words are gone, here and, at their next look, in every instance's index."""
        await self._up_to_date(session)
        row = await session.get(SimilarCase, case_id)
        if row is not None and row.words:
            row.words, row.changed = "", await self._change(session)
            session.add(row)
        self.index.forget_text(case_id)


async def on_submission_clustered(
    session: AsyncSession, envelope: Envelope, payload: SubmissionReceived, *, clusters: SharedClusters
) -> list[EventPayload]:
    """Compare the submission with every case before it; announce the cluster it joins or starts."""
    cluster_id = await clusters.decide(session, str(payload.case_id), text_of(payload))
    return [CaseClustered(case_id=payload.case_id, cluster_id=cluster_id)]


async def note_submission(
    session: AsyncSession, envelope: Envelope, payload: SubmissionReceived, *, clusters: SharedClusters
) -> list[EventPayload]:
    """In a replay: keep the words; the decision comes back as its own event."""
    await clusters.note(session, str(payload.case_id), text_of(payload))
    return []
