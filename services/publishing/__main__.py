"""``python -m services.publishing``: serve publishing on PUBLISHING_HOST:PUBLISHING_PORT."""

from services.publishing.app import create_app
from services.publishing.config import PublishingSettings
from shared.serve import serve

if __name__ == "__main__":
    settings = PublishingSettings()
    serve(create_app(settings), settings)
