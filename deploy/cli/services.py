"""The four services as the operator's commands see them: each one's settings (read from the
environment exactly as the service reads them: ``INTAKE_DATABASE_URL``, ``CIVIC_DATA_DIR``, …), its
schema and its replay plan. A service's code is imported only when a command needs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
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


SETTINGS_CLASSES = {
    "intake": "IntakeSettings",
    "routing": "RoutingSettings",
    "tracking": "TrackingSettings",
    "publishing": "PublishingSettings",
}
"""Each service's settings class, in ``services.<name>.config``."""


def service(name: str) -> Service:
    package = f"services.{name}"
    settings_type: type[ServiceSettings] = getattr(import_module(f"{package}.config"), SETTINGS_CLASSES[name])
    settings = settings_from(settings_type)
    schema: ServiceSchema = import_module(f"{package}.db").SCHEMA

    def plan() -> ReplayPlan:
        replay_plan: Callable[[ServiceSettings], ReplayPlan] = import_module(f"{package}.replay").replay_plan
        return replay_plan(settings)

    return Service(name, settings, schema, plan)


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
