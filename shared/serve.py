"""Run one service's ASGI app with uvicorn (the ``python -m services.<name>`` entry points)."""

from __future__ import annotations

import logging
import re

import uvicorn
from fastapi import FastAPI

from shared.logs import configure_logging
from shared.settings import ServiceSettings

__all__ = ["RedactSecretsInAccessLog", "redact_path", "serve"]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_CASE_SEGMENT = re.compile(r"(/cases/)([^/?#]+)")
_CODE_PARAM = re.compile(r"([?&]code=)[^&#]*")


def redact_path(path: str) -> str:
    """A tracking code is the citizen's key to the case: it never goes into a log. Case ids may."""
    path = _CASE_SEGMENT.sub(
        lambda m: m.group(0) if _UUID.match(m.group(2)) else f"{m.group(1)}[tracking-code]", path
    )
    return _CODE_PARAM.sub(r"\1[tracking-code]", path)


class RedactSecretsInAccessLog(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            args = list(record.args)
            args[2] = redact_path(str(args[2]))
            record.args = tuple(args)
        return True


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    configure_logging(settings.service_name, settings.log_format)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").addFilter(RedactSecretsInAccessLog())
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=True)
