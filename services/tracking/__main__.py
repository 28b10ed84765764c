"""``python -m services.tracking``: serve tracking on TRACKING_HOST:TRACKING_PORT.

``python -m services.tracking replay``: rebuild the clocks from the event log (see `replay`).
"""

import sys

from services.tracking.app import create_app
from services.tracking.config import TrackingSettings
from services.tracking.replay import main as replay
from shared.serve import serve

if __name__ == "__main__":
    if sys.argv[1:2] == ["replay"]:
        replay(sys.argv[2:])
    else:
        settings = TrackingSettings()
        serve(create_app(settings), settings)
