"""The probes every service answers (`shared.http.install_common`): liveness while the process serves,
readiness once its database answers — and when it does not, a 503 that names the parts failing and
nothing internal (no address, no exception text); the log says what failed (its class, as
every log line of the project: a message can carry what was being written)."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from shared.http import install_common


def _app(*failing: str) -> FastAPI:
    app = FastAPI()

    async def check_database() -> None:
        if "database" in failing:
            raise OSError("connection refused: postgresql://civic:secret@10.0.0.7:5432/routing")

    async def check_broker() -> None:
        if "broker" in failing:
            raise ConnectionError("Kafka at 10.0.0.5:9092 does not answer")

    install_common(
        app,
        health_checks=lambda: [check_database, check_broker],
        service="routing",
    )
    return app


async def _get(app: FastAPI, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://probe") as client:
        return await client.get(path)


async def test_ready_and_live_when_everything_answers() -> None:
    app = _app()
    for path in ("/health/live", "/health/ready", "/health"):
        response = await _get(app, path)
        assert (response.status_code, response.json()) == (200, {"status": "ok", "service": "routing"}), path


async def test_not_ready_names_what_fails_and_nothing_internal(caplog: pytest.LogCaptureFixture) -> None:
    app = _app("database", "broker")
    with caplog.at_level(logging.WARNING):
        response = await _get(app, "/health/ready")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json() == {
        "status": "unavailable",
        "service": "routing",
        "failing": ["database", "broker"],
    }
    for internal in ("10.0.0.5", "10.0.0.7", "secret", "refused", "Kafka at"):
        assert internal not in response.text
    assert "broker is unavailable (ConnectionError)" in caplog.text, (
        "the operator finds what failed in the log"
    )
    assert (await _get(app, "/health")).json() == response.json()
    live = await _get(app, "/health/live")
    assert live.status_code == 200, "alive all the same: a restart would not bring the database back"


async def test_without_the_broker_still_ready_but_degraded() -> None:
    """The outbox keeps what is submitted while Kafka is away: the load balancer keeps sending letters."""
    response = await _get(_app("broker"), "/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "service": "routing", "failing": ["broker"]}
    whole = await _get(_app("broker"), "/health")
    assert whole.status_code == 503, "/health (monitoring) wants every part, the broker too"
    assert whole.json()["failing"] == ["broker"]
