"""``python -m services.routing``: serve routing on ROUTING_HOST:ROUTING_PORT; ``db upgrade`` migrates its
database (see `shared.commands`)."""

import sys

from services.routing.app import create_app
from services.routing.config import RoutingSettings
from services.routing.db import SCHEMA
from services.routing.replay import replay_plan
from shared.commands import run

if __name__ == "__main__":
    run(
        sys.argv[1:],
        settings_type=RoutingSettings,
        create_app=create_app,
        schema=SCHEMA,
        replay_plan=replay_plan,
    )
