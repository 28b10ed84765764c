"""Run one service's ASGI app with uvicorn (the ``python -m services.<name>`` entry points)."""

from __future__ import annotations

import logging

import uvicorn
from fastapi import FastAPI

from shared.settings import ServiceSettings


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s {settings.service_name} %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=True)
