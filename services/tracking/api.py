"""Tracking's HTTP routes."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request

from services.tracking import handlers
from services.tracking.schemas import CaseDeadlines
from shared.http import PrincipalDep
from shared.runtime import ServiceRuntime

router = APIRouter(prefix="/api/v1")


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(_runtime)]


@router.get(
    "/cases/{case_id}/deadlines",
    tags=["handlers", "supervisors"],
    summary="A case's clocks and how each date was counted",
)
async def case_deadlines(case_id: UUID, runtime: RuntimeDep, principal: PrincipalDep) -> CaseDeadlines:
    return await handlers.case_deadlines(runtime, case_id, principal)
