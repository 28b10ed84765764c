"""``python -m services.intake``: serve intake on INTAKE_HOST:INTAKE_PORT; ``db upgrade`` migrates its
database (see `shared.commands`)."""

import sys

from services.intake.app import create_app
from services.intake.config import IntakeSettings
from services.intake.db import SCHEMA
from services.intake.replay import replay_plan
from shared.commands import run

if __name__ == "__main__":
    run(
        sys.argv[1:],
        settings_type=IntakeSettings,
        create_app=create_app,
        schema=SCHEMA,
        replay_plan=replay_plan,
    )
