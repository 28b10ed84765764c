"""Kafka security from settings against a real broker: SASL_SSL with SCRAM-SHA-512, mutual TLS, and
OAUTHBEARER with tokens from an identity provider's token endpoint.

One broker for the module (`deploy.kafka.local.SecuredListeners`), beside the session's plain one: its
SASL_SSL listener takes SCRAM users and OAUTHBEARER (Kafka's unsecured validator: unsigned JWTs, whose
``sub`` and ``exp`` it checks), its SSL listener wants a client certificate; both present a
certificate from a CA made for the broker.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from deploy.kafka.local import LocalKafka, SecuredListeners, create_topics, wait_for_broker
from deploy.kafka.tls import make_authority
from shared.codes import Channel
from shared.dead_letters import list_dead_letters
from shared.events import CaseAssigned, CaseClosed, Envelope, EventPayload, new_event
from shared.kafka_security import KafkaAccessRefused, check_access
from shared.migrations import ServiceSchema
from shared.runtime import ServiceRuntime
from shared.settings import KafkaSecurity, ServiceSettings
from shared.topics import CASE_EVENTS, Topics
from tests.support.kafka import RawProducer, TopicReader
from tests.support.token_endpoint import TokenEndpoint

pytestmark = pytest.mark.kafka

RELAY = "civic-relay"
RELAY_PASSWORD = "relay-pw-5Jc2"
WRONG_PASSWORD = "not-the-relay-pw-8Qd1"
OAUTH_CLIENT, OAUTH_SECRET = "civic-intake", "intake-client-secret-3Lw9"
EXPIRED_CLIENT = "civic-expired"


class SecuredTally(SQLModel, table=True):
    __tablename__ = "test_secured_tally"

    case_id: str = Field(primary_key=True)
    count: int


IDP = TokenEndpoint(
    clients={OAUTH_CLIENT: OAUTH_SECRET, EXPIRED_CLIENT: "expired-secret"}, expired={EXPIRED_CLIENT}
)


@pytest_asyncio.fixture(scope="module")
async def kafka(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalKafka]:
    broker = LocalKafka(
        tmp_path_factory.mktemp("secured-kafka"), secured=SecuredListeners(users={RELAY: RELAY_PASSWORD})
    )
    await asyncio.to_thread(broker.start)
    try:
        await broker.wait_ready()
        yield broker
    finally:
        await asyncio.to_thread(broker.stop)


@pytest_asyncio.fixture(scope="module")
async def token_url() -> AsyncIterator[str]:
    async with IDP.served() as url:
        yield url


def scram(kafka: LocalKafka, password: str = RELAY_PASSWORD) -> KafkaSecurity:
    return KafkaSecurity(
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username=RELAY,
        sasl_password=password,
        ssl_ca_file=kafka.tls.ca,
    )


def oauthbearer(
    kafka: LocalKafka, token_url: str, client: str = OAUTH_CLIENT, secret: str = OAUTH_SECRET
) -> KafkaSecurity:
    return KafkaSecurity(
        security_protocol="SASL_SSL",
        sasl_mechanism="OAUTHBEARER",
        oauth_token_url=token_url,
        oauth_client_id=client,
        oauth_client_secret=secret,
        oauth_scope="kafka",
        ssl_ca_file=kafka.tls.ca,
    )


def assigned(case_id: UUID) -> CaseAssigned:
    return CaseAssigned(
        case_id=case_id,
        channel=Channel.MAILBOX,
        department_id="engineering",
        department_name="人防工程管理处",
        reason="test",
        assigned_on=date(2026, 12, 1),
    )


async def close_it(session: AsyncSession, _envelope: Envelope, payload: EventPayload) -> list[EventPayload]:
    """A use case: counts the assignment and emits the case's closing, which the outbox relay sends."""
    row = await session.get(SecuredTally, payload.subject()) or SecuredTally(
        case_id=payload.subject(), count=0
    )
    row.count += 1
    session.add(row)
    assert isinstance(payload, CaseAssigned)
    return [CaseClosed(case_id=payload.case_id, closed_on=date(2026, 12, 2))]


def runtime_for(bootstrap: str, security: KafkaSecurity, topics: Topics, tmp_path: Path) -> ServiceRuntime:
    settings = ServiceSettings(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        kafka_security=security,
        CIVIC_TOPIC_PREFIX=topics.prefix,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'secured.db'}",
        service_name="secured",
        consumer_backoff_seconds=0.05,
    )
    runtime = ServiceRuntime(settings, ServiceSchema("secured", [SecuredTally], None))
    runtime.consume("secured-closer", CASE_EVENTS, {CaseAssigned: close_it})
    return runtime


@asynccontextmanager
async def clients(
    bootstrap: str, security: KafkaSecurity, topic: str
) -> AsyncIterator[tuple[RawProducer, TopicReader]]:
    producer = await RawProducer(bootstrap, security=security).start()
    reader = await TopicReader(bootstrap, topic, security=security).start()
    try:
        yield producer, reader
    finally:
        await reader.stop()
        await producer.stop()


async def round_trip(bootstrap: str, security: KafkaSecurity, tmp_path: Path) -> ServiceRuntime:
    """Topics made by the admin client; an event in, consumed by a service, its consequence sent by the
    outbox relay and read back — every client over ``security``."""
    topics = Topics(f"sec{uuid.uuid4().hex[:8]}-")
    created = await create_topics(bootstrap, topics, security=security)
    assert topics.case_events in created
    case_id = uuid4()
    async with clients(bootstrap, security, topics.case_events) as (producer, reader):
        runtime = runtime_for(bootstrap, security, topics, tmp_path)
        async with runtime.running():
            await producer.send_event(topics.case_events, new_event(assigned(case_id), source="/tests"))
            (closed,) = await reader.wait_for_event(str(case_id), CaseClosed.event_type, timeout=45)
            assert closed.source == "/civic/secured", "sent by the service's outbox relay"
            async with runtime.database.session() as session:
                tally = await session.get(SecuredTally, str(case_id))
            assert tally is not None
            assert tally.count == 1
    return runtime


# --- SASL_SSL with SCRAM-SHA-512 -------------------------------------------------------------------


async def test_a_service_sends_and_receives_over_sasl_ssl_with_scram(
    kafka: LocalKafka, tmp_path: Path
) -> None:
    security = scram(kafka)
    runtime = await round_trip(kafka.secure_bootstrap_servers, security, tmp_path)
    # the operator's dead-letter tooling reads over the same settings (nothing dead-lettered here)
    assert await list_dead_letters(kafka.secure_bootstrap_servers, runtime.topics, security=security) == []


async def test_a_wrong_password_is_refused_at_once_saying_why_and_never_showing_it(
    kafka: LocalKafka, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = scram(kafka, WRONG_PASSWORD)
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    with pytest.raises(KafkaAccessRefused) as refused:
        await wait_for_broker(kafka.secure_bootstrap_servers, security=wrong, timeout=60)
    assert time.monotonic() - started < 20, "a refusal is not waited out"
    said = str(refused.value)
    assert "SASL_SSL SCRAM-SHA-512 as civic-relay" in said
    assert "invalid credentials" in said

    topics = Topics(f"sec{uuid.uuid4().hex[:8]}-")
    with pytest.raises(KafkaAccessRefused, match="invalid credentials"):
        async with runtime_for(kafka.secure_bootstrap_servers, wrong, topics, tmp_path).running():
            pytest.fail("the service started with a wrong password")
    shown = [said, *(record.getMessage() for record in caplog.records)]
    assert not [line for line in shown if WRONG_PASSWORD in line or RELAY_PASSWORD in line]


# --- TLS ----------------------------------------------------------------------------------------------


async def test_the_brokers_certificate_is_verified_against_the_ca(kafka: LocalKafka, tmp_path: Path) -> None:
    foreign = tmp_path / "another-ca.pem"
    foreign.write_bytes(
        make_authority("Someone else's CA").certificate.public_bytes(serialization.Encoding.PEM)
    )
    for ca_file, against in ((foreign, f"KAFKA_SSL_CA_FILE={foreign}"), (None, "the system's CAs")):
        security = scram(kafka).model_copy(update={"ssl_ca_file": ca_file})
        with pytest.raises(KafkaAccessRefused) as refused:
            await check_access(kafka.secure_bootstrap_servers, security)
        assert f"its certificate does not verify against {against}" in str(refused.value)
    await check_access(kafka.secure_bootstrap_servers, scram(kafka))  # the broker's own CA: accepted


async def test_mutual_tls_wants_the_client_certificate(kafka: LocalKafka, tmp_path: Path) -> None:
    anonymous = KafkaSecurity(security_protocol="SSL", ssl_ca_file=kafka.tls.ca)
    with pytest.raises(KafkaAccessRefused, match="does it want a client certificate"):
        await check_access(kafka.mtls_bootstrap_servers, anonymous)
    known = KafkaSecurity(
        security_protocol="SSL",
        ssl_ca_file=kafka.tls.ca,
        ssl_cert_file=kafka.tls.client_cert,
        ssl_key_file=kafka.tls.client_key,
    )
    topics = Topics(f"sec{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka.mtls_bootstrap_servers, topics, security=known)
    async with clients(kafka.mtls_bootstrap_servers, known, topics.case_events) as (producer, reader):
        sent = await producer.send_payloads(topics.case_events, [assigned(uuid4())])
        await reader.wait_for_event(sent[0].subject, CaseAssigned.event_type)


# --- OAUTHBEARER ------------------------------------------------------------------------------------


async def test_a_service_sends_and_receives_with_oauthbearer_tokens(
    kafka: LocalKafka, token_url: str, tmp_path: Path
) -> None:
    security = oauthbearer(kafka, token_url)
    before = len(IDP.grants)
    await round_trip(kafka.secure_bootstrap_servers, security, tmp_path)
    # one token each for the admin client, the raw producer, the reader and the service's check at
    # start; ONE for the service's broker, whose producer (the relay) and consumer share it over all
    # their connections
    assert IDP.grants[before:] == [OAUTH_CLIENT] * 5


async def test_a_token_the_provider_refuses_or_the_broker_rejects_is_said(
    kafka: LocalKafka, token_url: str
) -> None:
    wrong = oauthbearer(kafka, token_url, secret=WRONG_PASSWORD)
    with pytest.raises(KafkaAccessRefused) as refused:
        await wait_for_broker(kafka.secure_bootstrap_servers, security=wrong, timeout=60)
    assert "refused client civic-intake: HTTP 401 (invalid_client" in str(refused.value)
    assert WRONG_PASSWORD not in str(refused.value)

    # the endpoint gives this client tokens that expired a minute ago: the broker checks what it is sent
    expired = oauthbearer(kafka, token_url, client=EXPIRED_CLIENT, secret="expired-secret")
    with pytest.raises(KafkaAccessRefused, match="the broker rejects the token"):
        await check_access(kafka.secure_bootstrap_servers, expired)
    await check_access(kafka.secure_bootstrap_servers, oauthbearer(kafka, token_url))  # a good one: in
