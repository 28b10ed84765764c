"""``python -m services.routing``: serve routing on ROUTING_HOST:ROUTING_PORT."""

from services.routing.app import create_app
from services.routing.config import RoutingSettings
from shared.serve import serve

if __name__ == "__main__":
    settings = RoutingSettings()
    serve(create_app(settings), settings)
