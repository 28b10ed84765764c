"""``civic replay SERVICE``: rebuild a service's state from the event log (`shared.replay`)."""

from __future__ import annotations

import click

from deploy.cli.failures import CommandFailed, run
from deploy.cli.services import ServiceNames, service
from shared.replay import ReplayRefused
from shared.replay import replay as replay_service

__all__ = ["replay"]


@click.command()
@click.argument("name", metavar="SERVICE", type=ServiceNames)
def replay(name: str) -> None:
    """Rebuild SERVICE's state from the event log, from offset 0, into fresh tables swapped in at the
    end: a failure half-way leaves the old state untouched. Publishes nothing.

    Stop every instance of the service first: the replay refuses to start while its consumer groups
    have members, while its outbox holds unsent events, or when a partition was trimmed. What the
    service had not processed yet is left for it to process when it starts."""
    chosen = service(name)
    settings = chosen.settings
    try:
        run(
            replay_service(chosen.replay_plan(), settings, progress=click.echo),
            kafka=settings.kafka_bootstrap_servers,
            database=settings.resolved_database_url,
        )
    except ReplayRefused as refusal:
        raise CommandFailed(f"replay of {name} refused: {refusal}") from None
