"""Routing's HTTP routes: the handler workbench."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.routing import access, accounts, actions, admin, handlers, notice_desk, supervision
from services.routing.actions import CaseAction, act
from services.routing.schemas import (
    AccessPublic,
    ActionResult,
    AuditPublic,
    Bounces,
    CaseDetail,
    ClusterReplyResult,
    DeliveryCreate,
    DepartmentChange,
    DepartmentCreate,
    DepartmentPublic,
    DispatchCreate,
    ExtensionCreate,
    HandlerCreate,
    HandlerPublic,
    NoBody,
    NoticePublic,
    PasswordSet,
    ReplyCreate,
    RerouteCreate,
    ReturnCreate,
    RuleCreate,
    RuleIn,
    RulePublic,
    SupplementRequestCreate,
    TaskPublic,
    ThirdPartyConsultationCreate,
    ThirdPartyReplyCreate,
)
from services.routing.task_book import Office
from shared.codes import Channel, Role
from shared.http import Access, PrincipalDep, RuntimeDep, guarded_by
from shared.notice_documents import PRIVATE_DOCUMENT
from shared.openapi import errors

HANDLING = (Role.HANDLER, Role.DEPARTMENT_HEAD)
ADMIN = (Role.ADMIN,)
ACCESS: Access = {
    "GET /api/v1/departments": None,
    "GET /api/v1/tasks": HANDLING,
    "GET /api/v1/cases/{case_id}": HANDLING,
    **{
        f"POST /api/v1/cases/{{case_id}}/{action}": HANDLING
        for action in (
            "reply",
            "accept",
            "return",
            "request-supplement",
            "consult-third-party",
            "third-party-replied",
            "close",
        )
    },
    "POST /api/v1/cases/{case_id}/extend": (*HANDLING, Role.DISCLOSURE_HEAD),
    "POST /api/v1/clusters/{cluster_id}/reply": HANDLING,
    "POST /api/v1/departments": ADMIN,
    "PUT /api/v1/departments/{department_id}": ADMIN,
    "GET /api/v1/handlers": ADMIN,
    "PUT /api/v1/handlers": ADMIN,
    "POST /api/v1/handlers/{handler_id}/password": ADMIN,
    "GET /api/v1/rules": ADMIN,
    "POST /api/v1/rules": ADMIN,
    "PUT /api/v1/rules/{rule_id}": ADMIN,
    "GET /api/v1/audit": ADMIN,
    "GET /api/v1/access-log": ADMIN,
    "POST /api/v1/cases/{case_id}/dispatch": ADMIN,
    "GET /api/v1/reopened": ADMIN,
    "POST /api/v1/cases/{case_id}/reroute": ADMIN,
    "GET /api/v1/supervised": (Role.DEPARTMENT_HEAD,),
    "POST /api/v1/cases/{case_id}/acknowledge-supervision": (Role.DEPARTMENT_HEAD,),
    "GET /api/v1/bounces": ADMIN,
    "GET /api/v1/cases/{case_id}/notices": HANDLING,
    "GET /api/v1/cases/{case_id}/notices/{notice_id}.html": HANDLING,
    "GET /api/v1/cases/{case_id}/notices/{notice_id}.pdf": HANDLING,
    "POST /api/v1/cases/{case_id}/notices/{notice_id}/deliveries": HANDLING,
}
"""Handlers and department heads work their department's cases (the use cases check the department);
the disclosure office head approves extensions; admins run the office."""

router = APIRouter(prefix="/api/v1", dependencies=[guarded_by(ACCESS)])

CASE_ACTION = errors(
    401,
    403,
    not_found="no such case",
    conflict="not allowed in the case's state, or the case changed meanwhile",
    validation_error="what the case's channel asks of the action (an outcome, a reason, the working days)",
)
"""What an action on a case can be refused with (`services.routing.workflow`)."""
ADMIN_ONLY = errors(401, 403)


@router.get("/departments", tags=["handlers"], summary="Departments of the office")
async def list_departments(runtime: RuntimeDep) -> list[DepartmentPublic]:
    return await handlers.list_departments(runtime)


@router.get(
    "/tasks",
    tags=["handlers"],
    summary="The caller's department inbox, soonest due first",
    responses=errors(401, 403),
)
async def list_tasks(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    state: Annotated[str | None, Query(max_length=30)] = None,
    channel: Annotated[Channel | None, Query()] = None,
) -> list[TaskPublic]:
    return await handlers.list_tasks(
        runtime, principal, state=state, channel=channel.value if channel else None
    )


@router.get(
    "/cases/{case_id}",
    tags=["handlers"],
    summary="A case of the caller's department, with its history",
    responses=errors(401, 403, 404),
)
async def get_case(case_id: UUID, runtime: RuntimeDep, principal: PrincipalDep) -> CaseDetail:
    return await handlers.case_detail(runtime, case_id, principal)


def _office(request: Request) -> Office:
    office: Office = request.app.state.office
    return office


OfficeDep = Annotated[Office, Depends(_office)]


@router.post(
    "/cases/{case_id}/reply", tags=["handlers"], summary="Reply to a case (答复)", responses=CASE_ACTION
)
async def reply_to_case(
    case_id: UUID, body: ReplyCreate, runtime: RuntimeDep, office: OfficeDep, principal: PrincipalDep
) -> ActionResult:
    return await act(runtime, office, actions.reply, CaseAction(case_id, principal, body))


@router.post(
    "/cases/{case_id}/accept", tags=["handlers"], summary="Take the case on (签收)", responses=CASE_ACTION
)
async def accept_case(
    case_id: UUID, _body: NoBody, runtime: RuntimeDep, office: OfficeDep, principal: PrincipalDep
) -> ActionResult:
    return await act(runtime, office, actions.accept, CaseAction(case_id, principal, None))


@router.post(
    "/cases/{case_id}/return",
    tags=["handlers"],
    summary="Return a case that is not ours (退回)",
    responses=CASE_ACTION,
)
async def return_case(
    case_id: UUID, body: ReturnCreate, runtime: RuntimeDep, office: OfficeDep, principal: PrincipalDep
) -> ActionResult:
    return await act(runtime, office, actions.return_case, CaseAction(case_id, principal, body))


@router.post(
    "/cases/{case_id}/request-supplement",
    tags=["handlers"],
    summary="Ask for a supplement (补正)",
    responses=CASE_ACTION,
)
async def request_supplement(
    case_id: UUID,
    body: SupplementRequestCreate,
    runtime: RuntimeDep,
    office: OfficeDep,
    principal: PrincipalDep,
) -> ActionResult:
    return await act(runtime, office, actions.request_supplement, CaseAction(case_id, principal, body))


@router.post(
    "/cases/{case_id}/consult-third-party",
    tags=["handlers"],
    summary="Consult a third party",
    responses=CASE_ACTION,
)
async def consult_third_party(
    case_id: UUID,
    body: ThirdPartyConsultationCreate,
    runtime: RuntimeDep,
    office: OfficeDep,
    principal: PrincipalDep,
) -> ActionResult:
    return await act(runtime, office, actions.consult_third_party, CaseAction(case_id, principal, body))


@router.post(
    "/cases/{case_id}/third-party-replied",
    tags=["handlers"],
    summary="Record the third party's answer",
    responses=CASE_ACTION,
)
async def record_third_party_reply(
    case_id: UUID,
    body: ThirdPartyReplyCreate,
    runtime: RuntimeDep,
    office: OfficeDep,
    principal: PrincipalDep,
) -> ActionResult:
    return await act(runtime, office, actions.third_party_replied, CaseAction(case_id, principal, body))


@router.post(
    "/cases/{case_id}/extend",
    tags=["handlers"],
    summary="Extend the deadline (延期), with approval",
    responses=CASE_ACTION,
)
async def extend_deadline(
    case_id: UUID, body: ExtensionCreate, runtime: RuntimeDep, office: OfficeDep, principal: PrincipalDep
) -> ActionResult:
    return await act(runtime, office, actions.extend, CaseAction(case_id, principal, body))


@router.post(
    "/cases/{case_id}/close", tags=["handlers"], summary="Conclude the case (办结)", responses=CASE_ACTION
)
async def close_case(
    case_id: UUID, _body: NoBody, runtime: RuntimeDep, office: OfficeDep, principal: PrincipalDep
) -> ActionResult:
    return await act(runtime, office, actions.close, CaseAction(case_id, principal, None))


# --- admin ------------------------------------------------------------------------------------


@router.post(
    "/departments",
    status_code=201,
    tags=["admin"],
    summary="Add a department",
    responses=errors(401, 403, conflict="a department with this id exists"),
)
async def add_department(
    body: DepartmentCreate, runtime: RuntimeDep, principal: PrincipalDep
) -> DepartmentPublic:
    return await admin.add_department(runtime, body, principal)


@router.put(
    "/departments/{department_id}",
    tags=["admin"],
    summary="Rename or describe a department",
    responses=errors(401, 403, 404),
)
async def change_department(
    department_id: str, body: DepartmentChange, runtime: RuntimeDep, principal: PrincipalDep
) -> DepartmentPublic:
    return await admin.change_department(runtime, department_id, body, principal)


@router.get("/handlers", tags=["admin"], summary="Handlers by department", responses=ADMIN_ONLY)
async def list_handlers(runtime: RuntimeDep, principal: PrincipalDep) -> list[HandlerPublic]:
    return await admin.list_handlers(runtime, principal)


@router.put(
    "/handlers",
    tags=["admin"],
    summary="Add or change a handler",
    responses=errors(401, 403, validation_error="no such department"),
)
async def put_handler(body: HandlerCreate, runtime: RuntimeDep, principal: PrincipalDep) -> HandlerPublic:
    return await admin.put_handler(runtime, body, principal)


@router.post(
    "/handlers/{handler_id}/password",
    status_code=204,
    tags=["admin"],
    summary="Set a member of staff's sign-in password (temporary unless said otherwise)",
    responses=errors(
        401,
        403,
        404,
        validation_error="a password under 10 characters, or one that contains the sign-in name",
    ),
)
async def set_password(
    handler_id: str, body: PasswordSet, request: Request, runtime: RuntimeDep, principal: PrincipalDep
) -> None:
    await accounts.set_password(
        runtime,
        request.app.state.passwords,
        principal,
        handler_id,
        body.password,
        temporary=body.temporary,
        now=datetime.now(UTC),
    )


@router.get("/rules", tags=["admin"], summary="Routing rules by priority", responses=ADMIN_ONLY)
async def list_rules(runtime: RuntimeDep, principal: PrincipalDep) -> list[RulePublic]:
    return await admin.list_rules(runtime, principal)


@router.post(
    "/rules",
    status_code=201,
    tags=["admin"],
    summary="Add a routing rule",
    responses=errors(401, 403, conflict="a rule with this id exists", validation_error="no such department"),
)
async def add_rule(body: RuleCreate, runtime: RuntimeDep, principal: PrincipalDep) -> RulePublic:
    return await admin.add_rule(runtime, body, principal)


@router.put(
    "/rules/{rule_id}",
    tags=["admin"],
    summary="Change or disable a routing rule",
    responses=errors(401, 403, 404, validation_error="no such department"),
)
async def change_rule(rule_id: str, body: RuleIn, runtime: RuntimeDep, principal: PrincipalDep) -> RulePublic:
    return await admin.change_rule(runtime, rule_id, body, principal)


@router.get(
    "/audit",
    tags=["admin"],
    summary="Changes to departments, handlers and rules, newest first",
    responses=ADMIN_ONLY,
)
async def list_audit_trail(
    runtime: RuntimeDep, principal: PrincipalDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[AuditPublic]:
    return await admin.audit_trail(runtime, principal, limit=limit)


@router.get(
    "/access-log",
    tags=["admin"],
    summary="Who read whose personal data, when (个人信息查阅记录), newest first",
    responses=ADMIN_ONLY,
)
async def list_access_log(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    case_id: UUID | None = None,
    actor: Annotated[str | None, Query(max_length=100, description="A member of staff's id (sub).")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip.")] = 0,
) -> list[AccessPublic]:
    return await access.access_log(
        runtime,
        principal,
        case_id=str(case_id) if case_id else None,
        actor_id=actor,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/cases/{case_id}/dispatch",
    tags=["admin"],
    summary="Dispatch a case from triage (人工分办)",
    responses=errors(
        401,
        403,
        not_found="no such case",
        conflict="the case is not waiting in triage (any more)",
        validation_error="no such department, or triage itself",
    ),
)
async def dispatch_case(
    case_id: UUID, body: DispatchCreate, runtime: RuntimeDep, office: OfficeDep, principal: PrincipalDep
) -> ActionResult:
    return await act(runtime, office, actions.dispatch, CaseAction(case_id, principal, body))


@router.get(
    "/reopened",
    tags=["admin"],
    summary="Cases sent back for re-handling (发回重办), not replied again: re-routable",
    responses=ADMIN_ONLY,
)
async def list_reopened(runtime: RuntimeDep, principal: PrincipalDep) -> list[TaskPublic]:
    return await admin.reopened_cases(runtime, principal)


@router.post(
    "/cases/{case_id}/reroute",
    tags=["admin"],
    summary="Give a case sent back for re-handling to another department (改派)",
    responses=errors(
        401,
        403,
        not_found="no such case",
        conflict="the case is not one sent back for re-handling and not replied again, or it changed meanwhile",
        validation_error="no such department, the case's own department, or triage",
    ),
)
async def reroute_case(
    case_id: UUID, body: RerouteCreate, runtime: RuntimeDep, office: OfficeDep, principal: PrincipalDep
) -> ActionResult:
    return await act(runtime, office, actions.reroute, CaseAction(case_id, principal, body))


@router.get(
    "/supervised",
    tags=["handlers"],
    summary="Supervision notices (督办通知) of the department head's department, unread first",
    responses=errors(401, 403),
)
async def list_supervised(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    unread: Annotated[bool, Query(description="Only the notices not read yet.")] = False,
) -> list[TaskPublic]:
    return await supervision.supervised_cases(runtime, principal, unread_only=unread)


@router.post(
    "/cases/{case_id}/acknowledge-supervision",
    tags=["handlers"],
    summary="The department head has read the case's supervision notice (已阅)",
    responses=errors(
        401,
        403,
        not_found="no such case",
        conflict="the case is not under supervision, or its notice was read already",
    ),
)
async def acknowledge_supervision(
    case_id: UUID, _body: NoBody, runtime: RuntimeDep, office: OfficeDep, principal: PrincipalDep
) -> ActionResult:
    return await act(runtime, office, actions.acknowledge_supervision, CaseAction(case_id, principal, None))


@router.get(
    "/bounces", tags=["admin"], summary="How many cases each department has returned", responses=ADMIN_ONLY
)
async def list_bounces(runtime: RuntimeDep, principal: PrincipalDep) -> list[Bounces]:
    return await admin.bounces(runtime, principal)


@router.post(
    "/clusters/{cluster_id}/reply",
    tags=["handlers"],
    summary="One reply to every open case of a cluster of similar submissions (相似诉求) in your department",
    responses=errors(401, 403, not_found="no such cluster in your department"),
)
async def reply_to_cluster(
    cluster_id: str, body: ReplyCreate, runtime: RuntimeDep, office: OfficeDep, principal: PrincipalDep
) -> ClusterReplyResult:
    return await actions.reply_to_cluster(runtime, office, cluster_id, body, principal)


NOTICE = errors(401, 403, not_found="no such case, or no such notice on it")


@router.get(
    "/cases/{case_id}/notices",
    tags=["handlers"],
    summary="The formal notices issued on a disclosure request (告知书), with their deliveries",
    responses=errors(401, 403, not_found="no such case"),
)
async def list_notices(case_id: UUID, runtime: RuntimeDep, principal: PrincipalDep) -> list[NoticePublic]:
    return await notice_desk.case_notices(runtime, case_id, principal)


@router.get(
    "/cases/{case_id}/notices/{notice_id}.html",
    tags=["handlers"],
    summary="A notice as a printable page",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}, "description": "The notice"}, **NOTICE},
)
async def get_notice_html(
    case_id: UUID, notice_id: UUID, runtime: RuntimeDep, principal: PrincipalDep
) -> HTMLResponse:
    page = await notice_desk.notice_document(runtime, case_id, notice_id, principal, pdf=False)
    return HTMLResponse(str(page), headers=PRIVATE_DOCUMENT)


@router.get(
    "/cases/{case_id}/notices/{notice_id}.pdf",
    tags=["handlers"],
    summary="A notice as PDF (A4, set in Noto Serif CJK SC)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The notice"}, **NOTICE},
)
async def get_notice_pdf(
    case_id: UUID, notice_id: UUID, runtime: RuntimeDep, principal: PrincipalDep
) -> Response:
    document = await notice_desk.notice_document(runtime, case_id, notice_id, principal, pdf=True)
    assert isinstance(document, bytes)
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="notice-{notice_id}.pdf"', **PRIVATE_DOCUMENT},
    )


@router.post(
    "/cases/{case_id}/notices/{notice_id}/deliveries",
    tags=["handlers"],
    summary="Record how a notice reached the applicant (送达: post, in person, email)",
    responses=errors(
        401,
        403,
        not_found="no such case, or no such notice on it",
        validation_error="online delivery (recorded by the download), or a date before the notice or in the future",
    ),
)
async def record_notice_delivery(
    case_id: UUID, notice_id: UUID, body: DeliveryCreate, runtime: RuntimeDep, principal: PrincipalDep
) -> ActionResult:
    return await notice_desk.record_delivery(runtime, case_id, notice_id, body, principal)
