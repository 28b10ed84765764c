"""``python -m services.tracking``: serve tracking on TRACKING_HOST:TRACKING_PORT; ``db upgrade`` migrates
its database; ``replay`` rebuilds the clocks from the event log (see `shared.commands`)."""

import sys

from services.tracking.app import create_app
from services.tracking.config import TrackingSettings
from services.tracking.db import SCHEMA
from services.tracking.replay import replay_plan
from shared.commands import run

if __name__ == "__main__":
    run(
        sys.argv[1:],
        settings_type=TrackingSettings,
        create_app=create_app,
        schema=SCHEMA,
        replay_plan=replay_plan,
    )
