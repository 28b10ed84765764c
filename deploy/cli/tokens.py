"""``civic token``: a bearer token for the services' APIs (what ``make token`` runs)."""

from __future__ import annotations

from datetime import timedelta

import click

from deploy.cli.failures import settings_from
from shared.auth import mint_token
from shared.codes import Role
from shared.settings import ServiceSettings

__all__ = ["token"]


@click.command()
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="A role the token grants; repeat it for several.",
)
@click.option("--department", default=None, help="The department it acts for, e.g. engineering.")
@click.option(
    "--sub", default="local-user", show_default=True, help="Who it names (another for a second reviewer)."
)
@click.option("--name", default="本地用户", show_default=True, help="The name shown for it.")
@click.option("--hours", type=click.FloatRange(min=0, min_open=True), default=12, show_default=True)
def token(roles: tuple[str, ...], department: str | None, sub: str, name: str, hours: float) -> None:
    """Mint a bearer token (HS256, signed with CIVIC_JWT_SECRET) and print it.

    \b
    TOKEN=$(civic token --role handler --department engineering)
    curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8002/api/v1/tasks
    """
    secret = settings_from(ServiceSettings).jwt_key
    click.echo(
        mint_token(
            secret,
            sub=sub,
            name=name,
            roles=[Role(role) for role in roles],
            department=department,
            lifetime=timedelta(hours=hours),
        )
    )
