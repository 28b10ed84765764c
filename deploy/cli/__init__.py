"""``civic``: the operator's one command (``[project.scripts]``), a click group with a module per
command group. Every command reads the settings the services read, from the environment
(``KAFKA_BOOTSTRAP_SERVERS``, ``KAFKA_SECURITY_PROTOCOL``…, ``CIVIC_TOPIC_PREFIX``, ``CIVIC_TOPICS_*``,
``CIVIC_DATA_DIR``, ``<SERVICE>_DATABASE_URL``, ``CIVIC_JWT_SECRET``), and fails with one line saying
what and why (`deploy.cli.failures`).

    civic token          a bearer token                           deploy/cli/tokens.py
    civic topics …       create | describe | alter the topics     deploy/cli/topics.py
    civic dlq …          list | show | replay dead letters        deploy/cli/dead_letters.py
    civic outbox status  unsent events per service                deploy/cli/outbox.py
    civic replay S       rebuild a service from the log           deploy/cli/replay.py
    civic db …           upgrade | current the databases          deploy/cli/databases.py
    civic calendar import FILE   a year of the working calendar   deploy/cli/calendar_years.py
    civic report YEAR    the annual disclosure report             deploy/cli/report.py
"""

from __future__ import annotations

import logging

import click

from deploy.cli.calendar_years import calendar
from deploy.cli.databases import db
from deploy.cli.dead_letters import dlq
from deploy.cli.outbox import outbox
from deploy.cli.replay import replay
from deploy.cli.report import report
from deploy.cli.tokens import token
from deploy.cli.topics import topics

__all__ = ["civic", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
def civic() -> None:
    """Operate Civic Channels: tokens, topics, dead letters, outboxes, replays, database migrations,
    the working-day calendar and the annual disclosure report.

    Settings come from the environment, as the services read them: KAFKA_BOOTSTRAP_SERVERS (and
    KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*), CIVIC_TOPIC_PREFIX, CIVIC_DATA_DIR,
    <SERVICE>_DATABASE_URL, CIVIC_JWT_SECRET. A failure is one line on stderr and exit status 1."""


for command in (token, topics, dlq, outbox, replay, db, calendar, report):
    civic.add_command(command)


def main() -> None:
    # The broker client logs every failed connection; the command says once what failed, and why.
    logging.basicConfig(level=logging.WARNING, format="civic: %(message)s")
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    civic(prog_name="civic")
