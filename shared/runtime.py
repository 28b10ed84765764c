"""What every service process runs: one broker, one database, the outbox relay and the consumers.

A service builds a :class:`ServiceRuntime` in its ``create_app(settings)`` and declares its consumers;
nothing connects until :meth:`ServiceRuntime.running` is entered (the FastAPI lifespan).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.consumer import (
    BatchPolicy,
    ConsumerSpec,
    EventConsumer,
    EventHandler,
    ProcessedEvent,
    Projector,
    RetryPolicy,
)
from shared.contracts import Receives, ServiceContract
from shared.db import Database
from shared.events import Envelope, EventPayload
from shared.group_commit import GroupCommit
from shared.kafka import make_broker, make_publisher
from shared.kafka_security import check_access
from shared.keyring import Keyring
from shared.metrics import ServiceMetrics
from shared.migrations import ServiceSchema, upgrade
from shared.outbox import SEALER, OutboxMessage, OutboxRelay, add_events, backlog
from shared.settings import ServiceSettings
from shared.telemetry import Telemetry
from shared.topics import TopicSpec

__all__ = ["ServiceRuntime"]

log = logging.getLogger(__name__)


RELAY_STOP_SECONDS = 5.0
"""How long shutdown lets the relay finish its pass (a broker that does not answer: it is cancelled)."""


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        schema: ServiceSchema,
        *,
        sends: Sequence[type[EventPayload]] = (),
        projector: Projector | None = None,
        keyring: Keyring | None = None,
    ) -> None:
        """``sends``: the payload types the service emits (its declaration, in its ``app.py``, for its
        AsyncAPI document); ``projector`` applies each event the service emits to its own state (see
        `ConsumerSpec`); ``keyring`` (a service that keeps personal data) seals what it emits and opens
        what it consumes."""
        self.settings = settings
        self.sends = tuple(sends)
        self.schema = schema
        self.projector = projector
        self.source = f"/civic/{settings.service_name}"
        self.topics = settings.topics
        self.database = Database(
            settings.resolved_database_url,
            [*schema.tables, OutboxMessage, ProcessedEvent],
            sqlite_busy_seconds=settings.sqlite_busy_seconds,
            session_info={SEALER: keyring} if keyring is not None else None,
        )
        self.keyring = keyring
        self.metrics = ServiceMetrics(settings.service_name)
        self.telemetry = Telemetry(settings.service_name, otlp_endpoint=settings.otlp_endpoint)
        self.broker: KafkaBroker = make_broker(
            settings.kafka_bootstrap_servers,
            client_id=f"civic-{settings.service_name}",
            security=settings.kafka_security,
            middlewares=[
                KafkaPrometheusMiddleware(
                    registry=self.metrics.registry, app_name=f"civic-{settings.service_name}"
                )
            ],
        )
        self.relay = OutboxRelay(
            self.database,
            make_publisher(self.broker),
            poll_seconds=settings.outbox_poll_seconds,
            telemetry=self.telemetry,
        )
        self.metrics.on_scrape(self._outbox_backlog)
        self.metrics.on_scrape(self._consumer_lag)
        self.group_commit = GroupCommit(self.database, on_commit=self.relay.notify)
        self.consumers: list[EventConsumer] = []
        self._receives: list[Receives] = []
        self._background: list[Callable[[], Awaitable[None]]] = []
        self._retry = RetryPolicy(settings.consumer_attempts, settings.consumer_backoff_seconds)
        self._batch = BatchPolicy(settings.consumer_batch_size, settings.consumer_batch_wait_ms)

    def consume_all(self, specs: Sequence[ConsumerSpec]) -> None:
        for spec in specs:
            self.consume(spec.name, spec.topic, spec.handlers)

    def consume(
        self, name: str, topic: TopicSpec, handlers: Mapping[type[EventPayload], EventHandler]
    ) -> None:
        """Declare a consumer group ``name`` on ``topic``; ``handlers`` map payload types to use cases."""
        consumer = EventConsumer(
            name=name,
            topic=topic,
            topics=self.topics,
            database=self.database,
            relay=self.relay,
            source=self.source,
            handlers=handlers,
            retry=self._retry,
            batch=self._batch,
            projector=self.projector,
            keyring=self.keyring,
            metrics=self.metrics,
            telemetry=self.telemetry,
        )
        consumer.subscribe(self.broker)
        self.consumers.append(consumer)
        self._receives.append(Receives(name, consumer.group_id, topic, tuple(handlers)))

    def contract(self) -> ServiceContract:
        """What the service sends and receives, on its topics (`shared.contracts`)."""
        return ServiceContract(self.settings.service_name, self.topics, self.sends, tuple(self._receives))

    def in_background(self, job: Callable[[], Awaitable[None]]) -> None:
        """Run ``job`` while the service runs (a periodic check, say); it is cancelled at shutdown."""
        self._background.append(job)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One transaction for an HTTP use case; the relay is woken once it has committed."""
        async with self.database.transaction() as session:
            yield session
        self.relay.notify()

    async def emit(
        self, session: AsyncSession, payloads: Sequence[EventPayload], correlation_id: str | None = None
    ) -> list[Envelope]:
        """Put events in the outbox of the session's transaction and apply them to the service's state."""
        envelopes = add_events(
            session, self.topics, payloads, source=self.source, correlation_id=correlation_id
        )
        if self.projector is not None:
            for envelope, payload in zip(envelopes, payloads, strict=True):
                await self.projector(session, envelope, payload)
        return envelopes

    @asynccontextmanager
    async def running(self, prepare: Callable[[], Awaitable[None]] | None = None) -> AsyncIterator[None]:
        """Migrations, then ``prepare`` (seed data), then the broker and consumers, then the relay."""
        if self.database.is_sqlite:
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        before, after = await upgrade(self.database, self.schema)
        if before != after:
            log.info("%s database upgraded from %s to %s", self.settings.service_name, before, after)
        if prepare is not None:
            await prepare()
        # aiokafka says only "Unable to bootstrap" when the broker refuses this client — or nothing,
        # for a rejected OAUTHBEARER token: if it does, say why (no-op for a plain broker)
        await check_access(self.settings.kafka_bootstrap_servers, self.settings.kafka_security)
        await self.broker.start()
        relay = asyncio.create_task(self.relay.run(), name=f"{self.source} outbox relay")
        tasks: list[asyncio.Task[None]] = [
            asyncio.create_task(job(), name=f"{self.source} {job}")  # type: ignore[arg-type]
            for job in self._background
        ]
        try:
            yield
        finally:
            self.relay.stop()  # its pass under way ends marked sent; cancelled only if it hangs
            for task in tasks:
                task.cancel()
            with contextlib.suppress(Exception):  # it hangs (cancelled below) or failed (logged)
                async with asyncio.timeout(RELAY_STOP_SECONDS):
                    await asyncio.shield(relay)
            tasks.append(relay)
            relay.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            # Consumers first: an event taken in after the outbox was flushed would leave its
            # consequences unsent until the next start (and a replay would refuse until then).
            for subscriber in self.broker.subscribers:
                await subscriber.stop()
            await self._flush_outbox()
            self.relay.release()
            await self.broker.stop()
            await self.database.dispose()
            self.telemetry.shutdown()

    async def _flush_outbox(self, seconds: float = 5.0) -> None:
        """Send what was committed just before shutdown, if the broker answers; else it waits for next start."""
        try:
            async with asyncio.timeout(seconds):
                while await self.relay.relay_once():
                    pass
        except Exception:  # the broker is away: the rows stay in the outbox, nothing is lost
            log.warning("outbox not flushed at shutdown; it is sent at the next start")

    async def _outbox_backlog(self) -> None:
        waiting = await backlog(self.database)
        self.metrics.outbox_unsent.set(waiting.unsent)
        self.metrics.outbox_oldest_age.set(waiting.oldest_age_seconds(datetime.now(UTC)))

    async def _consumer_lag(self) -> None:
        lags = await asyncio.gather(*(consumer.lag() for consumer in self.consumers))
        self.metrics.consumer_lag.clear()  # only once every figure is in: a refresh that fails keeps the last
        for consumer, partitions in zip(self.consumers, lags, strict=True):
            for partition, lag in partitions.items():
                self.metrics.consumer_lag.labels(
                    group=consumer.group_id, topic=consumer.topic, partition=str(partition)
                ).set(lag)

    async def check_database(self) -> None:
        await self.database.ping()

    async def check_broker(self) -> None:
        if not await self.broker.ping(timeout=3.0):
            raise ConnectionError(f"Kafka at {self.settings.kafka_bootstrap_servers} does not answer")

    def describe(self) -> Mapping[str, Any]:
        return {"service": self.settings.service_name, "consumers": [c.group_id for c in self.consumers]}
