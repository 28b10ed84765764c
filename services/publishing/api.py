"""Publishing's HTTP routes: what the public reads, and the admin's consultations."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from services.publishing import handlers
from services.publishing.config import PublishingSettings
from services.publishing.schemas import ConsultationCreate, ConsultationPublic, ReplyPage
from shared.http import PrincipalDep, RuntimeDep

router = APIRouter(prefix="/api/v1")


def _settings(request: Request) -> PublishingSettings:
    settings: PublishingSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[PublishingSettings, Depends(_settings)]


@router.get("/replies", tags=["public"], summary="Published replies, personal information masked")
async def list_replies(
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ReplyPage:
    return await handlers.list_replies(runtime, limit=limit, offset=offset)


@router.get("/consultations", tags=["public"], summary="Consultations, newest first")
async def list_consultations(runtime: RuntimeDep) -> list[ConsultationPublic]:
    return await handlers.list_consultations(runtime)


@router.post(
    "/consultations", status_code=201, tags=["admin"], summary="Open a public consultation (公开征求意见)"
)
async def open_consultation(
    body: ConsultationCreate, runtime: RuntimeDep, settings: SettingsDep, principal: PrincipalDep
) -> ConsultationPublic:
    return await handlers.open_consultation(runtime, body, principal, min_days=settings.min_consultation_days)


@router.post("/consultations/{consultation_id}/close", tags=["admin"], summary="Close a consultation")
async def close_consultation(
    consultation_id: UUID, runtime: RuntimeDep, principal: PrincipalDep
) -> ConsultationPublic:
    return await handlers.close_consultation(runtime, consultation_id, principal)
