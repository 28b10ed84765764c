"""``civic calendar import FILE``: a year of tracking's working-day calendar (工作日历), stored the way
an admin stores it on ``/workbench/calendar``.

It goes through tracking's own route, ``PUT /api/v1/calendar/{year}``, with an admin token minted
from ``CIVIC_JWT_SECRET``: one path for every way a year gets in (the page, the API, this command) —
the same checks, the same audit of who stored it, and ``calendar.updated`` announced by the running
service's outbox, on which every open clock counting through the year is counted again. Tracking must
be running; the command needs neither its database nor the broker.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import httpx

from deploy.cli.calendar_file import CalendarFileError, read_calendar_file
from deploy.cli.failures import CommandFailed
from deploy.cli.services import service
from services.tracking.schemas import CalendarYearPublic, CalendarYearUpdate
from shared.auth import mint_token
from shared.codes import Role

__all__ = ["calendar"]

TIMEOUT_S = 60.0
"""Storing a year waits for its transaction only; the recount runs after, on the event."""
ANY_ADDRESS = ("", "0.0.0.0", "::")
"""Tracking listening on every address is asked on loopback."""


@click.group()
def calendar() -> None:
    """Tracking's working-day calendar: holidays and 调休 per year."""


@calendar.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default=None, help="Where the dates come from, e.g. the notice's number.")
@click.option(
    "--status",
    type=click.Choice(["announced", "provisional"]),
    default=None,
    help="announced (the notice is out; the default for CSV) or provisional.",
)
@click.option(
    "--url",
    default=None,
    help="Tracking's address; default http://TRACKING_HOST:TRACKING_PORT (127.0.0.1:8003).",
)
def import_(file: Path, source: str | None, status: str | None, url: str | None) -> None:
    """Store one year of the calendar from FILE (.csv or .json) through tracking's API, as an admin does
    on /workbench/calendar: tracking announces calendar.updated and counts every open clock through the
    year again. Tracking must be running. A file that does not fit is refused, naming the line or field.

    \b
    FILE as CSV: one date a line with its kind, holiday (休) or workday (班, a weekend day worked);
    a header, blank lines and # comments allowed, a third column ignored; one year a file:
        date,kind,note
        2027-01-01,holiday,元旦
        2027-02-14,workday,春节调休
    FILE as JSON: the body of PUT /api/v1/calendar/{year} with the year (GET's answer reads back):
        {"year": 2027, "holidays": ["2027-01-01"], "extra_workdays": ["2027-02-14"],
         "status": "announced", "source": "国办发明电〔2026〕X号"}
    """
    try:
        found = read_calendar_file(file)
    except CalendarFileError as refused:
        raise CommandFailed(str(refused)) from None
    body = CalendarYearUpdate.model_validate(
        {
            **found.body.model_dump(),
            "source": source or found.body.source or f"civic calendar import {file.name}",
            **({"status": status} if status else {}),
        }
    )
    tracking = service("tracking").settings
    address = (url or _address(tracking.host, tracking.port)).rstrip("/")
    admin = mint_token(
        tracking.jwt_key,
        sub="civic-cli",
        name="civic calendar import",
        roles=[Role.ADMIN],
        lifetime=timedelta(minutes=5),
    )
    try:
        response = httpx.put(
            f"{address}/api/v1/calendar/{found.year}",
            json=body.model_dump(mode="json"),
            headers={"Authorization": f"Bearer {admin}"},
            timeout=TIMEOUT_S,
        )
    except httpx.HTTPError as exc:
        raise CommandFailed(
            f"tracking at {address} is unreachable ({type(exc).__name__}): is it running? "
            "--url, or TRACKING_HOST and TRACKING_PORT, say where it is"
        ) from None
    if response.status_code != 200:
        raise CommandFailed(f"tracking refused the {found.year} calendar: {_refusal(response)}")
    stored = CalendarYearPublic.model_validate(response.json())
    click.echo(
        f"stored {stored.year} as revision {stored.revision}: {len(stored.holidays)} holidays, "
        f"{len(stored.extra_workdays)} weekend working days, {stored.status}, source {stored.source}; "
        "tracking announces calendar.updated and counts the open clocks through it again"
    )


def _address(host: str, port: int) -> str:
    if host in ANY_ADDRESS:
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _refusal(response: httpx.Response) -> str:
    """What tracking's error body says (``{"error": {"code", "message", "details"}}``), else the status."""
    try:
        error: Any = response.json()["error"]
        said = f"{error['message']}"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}"
    if response.status_code == 401:
        said += " (is CIVIC_JWT_SECRET the one tracking has?)"
    return f"HTTP {response.status_code}: {said}"
