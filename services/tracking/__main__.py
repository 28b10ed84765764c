"""``python -m services.tracking``: serve tracking on TRACKING_HOST:TRACKING_PORT."""

from services.tracking.app import create_app
from services.tracking.config import TrackingSettings
from shared.serve import serve

if __name__ == "__main__":
    settings = TrackingSettings()
    serve(create_app(settings), settings)
