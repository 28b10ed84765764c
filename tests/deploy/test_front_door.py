"""The front door (`deploy.front_door`): one address reaches the portal, the public pages and every
staff page — each route of each service goes to the service that serves it — and, in front of real
services on the broker, a citizen writes in, a member of staff signs in (the session cookie comes
through), and a service that does not answer is a 503 with ``Retry-After``, never a 500."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi.routing import iter_route_contexts

from deploy.front_door import FrontDoorSettings, create_app, upstream_for
from deploy.kafka.local import create_topics
from services.intake.app import create_app as intake_app
from services.intake.config import IntakeSettings
from services.publishing.app import create_app as publishing_app
from services.publishing.config import PublishingSettings
from services.routing.app import create_app as routing_app
from services.routing.config import RoutingSettings
from services.tracking.app import create_app as tracking_app
from services.tracking.config import TrackingSettings
from shared.auth import SESSION_COOKIE, mint_token
from shared.codes import Role
from shared.topics import Topics
from tests.support.browser import served
from tests.support.services import JWT_SECRET, settings_for
from tests.support.staff import hidden_csrf

APPS: dict[str, tuple[Any, Any]] = {
    "intake": (intake_app, IntakeSettings),
    "routing": (routing_app, RoutingSettings),
    "tracking": (tracking_app, TrackingSettings),
    "publishing": (publishing_app, PublishingSettings),
}
OWN_PATHS = (
    "/health",
    "/health/live",
    "/health/ready",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/asyncapi.json",
    "/metrics",
)
"""Each service's own: reached on its own port by operators, not through the front door."""


@pytest.mark.parametrize("service", list(APPS))
def test_every_page_of_every_service_is_reached_through_the_front_door(service: str, tmp_path: Path) -> None:
    create, settings_class = APPS[service]
    app = create(
        settings_for(settings_class, "127.0.0.1:1", Topics("fd-"), f"sqlite+aiosqlite:///{tmp_path}/x.db")
    )
    paths = {context.path for context in iter_route_contexts(app.routes) if context.path} - set(OWN_PATHS)
    assert paths, service
    for path in sorted(paths):
        if path.startswith("/workbench/static/"):
            # Every service with staff pages serves the same stylesheets; the door asks routing for them.
            assert upstream_for(path) == ("routing", path), path
        elif path.startswith("/api/"):
            through = f"/api/{service}/{path[len('/api/') :]}"
            assert upstream_for(through) == (service, path), through
        elif not (service == "publishing" and path == "/"):  # publishing's "/" only leads to /open/
            assert upstream_for(path) == (service, path), f"{path} of {service}"
    assert upstream_for("/api/nothing/v1/x") is None
    assert upstream_for("/metrics") is None, "Prometheus scrapes each service on its own port"


@dataclass(frozen=True)
class Door:
    url: str


@pytest_asyncio.fixture
async def door(kafka_bootstrap: str, tmp_path: Path) -> AsyncIterator[Door]:
    """The front door before intake and routing on the broker; tracking's address answers nothing."""
    topics = Topics(f"fd{uuid.uuid4().hex[:8]}-")
    await create_topics(kafka_bootstrap, topics)

    def settings(name: str) -> Any:
        return settings_for(
            APPS[name][1], kafka_bootstrap, topics, f"sqlite+aiosqlite:///{tmp_path}/{name}.db"
        )

    async with (
        served(intake_app(settings("intake")), "intake") as intake,
        served(routing_app(settings("routing")), "routing") as routing,
    ):
        front = FrontDoorSettings(
            intake_url=intake,
            routing_url=routing,
            tracking_url="http://127.0.0.1:9",  # discard: nothing listens
            publishing_url="http://127.0.0.1:9",
        )
        async with served(create_app(front), "front door") as url:
            yield Door(url)


@pytest.mark.kafka
async def test_one_address_for_the_citizen_the_staff_and_a_service_that_is_down(door: Door) -> None:
    async with httpx.AsyncClient(base_url=door.url, timeout=30) as client:
        portal = await client.get("/")
        assert portal.status_code == 200
        assert "领导信箱" in portal.text or "信箱" in portal.text

        letter = await client.post(
            "/api/intake/v1/mailbox-messages",
            json={
                "mailbox": "director",
                "category": "咨询",
                "subject": "经统一入口写信",
                "body": "请问人防工程平时能否停车？",
                "contact": {"name": "张三丰"},
            },
        )
        assert letter.status_code == 201, letter.text
        code = letter.json()["tracking_code"]
        assert (await client.get(f"/api/intake/v1/cases/{code}")).status_code == 200

        # A member of staff signs in at the front door: the session cookie and the CSRF cookie come
        # back as routing set them, and the next page is signed in.
        form = await client.get("/workbench/login")
        assert form.status_code == 200
        token = mint_token(
            JWT_SECRET, sub="fd-handler", name="王办理", roles=[Role.HANDLER], department="engineering"
        )
        signed_in = await client.post(
            "/workbench/login/token", data={"csrf_token": hidden_csrf(form.text), "token": token}
        )
        assert signed_in.status_code == 303
        assert SESSION_COOKIE in signed_in.cookies
        inbox = await client.get("/workbench")
        assert inbox.status_code == 200
        assert "待办" in inbox.text

        for path, accept in (("/workbench/supervision", "text/html"), ("/api/tracking/v1/calendar", "*/*")):
            down = await client.get(path, headers={"Accept": accept})
            assert down.status_code == 503, path
            assert down.headers["Retry-After"] == "5"
        assert "服务暂时不可用" in (await client.get("/open/", headers={"Accept": "text/html"})).text
        assert (await client.get("/api/nobody/v1/x")).status_code == 404
