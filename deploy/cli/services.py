"""The four services as the operator's commands see them: each one's settings (read from the
environment exactly as the service reads them: ``INTAKE_DATABASE_URL``, ``CIVIC_DATA_DIR``, …), its
schema and its replay plan. A service's code is imported only when a command needs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from deploy.cli.failures import settings_from
from shared.migrations import ServiceSchema
from shared.replay import ReplayPlan
from shared.settings import ServiceSettings

__all__ = ["SERVICES", "Service", "ServiceNames", "no_database", "service", "services"]

SERVICES = ("intake", "routing", "tracking", "publishing")


@dataclass(frozen=True)
class Service:
    name: str
    settings: ServiceSettings
    schema: ServiceSchema
    replay_plan: Callable[[], ReplayPlan]
    """Imports the service's replay code (its whole app) only when called."""


def _intake() -> Service:
    from services.intake.config import IntakeSettings
    from services.intake.db import SCHEMA

    settings = settings_from(IntakeSettings)

    def plan() -> ReplayPlan:
        from services.intake.replay import replay_plan

        return replay_plan(settings)

    return Service("intake", settings, SCHEMA, plan)


def _routing() -> Service:
    from services.routing.config import RoutingSettings
    from services.routing.db import SCHEMA

    settings = settings_from(RoutingSettings)

    def plan() -> ReplayPlan:
        from services.routing.replay import replay_plan

        return replay_plan(settings)

    return Service("routing", settings, SCHEMA, plan)


def _tracking() -> Service:
    from services.tracking.config import TrackingSettings
    from services.tracking.db import SCHEMA

    settings = settings_from(TrackingSettings)

    def plan() -> ReplayPlan:
        from services.tracking.replay import replay_plan

        return replay_plan(settings)

    return Service("tracking", settings, SCHEMA, plan)


def _publishing() -> Service:
    from services.publishing.config import PublishingSettings
    from services.publishing.db import SCHEMA

    settings = settings_from(PublishingSettings)

    def plan() -> ReplayPlan:
        from services.publishing.replay import replay_plan

        return replay_plan(settings)

    return Service("publishing", settings, SCHEMA, plan)


_LOADERS: dict[str, Callable[[], Service]] = {
    "intake": _intake,
    "routing": _routing,
    "tracking": _tracking,
    "publishing": _publishing,
}


def service(name: str) -> Service:
    return _LOADERS[name]()


def services(names: tuple[str, ...]) -> list[Service]:
    """The services named (each once, in the order given), or all four when none is."""
    return [service(name) for name in dict.fromkeys(names or SERVICES)]


ServiceNames = click.Choice(SERVICES)
"""A click parameter type: one of the four services' names."""


def no_database(service: Service, missing: Path) -> str:
    """Why there is nothing to read: the SQLite file the settings name does not exist."""
    return (
        f"no database at {missing} (CIVIC_DATA_DIR, or {service.name.upper()}_DATABASE_URL, says where it is; "
        f"civic db upgrade {service.name} makes it)"
    )
