"""Tracking's HTTP routes."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.tracking import handlers
from services.tracking.schemas import CaseDeadlines
from shared.http import PrincipalDep, RuntimeDep

router = APIRouter(prefix="/api/v1")


@router.get(
    "/cases/{case_id}/deadlines",
    tags=["handlers", "supervisors"],
    summary="A case's clocks and how each date was counted",
)
async def case_deadlines(case_id: UUID, runtime: RuntimeDep, principal: PrincipalDep) -> CaseDeadlines:
    return await handlers.case_deadlines(runtime, case_id, principal)
