"""Intake's HTTP routes: validate, call one use case, return."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.intake import erasure, handlers, notice_shelf, questions
from services.intake.schemas import (
    ApplicantNoticePublic,
    CaseStatusPublic,
    CommentCreate,
    DisclosureRequestCreate,
    ErasureCreate,
    ErasurePublic,
    FollowUpAccepted,
    MailboxMessageCreate,
    MailboxPublic,
    QuestionCreate,
    RatingCreate,
    Receipt,
    SupplementCreate,
)
from shared.auth import Principal, verify_token
from shared.codes import Role
from shared.http import TOKEN_REQUIRED, Access, PrincipalDep, RuntimeDep, guarded_by
from shared.notice_documents import PRIVATE_DOCUMENT
from shared.openapi import errors

ACCESS: Access = {
    "GET /api/v1/mailboxes": None,
    "POST /api/v1/mailbox-messages": None,
    "POST /api/v1/consultations/{consultation_id}/comments": None,
    "POST /api/v1/disclosure-requests": None,
    "POST /api/v1/interviews/{interview_id}/questions": None,
    "GET /api/v1/cases/{tracking_code}": None,
    "POST /api/v1/cases/{tracking_code}/supplement": None,
    "POST /api/v1/cases/{tracking_code}/rating": None,
    "GET /api/v1/cases/{tracking_code}/notices": None,
    "GET /api/v1/cases/{tracking_code}/notices/{notice_id}.html": None,
    "GET /api/v1/cases/{tracking_code}/notices/{notice_id}.pdf": None,
    "POST /api/v1/erasures": (Role.ADMIN,),
    "GET /api/v1/erasures": (Role.ADMIN,),
}
"""Citizens need no account: the tracking code is their key; registry staff add how a letter came
(checked by the use case: ``received_via`` and ``received_at`` need the ``staff`` role)."""

router = APIRouter(prefix="/api/v1", dependencies=[guarded_by(ACCESS)])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
_optional_bearer = HTTPBearer(auto_error=False)


def _optional_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
) -> Principal | None:
    """Citizens need no account; registry staff send a token."""
    if credentials is None:
        return None
    key: str = request.app.state.jwt_key
    return verify_token(key, credentials.credentials)


OptionalPrincipal = Annotated[Principal | None, Depends(_optional_principal)]
TOKEN_OPTIONAL: dict[str, object] = {"security": [{}]}
"""``openapi_extra`` of a route that takes a token but needs none: FastAPI states the bearer scheme, and
this adds the empty requirement — no token at all — beside it."""
SUBMISSION = errors(
    401,
    429,
    forbidden="`received_via` or `received_at` without the `staff` role",
    conflict="this `Idempotency-Key` was used with a different body",
)
"""What a citizen's submission can be refused with, besides the rules each route names."""


@router.get("/mailboxes", tags=["citizens"], summary="The mailboxes a citizen can write to")
async def list_mailboxes(runtime: RuntimeDep) -> list[MailboxPublic]:
    return await handlers.list_mailboxes(runtime)


@router.post(
    "/mailbox-messages",
    status_code=201,
    tags=["citizens"],
    summary="Write to a mailbox (一事一信)",
    responses=SUBMISSION
    | errors(validation_error="an unknown mailbox, a category it does not take, a receipt date to come"),
    openapi_extra=TOKEN_OPTIONAL,
)
async def submit_mailbox_message(
    body: MailboxMessageCreate,
    runtime: RuntimeDep,
    principal: OptionalPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Receipt:
    return await handlers.submit_mailbox_message(
        runtime, body, idempotency_key=idempotency_key, principal=principal
    )


@router.post(
    "/consultations/{consultation_id}/comments",
    status_code=201,
    tags=["citizens"],
    summary="Comment on a draft under public consultation",
    responses=SUBMISSION
    | errors(
        not_found="no such consultation",
        conflict="the consultation is closed or not yet open; or the `Idempotency-Key` was used with "
        "a different body",
        validation_error="a receipt date to come",
    ),
    openapi_extra=TOKEN_OPTIONAL,
)
async def submit_comment(
    consultation_id: UUID,
    body: CommentCreate,
    runtime: RuntimeDep,
    principal: OptionalPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Receipt:
    return await handlers.submit_comment(
        runtime, consultation_id, body, idempotency_key=idempotency_key, principal=principal
    )


@router.post(
    "/interviews/{interview_id}/questions",
    status_code=201,
    tags=["citizens"],
    summary="Send a question for an online interview (在线访谈) before or while it runs",
    responses=SUBMISSION
    | errors(
        not_found="no such interview",
        conflict="the interview takes no more questions; or the `Idempotency-Key` was used with a "
        "different body",
        validation_error="`notify_by` without the address it needs, a receipt date to come",
    ),
    openapi_extra=TOKEN_OPTIONAL,
)
async def submit_question(
    interview_id: UUID,
    body: QuestionCreate,
    runtime: RuntimeDep,
    principal: OptionalPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Receipt:
    return await questions.submit_question(
        runtime, interview_id, body, idempotency_key=idempotency_key, principal=principal
    )


@router.post(
    "/disclosure-requests",
    status_code=201,
    tags=["citizens", "registry staff"],
    summary="Apply for government information (依申请公开)",
    responses=SUBMISSION
    | errors(validation_error="what OGI Art. 29 requires of the applicant, a receipt date to come"),
    openapi_extra=TOKEN_OPTIONAL,
)
async def submit_disclosure_request(
    body: DisclosureRequestCreate,
    runtime: RuntimeDep,
    principal: OptionalPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Receipt:
    return await handlers.submit_disclosure_request(
        runtime, body, principal=principal, idempotency_key=idempotency_key
    )


@router.get(
    "/cases/{tracking_code}",
    tags=["citizens"],
    summary="Follow a case by its tracking code",
    responses=errors(404, 429),
)
async def get_case_status(tracking_code: str, runtime: RuntimeDep) -> CaseStatusPublic:
    return await handlers.case_status(runtime, tracking_code)


@router.post(
    "/cases/{tracking_code}/supplement",
    status_code=201,
    tags=["citizens"],
    summary="Send the supplement (补正材料) the office asked for",
    responses=errors(404, 429, conflict="no supplement was asked for, or it was already sent"),
)
async def send_supplement(
    tracking_code: str, body: SupplementCreate, runtime: RuntimeDep
) -> FollowUpAccepted:
    return await handlers.followed_up(
        runtime, handlers.send_supplement, handlers.FollowUp(tracking_code, body)
    )


@router.post(
    "/cases/{tracking_code}/rating",
    status_code=201,
    tags=["citizens"],
    summary="Rate the reply (满意度评价), once per reply",
    responses=errors(404, 429, conflict="no reply yet, or this reply is rated already"),
)
async def rate_reply(tracking_code: str, body: RatingCreate, runtime: RuntimeDep) -> FollowUpAccepted:
    return await handlers.followed_up(runtime, handlers.rate_reply, handlers.FollowUp(tracking_code, body))


@router.get(
    "/cases/{tracking_code}/notices",
    tags=["citizens"],
    summary="The formal notices on a disclosure request (告知书), by its tracking code",
    responses=errors(404, 429),
)
async def list_notices(tracking_code: str, runtime: RuntimeDep) -> list[ApplicantNoticePublic]:
    return await notice_shelf.notices_of(runtime, tracking_code)


@router.get(
    "/cases/{tracking_code}/notices/{notice_id}.html",
    tags=["citizens"],
    summary="Read a notice; the first download is its delivery online (网上送达)",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}, "description": "The notice"}, **errors(404, 429)},
)
async def read_notice(tracking_code: str, notice_id: UUID, runtime: RuntimeDep) -> HTMLResponse:
    request = notice_shelf.NoticeDownload(tracking_code, str(notice_id))
    page = await notice_shelf.serve_notice(runtime, request, pdf=False)
    return HTMLResponse(str(page), headers=PRIVATE_DOCUMENT)


@router.get(
    "/cases/{tracking_code}/notices/{notice_id}.pdf",
    tags=["citizens"],
    summary="Download a notice as PDF; the first download is its delivery online (网上送达)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The notice"}, **errors(404, 429)},
)
async def download_notice(tracking_code: str, notice_id: UUID, runtime: RuntimeDep) -> Response:
    request = notice_shelf.NoticeDownload(tracking_code, str(notice_id))
    document = await notice_shelf.serve_notice(runtime, request, pdf=True)
    assert isinstance(document, bytes)
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="notice-{notice_id}.pdf"', **PRIVATE_DOCUMENT},
    )


@router.post(
    "/erasures",
    status_code=201,
    tags=["admin"],
    summary="Erase a concluded case's personal data on the person's request (个人信息删除)",
    responses=errors(401, 403, 404, conflict="the case is not concluded, or erased already"),
)
async def erase_case(
    body: ErasureCreate, request: Request, runtime: RuntimeDep, principal: PrincipalDep
) -> ErasurePublic:
    return await erasure.erase_on_request(
        runtime, body, principal, retention_days=request.app.state.retention_days
    )


@router.get(
    "/erasures",
    tags=["admin"],
    summary="The erasures, newest first: who, when, why",
    responses=errors(401, 403),
    dependencies=[TOKEN_REQUIRED],
)
async def list_erasures(runtime: RuntimeDep) -> list[ErasurePublic]:
    return await erasure.list_erasures(runtime)
