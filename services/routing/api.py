"""Routing's HTTP routes: the handler workbench."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from services.routing import handlers
from services.routing.schemas import ActionResult, DepartmentPublic, ReplyCreate, TaskPublic
from shared.http import PrincipalDep, RuntimeDep

router = APIRouter(prefix="/api/v1")


@router.get("/departments", tags=["handlers"], summary="Departments of the office")
async def list_departments(runtime: RuntimeDep) -> list[DepartmentPublic]:
    return await handlers.list_departments(runtime)


@router.get("/tasks", tags=["handlers"], summary="The caller's department inbox, soonest due first")
async def list_tasks(
    runtime: RuntimeDep, principal: PrincipalDep, state: Annotated[str | None, Query(max_length=30)] = None
) -> list[TaskPublic]:
    return await handlers.list_tasks(runtime, principal, state=state)


@router.post("/cases/{case_id}/reply", tags=["handlers"], summary="Reply to a case (答复)")
async def reply(
    case_id: UUID, body: ReplyCreate, runtime: RuntimeDep, principal: PrincipalDep
) -> ActionResult:
    return await handlers.reply(runtime, case_id, body, principal)
