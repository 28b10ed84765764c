"""``python -m services.publishing``: serve publishing on PUBLISHING_HOST:PUBLISHING_PORT; ``db upgrade`` migrates its
database (see `shared.commands`)."""

import sys

from services.publishing.app import create_app
from services.publishing.config import PublishingSettings
from services.publishing.db import SCHEMA
from services.publishing.replay import replay_plan
from shared.commands import run

if __name__ == "__main__":
    run(
        sys.argv[1:],
        settings_type=PublishingSettings,
        create_app=create_app,
        schema=SCHEMA,
        replay_plan=replay_plan,
    )
