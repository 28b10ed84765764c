"""The consumer wrapper's delivery guarantees, against the real broker and a real database."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.codes import Channel
from shared.consumer import PermanentFailure, ProcessedEvent, only_when
from shared.events import CaseAssigned, CaseClosed, Envelope, EventPayload, new_event
from shared.failures import is_infrastructure
from shared.migrations import ServiceSchema
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.topics import CASE_EVENTS, Topics
from tests.support.databases import Databases
from tests.support.kafka import RawProducer, TopicReader
from tests.support.polling import eventually

pytestmark = pytest.mark.kafka


class Tally(SQLModel, table=True):
    __tablename__ = "test_tally"

    case_id: str = Field(primary_key=True)
    count: int


class Seen(SQLModel, table=True):
    """What a use case applied, in the order its transactions committed."""

    __tablename__ = "test_seen"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str
    reason: str


def assigned(case_id: UUID) -> CaseAssigned:
    return CaseAssigned(
        case_id=case_id,
        channel=Channel.MAILBOX,
        department_id="engineering",
        department_name="人防工程管理处",
        reason="test",
        assigned_on=date(2026, 11, 25),
    )


async def count_event(
    session: AsyncSession, _envelope: Envelope, payload: EventPayload
) -> list[EventPayload]:
    row = await session.get(Tally, payload.subject()) or Tally(case_id=payload.subject(), count=0)
    row.count += 1
    session.add(row)
    return []


@asynccontextmanager
async def consumer_service(
    bootstrap: str,
    topics: Topics,
    database_url: str,
    handler: Callable[..., object] = count_event,
    attempts: int = 3,
) -> AsyncIterator[ServiceRuntime]:
    settings = ServiceSettings(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        CIVIC_TOPIC_PREFIX=topics.prefix,
        database_url=database_url,
        consumer_attempts=attempts,
        consumer_backoff_seconds=0.05,
        service_name="testsvc",
    )
    runtime = ServiceRuntime(settings, ServiceSchema("testsvc", [Tally, Seen], None))
    runtime.consume("test-consumer", CASE_EVENTS, {CaseAssigned: handler, CaseClosed: count_event})  # type: ignore[dict-item]
    async with runtime.running():
        yield runtime


async def tally(runtime: ServiceRuntime, case_id: UUID) -> int:
    async with runtime.database.session() as session:
        row = await session.get(Tally, str(case_id))
    return row.count if row else 0


def closed(case_id: UUID) -> CaseClosed:
    return CaseClosed(case_id=case_id, closed_on=date(2026, 11, 25))


async def test_the_same_event_delivered_twice_changes_nothing(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer
) -> None:
    case_id = uuid4()
    envelope = new_event(assigned(case_id), source="/tests")
    async with consumer_service(kafka_bootstrap, topics, database_url) as runtime:
        await producer.send_event(topics.case_events, envelope)
        await producer.send_event(topics.case_events, envelope)  # redelivery: same event id
        await producer.send_payloads(
            topics.case_events, [closed(case_id)]
        )  # a marker behind both, same partition

        async def both_processed() -> bool:
            return await tally(runtime, case_id) >= 2  # the first assignment + the marker

        await eventually(both_processed, "both_processed")
        await asyncio.sleep(0.5)
        assert await tally(runtime, case_id) == 2, "the duplicate was applied a second time"


async def test_a_poison_message_is_dead_lettered_and_the_next_one_processed(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer
) -> None:
    case_id = uuid4()
    dlq = await TopicReader(kafka_bootstrap, topics.dlq(CASE_EVENTS)).start()
    try:
        async with consumer_service(kafka_bootstrap, topics, database_url) as runtime:
            await producer.send(
                topics.case_events, b"{not json", key=str(case_id), content_type="application/json"
            )
            await producer.send(
                topics.case_events,
                b'{"specversion": "1.0", "type": "case.assigned", "id": "x"}',
                key=str(case_id),
            )
            await producer.send_payloads(topics.case_events, [assigned(case_id)])

            async def processed() -> bool:
                return await tally(runtime, case_id) == 1

            await eventually(processed, "processed")
            letters = await dlq.wait_for_records(lambda r: r.key == str(case_id).encode(), count=2)
    finally:
        await dlq.stop()
    first, second = letters
    assert first.value == b"{not json"
    assert first.headers["x-dlq-consumer"] == "test-consumer"
    assert first.headers["x-dlq-attempts"] == "1"
    assert "not JSON" in first.headers["x-dlq-error"]
    assert first.headers["x-dlq-topic"] == topics.case_events
    assert "not a CloudEvents envelope" in second.headers["x-dlq-error"]


async def test_a_type_the_consumer_does_not_handle_is_skipped_by_its_header_without_decoding(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer
) -> None:
    case_id = uuid4()
    dlq = await TopicReader(kafka_bootstrap, topics.dlq(CASE_EVENTS)).start()
    try:
        async with consumer_service(kafka_bootstrap, topics, database_url) as runtime:
            # Not even JSON, but its header says a type this consumer does not handle: skipped.
            await producer.send(topics.case_events, b"{skipped", key=str(case_id), event_type="deadline.set")
            # Behind it on the same partition: bytes claiming a handled type — dead-lettered.
            await producer.send(topics.case_events, b"{handled", key=str(case_id), event_type="case.closed")
            await producer.send_payloads(topics.case_events, [assigned(case_id)])
            await eventually(lambda: tally(runtime, case_id), "the event behind them")
            # The dead-letter topic keeps their order: reading the second, we would have read the first.
            await dlq.wait_for_records(lambda r: r.value == b"{handled")
    finally:
        await dlq.stop()
    assert [r.value for r in dlq.records if r.key == str(case_id).encode()] == [b"{handled"]


async def test_an_event_the_use_case_says_changes_nothing_is_skipped_before_any_transaction(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer
) -> None:
    case_id = uuid4()
    to_engineering = only_when(lambda payload: payload.department_id == "engineering", count_event)
    elsewhere = assigned(case_id).model_copy(update={"department_id": "triage"})
    async with consumer_service(kafka_bootstrap, topics, database_url, handler=to_engineering) as runtime:
        skipped, marker = await producer.send_payloads(topics.case_events, [elsewhere, closed(case_id)])
        await eventually(lambda: tally(runtime, case_id), "the event behind the skipped one")
        (taken,) = await producer.send_payloads(topics.case_events, [assigned(case_id)])
        recorded = await eventually(
            lambda: _recorded_with(runtime, str(taken.id)), "the event the use case takes, recorded"
        )
        applied = await tally(runtime, case_id)
    assert str(skipped.id) not in recorded, "nothing of the skipped event is recorded"
    assert str(marker.id) in recorded
    assert applied == 2, "the closing and the assignment to engineering; not the skipped assignment"


async def _recorded_with(runtime: ServiceRuntime, event_id: str) -> set[str] | None:
    """The event ids the test consumer recorded, once ``event_id`` is among them."""
    async with runtime.database.session() as session:
        query = select(ProcessedEvent.event_id).where(ProcessedEvent.consumer == "test-consumer")
        recorded = set((await session.exec(query)).all())
    return recorded if event_id in recorded else None


async def test_a_batch_is_one_transaction_and_a_poison_event_in_it_is_set_apart_keeping_the_order(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer
) -> None:
    case_id = uuid4()  # one case: one partition, one order to keep
    transactions = itertools.count(1)
    sessions: list[int] = []
    poison_calls = 0

    async def record(session: AsyncSession, _envelope: Envelope, payload: CaseAssigned) -> list[EventPayload]:
        nonlocal poison_calls
        sessions.append(session.info.setdefault("test_transaction", next(transactions)))
        if payload.reason == "30":
            poison_calls += 1
            raise RuntimeError("no such department")
        session.add(Seen(case_id=payload.subject(), reason=payload.reason))
        return []

    sent = [assigned(case_id).model_copy(update={"reason": str(n)}) for n in range(60)]
    await producer.send_payloads(topics.case_events, sent)  # all waiting before the consumer starts
    dlq = await TopicReader(kafka_bootstrap, topics.dlq(CASE_EVENTS)).start()
    try:
        async with consumer_service(kafka_bootstrap, topics, database_url, record, attempts=3) as runtime:
            (letter,) = await dlq.wait_for_records(lambda r: r.key == str(case_id).encode())

            async def applied() -> list[str]:
                async with runtime.database.session() as session:
                    rows = (await session.exec(select(Seen).order_by(col(Seen.id)))).all()
                return [row.reason for row in rows] if len(rows) >= 59 else []

            order = await eventually(applied, "the neighbours applied")
    finally:
        await dlq.stop()
    assert order == [str(n) for n in range(60) if n != 30], "each neighbour once, in the order sent"
    assert (poison_calls, letter.headers["x-dlq-attempts"]) == (3, "3")
    assert len(set(sessions)) <= 10, f"{len(set(sessions))} transactions for 60 events: not batched"


async def test_a_handler_that_keeps_failing_is_retried_then_dead_lettered(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer
) -> None:
    poisoned, healthy = uuid4(), uuid4()
    calls: dict[str, int] = {}

    async def fails_for_one_case(
        session: AsyncSession, envelope: Envelope, payload: EventPayload
    ) -> list[EventPayload]:
        calls[payload.subject()] = calls.get(payload.subject(), 0) + 1
        if payload.subject() == str(poisoned):
            raise RuntimeError("the department table is corrupt")
        return await count_event(session, envelope, payload)

    dlq = await TopicReader(kafka_bootstrap, topics.dlq(CASE_EVENTS)).start()
    try:
        async with consumer_service(
            kafka_bootstrap, topics, database_url, fails_for_one_case, attempts=3
        ) as runtime:
            await producer.send_payloads(topics.case_events, [assigned(poisoned), assigned(healthy)])

            async def healthy_processed() -> bool:
                return await tally(runtime, healthy) == 1

            await eventually(healthy_processed, "healthy_processed")
            (letter,) = await dlq.wait_for_records(lambda r: r.key == str(poisoned).encode())
            assert await tally(runtime, poisoned) == 0, "a failed attempt left its writes behind"
    finally:
        await dlq.stop()
    assert calls[str(poisoned)] == 3
    assert letter.headers["x-dlq-attempts"] == "3"
    # By class only: an exception's message can carry what was being written (personal data).
    assert letter.headers["x-dlq-error"] == "RuntimeError"


async def test_a_transient_failure_is_retried_and_applied_once(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer
) -> None:
    case_id = uuid4()
    failures = {"left": 2}

    async def flaky(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> list[EventPayload]:
        await count_event(session, envelope, payload)  # written, then rolled back with the failure
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("database went away")
        return []

    dlq = await TopicReader(kafka_bootstrap, topics.dlq(CASE_EVENTS)).start()
    try:
        async with consumer_service(kafka_bootstrap, topics, database_url, flaky) as runtime:
            await producer.send_payloads(topics.case_events, [assigned(case_id)])

            async def processed() -> bool:
                return await tally(runtime, case_id) >= 1

            await eventually(processed, "processed")
            await dlq.settle(1.0)
            assert await tally(runtime, case_id) == 1
        assert dlq.records == []
    finally:
        await dlq.stop()


async def test_a_permanent_failure_is_dead_lettered_without_retries(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer
) -> None:
    case_id = uuid4()
    calls = []

    async def refuses(
        _session: AsyncSession, _envelope: Envelope, _payload: EventPayload
    ) -> list[EventPayload]:
        calls.append(1)
        raise PermanentFailure("unknown department")

    dlq = await TopicReader(kafka_bootstrap, topics.dlq(CASE_EVENTS)).start()
    try:
        async with consumer_service(kafka_bootstrap, topics, database_url, refuses):
            await producer.send_payloads(topics.case_events, [assigned(case_id)])
            (letter,) = await dlq.wait_for_records(lambda r: r.key == str(case_id).encode())
    finally:
        await dlq.stop()
    assert calls == [1]
    assert letter.headers["x-dlq-attempts"] == "1"


async def test_offsets_are_committed_after_processing(
    kafka_bootstrap: str, topics: Topics, producer: RawProducer, tmp_path: Path
) -> None:
    """A restarted consumer group resumes after what it processed: nothing is read twice."""
    first, second = uuid4(), uuid4()
    async with consumer_service(
        kafka_bootstrap, topics, f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"
    ) as runtime:
        await producer.send_payloads(topics.case_events, [assigned(first)])

        async def processed() -> bool:
            return await tally(runtime, first) == 1

        await eventually(processed, "processed")
        await asyncio.sleep(0.3)
    # The same group on an EMPTY database: had the offset not been committed, it would count `first`.
    async with consumer_service(
        kafka_bootstrap, topics, f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    ) as runtime:
        await producer.send_payloads(topics.case_events, [assigned(second)])

        async def second_processed() -> bool:
            return await tally(runtime, second) == 1

        await eventually(second_processed, "second_processed")
        assert await tally(runtime, first) == 0


async def test_events_emitted_by_a_handler_reach_the_topic_through_the_outbox(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer, case_events: TopicReader
) -> None:
    case_id = uuid4()

    async def closes(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> list[EventPayload]:
        await count_event(session, envelope, payload)
        return [closed(case_id)]

    async with consumer_service(kafka_bootstrap, topics, database_url, closes) as runtime:
        (cause,) = await producer.send_payloads(topics.case_events, [assigned(case_id)])
        (emitted,) = await case_events.wait_for_event(str(case_id), "case.closed")

        async def drained() -> bool:
            return await runtime.relay.unsent_count() == 0

        await eventually(drained, "drained")
    assert emitted.source == "/civic/testsvc"
    assert emitted.correlationid == cause.correlationid
    assert emitted.time <= datetime.now(UTC)


async def test_an_unavailable_database_is_waited_for_not_dead_lettered(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer
) -> None:
    """Past the in-process attempts the message is not acknowledged, and Kafka itself redelivers it."""
    case_id = uuid4()
    calls = {"n": 0}

    async def database_down_for_a_while(
        session: AsyncSession, envelope: Envelope, payload: EventPayload
    ) -> list[EventPayload]:
        calls["n"] += 1
        if calls["n"] <= 4:  # more failures than one delivery's 2 attempts: needs two redeliveries
            raise ConnectionRefusedError("database is restarting")
        return await count_event(session, envelope, payload)

    dlq = await TopicReader(kafka_bootstrap, topics.dlq(CASE_EVENTS)).start()
    try:
        async with consumer_service(
            kafka_bootstrap, topics, database_url, database_down_for_a_while, attempts=2
        ) as runtime:
            await producer.send_payloads(topics.case_events, [assigned(case_id)])

            async def applied() -> bool:
                return await tally(runtime, case_id) == 1

            await eventually(applied, "the event to be applied once the database is back")
            await dlq.settle(0.5)
            assert await tally(runtime, case_id) == 1
    finally:
        await dlq.stop()
    assert calls["n"] == 5
    assert dlq.records == []


async def test_a_real_postgresql_outage_is_waited_for_not_dead_lettered(
    kafka_bootstrap: str, topics: Topics, postgres_databases: Databases, producer: RawProducer
) -> None:
    """The server refuses every connection (53300) and ends the open ones (57P01) while events arrive:
    each is applied once when it is back, none dead-lettered."""
    url = await postgres_databases.new("outage")
    name = make_url(url).database
    admin = create_async_engine(os.environ["CIVIC_TEST_POSTGRES_URL"], isolation_level="AUTOCOMMIT")
    cases = [uuid4() for _ in range(5)]
    dlq = await TopicReader(kafka_bootstrap, topics.dlq(CASE_EVENTS)).start()
    try:
        async with consumer_service(kafka_bootstrap, topics, url, count_event, attempts=2) as runtime:
            await producer.send_payloads(topics.case_events, [assigned(cases[0])])
            await eventually(lambda: _tallied(runtime, cases[:1]), "the first event")
            async with admin.connect() as conn:
                await conn.exec_driver_sql(f'ALTER DATABASE "{name}" CONNECTION LIMIT 0')
                await conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": name},
                )
            with _infrastructure_failures() as failures:
                await producer.send_payloads(topics.case_events, [assigned(c) for c in cases[1:]])

                async def redelivered() -> bool:  # past one delivery's attempts: Kafka redelivered it
                    return len(failures) >= 3

                await eventually(redelivered, "the consumer to meet the outage")
            async with admin.connect() as conn:
                await conn.exec_driver_sql(f'ALTER DATABASE "{name}" CONNECTION LIMIT -1')
            await eventually(lambda: _tallied(runtime, cases), "every event once the server is back")
            assert [await tally(runtime, c) for c in cases] == [1] * 5
    finally:
        await dlq.stop()
        await admin.dispose()
    assert dlq.records == []


@contextmanager
def _infrastructure_failures() -> Iterator[list[logging.LogRecord]]:
    """The consumer's infrastructure-failure warnings while the block runs."""
    seen: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "infrastructure failure" in record.getMessage():
                seen.append(record)

    handler = Collect(level=logging.WARNING)
    logger = logging.getLogger("shared.consumer")
    logger.addHandler(handler)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)


async def _tallied(runtime: ServiceRuntime, cases: list[UUID]) -> bool:
    try:
        return all([await tally(runtime, c) == 1 for c in cases])
    except Exception as exc:
        if is_infrastructure(exc):
            return False
        raise


async def test_a_dead_letter_is_replayed_once_its_cause_is_fixed(
    kafka_bootstrap: str, topics: Topics, database_url: str, producer: RawProducer
) -> None:
    from shared.dead_letters import replay_dead_letters

    case_id, later = uuid4(), uuid4()
    bug = {"present": True}

    async def buggy(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> list[EventPayload]:
        if bug["present"] and payload.subject() == str(case_id):
            raise KeyError("department missing from the rule table")
        return await count_event(session, envelope, payload)

    dlq = await TopicReader(kafka_bootstrap, topics.dlq(CASE_EVENTS)).start()
    try:
        async with consumer_service(kafka_bootstrap, topics, database_url, buggy, attempts=2) as runtime:
            await producer.send_payloads(topics.case_events, [assigned(case_id)])
            await dlq.wait_for_records(lambda r: r.key == str(case_id).encode())
            bug["present"] = False  # the fix is deployed

            assert await replay_dead_letters(kafka_bootstrap, topics, "case-events") == 1
            assert await replay_dead_letters(kafka_bootstrap, topics, "case-events") == 0, "replayed twice"
            await producer.send_payloads(topics.case_events, [assigned(later)])

            async def both_applied() -> bool:
                return await tally(runtime, case_id) == 1 and await tally(runtime, later) == 1

            await eventually(both_applied, "the replayed event and the next one")
            await asyncio.sleep(0.5)
            assert await tally(runtime, case_id) == 1
    finally:
        await dlq.stop()
