"""The citizen's portal: server-rendered pages in Chinese (forms, receipt, tracking)."""

from __future__ import annotations

from fastapi import APIRouter

pages = APIRouter()
