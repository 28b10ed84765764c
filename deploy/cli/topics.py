"""``civic topics create | describe | alter``: the Kafka topics as the settings want them
(``CIVIC_TOPICS_*``, ``CIVIC_TOPIC_PREFIX``) on the cluster the services use (``KAFKA_BOOTSTRAP_SERVERS``)."""

from __future__ import annotations

import click

from deploy.cli.columns import pad, width
from deploy.cli.failures import run, settings_from
from deploy.kafka.local import wait_for_broker
from deploy.kafka.topics import (
    TopicPlan,
    TopicState,
    create_missing_topics,
    describe_topics,
    ensure_topics,
    plan_topics,
)
from shared.settings import ClusterSettings, TopicSettings

__all__ = ["topics"]

WAIT_HELP = "Wait up to this many seconds for the broker to answer first (a job started with the cluster)."


def _plans() -> tuple[ClusterSettings, list[TopicPlan]]:
    settings = settings_from(ClusterSettings)
    return settings, plan_topics(settings.topics, settings_from(TopicSettings))


@click.group()
def topics() -> None:
    """The topics: create what is missing, compare with the settings, bring them in line."""


@topics.command()
@click.option("--wait", type=click.FloatRange(min=0), default=0, help=WAIT_HELP)
def create(wait: float) -> None:
    """Create every topic (and its .dlq) the cluster lacks, as the settings want it.

    Existing topics are left as they are; those that differ from the settings are named
    (`civic topics describe` shows how, `civic topics alter` changes them)."""
    settings, plans = _plans()
    bootstrap = settings.kafka_bootstrap_servers

    async def created_and_differing() -> tuple[list[str], list[TopicState]]:
        if wait:
            await wait_for_broker(bootstrap, timeout=wait, security=settings.kafka_security)
        created = await create_missing_topics(bootstrap, plans, security=settings.kafka_security)
        states = await describe_topics(bootstrap, plans, security=settings.kafka_security)
        return created, [s for s in states if s.plan.name not in created and s.differences()]

    created, differing = run(created_and_differing(), kafka=bootstrap)
    for name in created:
        click.echo(f"created {name}")
    for state in differing:
        click.echo(
            f"{state.plan.name} exists and differs from the settings ({', '.join(state.differences())}): "
            "civic topics alter brings it in line"
        )
    if not created and not differing:
        click.echo("every topic exists, as the settings want it")


@topics.command()
def describe() -> None:
    """Each topic's partitions, replication and configuration on the cluster beside what the settings
    want; a difference is marked with ≠. Changes nothing."""
    settings, plans = _plans()
    bootstrap = settings.kafka_bootstrap_servers
    states = run(describe_topics(bootstrap, plans, security=settings.kafka_security), kafka=bootstrap)
    click.echo("\n".join(describe_lines(states)))


@topics.command()
@click.option(
    "--add-partitions",
    is_flag=True,
    help="Also grow topics to the partitions the settings want. It moves keys to other partitions: "
    "let the consumers catch up first.",
)
@click.option("--wait", type=click.FloatRange(min=0), default=0, help=WAIT_HELP)
def alter(add_partitions: bool, wait: float) -> None:
    """Bring every topic to the settings: create what is missing and alter the configuration of what
    differs (a setting an operator added is kept), saying each change. Fewer partitions than wanted
    are only reported unless --add-partitions; a replication factor is never changed here."""
    settings, plans = _plans()
    bootstrap = settings.kafka_bootstrap_servers

    async def brought_in_line() -> list[str]:
        if wait:
            await wait_for_broker(bootstrap, timeout=wait, security=settings.kafka_security)
        report = await ensure_topics(
            bootstrap, plans, add_partitions=add_partitions, security=settings.kafka_security
        )
        return report.lines()

    lines = run(brought_in_line(), kafka=bootstrap)
    click.echo("\n".join(lines) or "every topic is as the settings want it")


def describe_lines(states: list[TopicState]) -> list[str]:
    """The table `describe` prints: per topic, a line per figure — on the cluster, in the settings."""
    rows: list[tuple[str, str, str, bool]] = []
    for state in states:
        plan = state.plan
        if not state.exists:
            wanted = f"{plan.partitions} partitions"
            rows.append((plan.name, "missing", wanted, True))
            continue
        rows.append((plan.name, "", "", False))
        figures = [
            ("partitions", str(state.partitions), str(plan.partitions)),
            ("replication factor", str(state.replication_factor), str(plan.replication_factor)),
            *((key, state.configs.get(key, "(unknown)"), value) for key, value in plan.configs.items()),
        ]
        rows += [(f"  {name}", have, want, have != want) for name, have, want in figures]
    header = ("topic", "on the cluster", "settings", False)
    widths = [max(width(cells[i]) for *cells, _ in [header, *rows]) for i in range(3)]
    lines = [_line(row, widths) for row in [header, *rows]]
    differing = sum(1 for state in states if state.differences())
    lines.append(
        f"{differing} of {len(states)} topics differ from the settings: civic topics create makes the "
        "missing ones, civic topics alter brings the others in line (partitions: --add-partitions)"
        if differing
        else f"all {len(states)} topics are as the settings want them"
    )
    return lines


def _line(row: tuple[str, str, str, bool], widths: list[int]) -> str:
    cells = [pad(cell, columns) for cell, columns in zip(row[:3], widths, strict=True)]
    return ("  ".join(cells) + ("  ≠" if row[3] else "")).rstrip()
