"""Run one service in-process (its real lifespan: database, broker, consumers, relay) for integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import SQLModel, select

from shared.auth import mint_token
from shared.codes import Role
from shared.events import Envelope, decode_event, encode_event
from shared.outbox import OutboxMessage
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.topics import Topics

JWT_SECRET = "integration-test-secret-at-least-32-bytes-long"

S = TypeVar("S", bound=ServiceSettings)


def settings_for(cls: type[S], bootstrap: str, topics: Topics, database_url: str, **overrides: Any) -> S:
    return cls(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        CIVIC_TOPIC_PREFIX=topics.prefix,
        CIVIC_JWT_SECRET=JWT_SECRET,
        database_url=database_url,
        outbox_poll_seconds=0.2,
        consumer_backoff_seconds=0.05,
        **overrides,
    )


@asynccontextmanager
async def in_process(
    create_app: Callable[[S], FastAPI], settings: S
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, app.state.runtime


def bearer(*roles: Role, department: str | None = None, sub: str = "tester") -> dict[str, str]:
    token = mint_token(JWT_SECRET, sub=sub, name="测试用户", roles=roles, department=department)
    return {"Authorization": f"Bearer {token}"}


async def count_rows(runtime: ServiceRuntime, table: type[SQLModel]) -> int:
    async with runtime.database.session() as session:
        return int((await session.exec(select(func.count()).select_from(table))).one())


async def outbox_rows(runtime: ServiceRuntime) -> int:
    return await count_rows(runtime, OutboxMessage)


def assert_error(response: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    if field is not None:
        fields = {detail["field"] for detail in error["details"]}
        assert field in fields, f"{field} not among {fields}"


async def open_event(runtime: ServiceRuntime, envelope: Envelope) -> dict[str, Any]:
    """An event's data as it was written: its personal fields opened with the case's key (the wire
    carries them sealed, `shared.sealing`)."""
    assert runtime.keyring is not None, f"{runtime.source} keeps no keys"
    _, payload = decode_event(encode_event(envelope))
    async with runtime.database.session() as session:
        opened = await runtime.keyring.open(session, envelope, payload)
    data: dict[str, Any] = opened.model_dump(mode="json")
    return data
