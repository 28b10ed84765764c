"""``civic dlq list | show | replay``: dead letters (死信) from the command line (`shared.dead_letters`);
the same as the admins' page ``/workbench/dead-letters``."""

from __future__ import annotations

import click

from deploy.cli.failures import CommandFailed, run, settings_from
from shared.dead_letters import dead_letter, list_dead_letters, replay_dead_letters, topic_spec
from shared.settings import ClusterSettings
from shared.topics import ALL_TOPICS

__all__ = ["dlq"]

TopicNames = click.Choice([spec.name for spec in ALL_TOPICS])


@click.group()
def dlq() -> None:
    """Dead letters: the events a consumer could not apply, kept in <topic>.dlq with why."""


@dlq.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
def list_(limit: int) -> None:
    """Every topic's dead letters, the newest first: topic, partition, offset (what `show` takes),
    when, the event's type, waiting or replayed, and why it failed."""
    settings = settings_from(ClusterSettings)
    bootstrap = settings.kafka_bootstrap_servers
    letters = run(
        list_dead_letters(bootstrap, settings.topics, limit=limit, security=settings.kafka_security),
        kafka=bootstrap,
    )
    for letter in letters:
        state = "replayed" if letter.replayed else "waiting"
        click.echo(
            f"{letter.topic} {letter.partition} {letter.offset}  {letter.at:%Y-%m-%d %H:%M:%S}  "
            f"{letter.event_type}  {state}  {letter.error[:100]}"
        )
    if not letters:
        click.echo("no dead letters")


@dlq.command()
@click.argument("topic", type=TopicNames)
@click.argument("partition", type=click.IntRange(min=0))
@click.argument("offset", type=click.IntRange(min=0))
def show(topic: str, partition: int, offset: int) -> None:
    """One dead letter: what it was, which consumer gave up on it after how many attempts and why,
    and its body (personal fields sealed, as in the log).

    \b
    civic dlq show case-events 0 12
    """
    settings = settings_from(ClusterSettings)
    bootstrap = settings.kafka_bootstrap_servers
    found = run(
        dead_letter(bootstrap, settings.topics, topic, partition, offset, security=settings.kafka_security),
        kafka=bootstrap,
    )
    if found is None:
        raise CommandFailed(f"no dead letter of {topic} at partition {partition}, offset {offset}")
    click.echo(f"{found.event_type} {found.event_id} ({found.subject}), {found.at:%Y-%m-%d %H:%M:%S}")
    click.echo(f"consumer {found.consumer}, {found.attempts} attempts: {found.error}\n\n{found.body}")


@dlq.command()
@click.argument("topic", type=TopicNames)
def replay(topic: str) -> None:
    """Publish the dead letters of TOPIC not replayed yet back to it, each with its key, once the cause
    is fixed. Replaying twice replays nothing twice; a consumer that had applied an event ignores it."""
    settings = settings_from(ClusterSettings)
    bootstrap = settings.kafka_bootstrap_servers
    count = run(
        replay_dead_letters(bootstrap, settings.topics, topic, security=settings.kafka_security),
        kafka=bootstrap,
    )
    click.echo(f"replayed {count} dead letter(s) to {settings.topics.name(topic_spec(topic))}")
