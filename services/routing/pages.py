"""The handler's workbench: server-rendered pages in Chinese (inbox, case page with its actions)."""

from __future__ import annotations

from fastapi import APIRouter

pages = APIRouter()
