"""``python -m services.intake``: serve intake on INTAKE_HOST:INTAKE_PORT."""

from services.intake.app import create_app
from services.intake.config import IntakeSettings
from shared.serve import serve

if __name__ == "__main__":
    settings = IntakeSettings()
    serve(create_app(settings), settings)
