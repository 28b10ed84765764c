"""The plumbing every service's staff pages (工作人员页面) share, under ``/workbench``: who is signed in
(the session cookie of `shared.auth`, renewed as they work), the CSRF token of every form (a second
cookie, double submit), one layout with one navigation for every role whichever service serves the
page, and the answers every page gives alike — the sign-in for someone not signed in, the problem page
for a role the page is not for, an expired form.

A page reads its form, calls one use case and renders what it returns; the rules stay in the use
cases. Behind the front door (`deploy.front_door`) every staff page is on one host, so one sign-in
serves them all; the services' own ports share the cookie too (cookies do not tell ports apart).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from shared.auth import SESSION_COOKIE, Principal, StaffSession, mint_session, read_session
from shared.codes import Role
from shared.dates import cn_date, cn_datetime
from shared.errors import CivicError, InvalidInput, Unauthorized
from shared.http import BASE_STYLESHEET, FORMS_STYLESHEET, stylesheet
from shared.text import clean_text, text_too_long

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "STAFF_PATH",
    "SessionCheck",
    "Shown",
    "StaffPages",
    "errors_of",
    "home_of",
    "invalid_fields",
    "navigation",
    "refused",
    "set_session_cookie",
]

HERE = Path(__file__).resolve().parent
SHARED_TEMPLATES = HERE / "templates"
WORKBENCH_STYLESHEET = HERE / "static" / "workbench.css"
STAFF_PATH = "/workbench"
CSRF_COOKIE = "civic_csrf"
CSRF_FIELD = "csrf_token"

SessionCheck = Callable[[Request, StaffSession], Awaitable[bool]]
"""Whether a session the cookie holds is still good beyond its signature and expiry (routing, which
issued it, knows whether it ended)."""

NAVIGATION: tuple[tuple[str, str, frozenset[Role]], ...] = (
    ("/workbench", "待办", frozenset({Role.HANDLER, Role.DEPARTMENT_HEAD, Role.DISCLOSURE_HEAD})),
    ("/workbench/registry", "来件登记", frozenset({Role.STAFF})),
    ("/workbench/reviews", "审核", frozenset({Role.REVIEWER})),
    ("/workbench/interviews", "在线访谈", frozenset({Role.MODERATOR})),
    ("/workbench/admin", "管理", frozenset({Role.ADMIN})),
    (
        "/workbench/supervision",
        "督办统计",
        frozenset({Role.ADMIN, Role.DEPARTMENT_HEAD, Role.DISCLOSURE_HEAD}),
    ),
)
"""Each part of the workbench, and the roles it is for: the navigation shows a person their own."""


def navigation(principal: Principal) -> list[tuple[str, str]]:
    return [(href, text) for href, text, roles in NAVIGATION if principal.has_any(roles)]


def home_of(principal: Principal) -> str:
    """Where a person lands after signing in: the first part of the workbench that is theirs."""
    own = navigation(principal)
    return own[0][0] if own else STAFF_PATH


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    """The session in a cookie the browser forgets when it closes; the token inside expires on its own."""
    response.set_cookie(
        SESSION_COOKIE,
        value,
        httponly=True,
        samesite="lax",  # the identity provider's redirect back must bring it; every form has a CSRF token
        secure=request.url.scheme == "https",
        path=STAFF_PATH,
    )


class StaffPages:
    """One service's staff pages: its templates before the shared ones (``staff/base.html``,
    ``staff/_form.html``, ``staff/problem.html``), and the answers every staff page gives alike."""

    def __init__(self, templates_dir: Path | None = None, *, check: SessionCheck | None = None) -> None:
        loaders = [FileSystemLoader(templates_dir)] if templates_dir is not None else []
        environment = Environment(
            loader=ChoiceLoader([*loaders, FileSystemLoader(SHARED_TEMPLATES)]),
            autoescape=select_autoescape(default=True),
        )
        environment.filters.update(cn_date=cn_date, cn_datetime=cn_datetime)
        environment.globals.update(csrf_field=CSRF_FIELD, navigation=navigation)
        self.templates = Jinja2Templates(env=environment)
        self._check = check

    def stylesheets(self) -> APIRouter:
        """The layout's stylesheets, served by every service that has staff pages."""
        router = APIRouter()
        for name, path in (
            ("base.css", BASE_STYLESHEET),
            ("forms.css", FORMS_STYLESHEET),
            ("workbench.css", WORKBENCH_STYLESHEET),
        ):

            async def serve(path: Path = path) -> FileResponse:
                return stylesheet(path)

            router.add_api_route(f"{STAFF_PATH}/static/{name}", serve, methods=["GET"])
        return router

    # --- who is signed in -------------------------------------------------------------------------

    async def session(self, request: Request) -> StaffSession | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        try:
            session = read_session(request.app.state.jwt_key, token)
        except Unauthorized:
            return None
        if self._check is not None and not await self._check(request, session):
            return None
        return session

    def sign_in(self, request: Request) -> RedirectResponse:
        """To the sign-in, coming back here afterwards (after a POST, to the page the form was on)."""
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            referer = urlsplit(request.headers.get("referer", ""))
            here = referer.path if referer.path.startswith(STAFF_PATH) else STAFF_PATH
        url = request.app.state.settings.staff_sign_in_url
        return RedirectResponse(f"{url}?next={quote(here, safe='/')}", status_code=303)

    # --- rendering --------------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any],
        status_code: int = 200,
        *,
        session: StaffSession | None = None,
    ) -> HTMLResponse:
        """A page with the layout's context (who, the CSRF token, the sign-in's address); the session
        cookie renewed when it is due."""
        csrf = _csrf(request)
        principal = session.principal if session is not None else None
        response = self.templates.TemplateResponse(
            request,
            template,
            {
                "csrf": csrf,
                "principal": principal,
                "sign_in_url": request.app.state.settings.staff_sign_in_url,
                **context,
            },
            status_code=status_code,
        )
        # Staff pages hold citizens' personal data: no copy kept, no address passed on.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if request.cookies.get(CSRF_COOKIE) != csrf:
            response.set_cookie(
                CSRF_COOKIE,
                csrf,
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
                path=STAFF_PATH,
            )
        if session is not None:
            renew(request, response, session)
        return response

    def problem(
        self,
        request: Request,
        status_code: int,
        title: str,
        message: str,
        *,
        session: StaffSession | None = None,
    ) -> HTMLResponse:
        return self.render(
            request, "staff/problem.html", {"title": title, "message": message}, status_code, session=session
        )

    def not_for_you(self, request: Request, session: StaffSession, what: str) -> HTMLResponse:
        return self.problem(request, 403, "无权访问", f"{what}不在您的职责范围内。", session=session)

    def csrf_refused(self, request: Request, session: StaffSession | None = None) -> HTMLResponse:
        return self.problem(
            request,
            403,
            "表单已过期",
            "表单的安全校验没有通过，请返回上一页刷新后重新提交。",
            session=session,
        )

    # --- forms ------------------------------------------------------------------------------------

    async def posted(self, request: Request) -> dict[str, str] | None:
        """The posted text fields, cleaned (`shared.text.clean_text`: a line break counts once, as the
        browser counted it) and trimmed, or None when the CSRF token does not match its cookie."""
        form = await request.form()
        values = {name: clean_text(value).strip() for name, value in form.items() if isinstance(value, str)}
        cookie = request.cookies.get(CSRF_COOKIE, "")
        # compare_digest takes only ASCII str; bytes accept whatever was posted.
        if not cookie or not secrets.compare_digest(cookie.encode(), values.get(CSRF_FIELD, "").encode()):
            return None
        return values

    async def posted_lists(self, request: Request) -> dict[str, list[str]]:
        """Every value of each posted field (check boxes of one name), cleaned and trimmed; read after
        `posted`."""
        form = await request.form()
        lists: dict[str, list[str]] = {}
        for name, value in form.multi_items():
            if isinstance(value, str):
                lists.setdefault(name, []).append(clean_text(value).strip())
        return lists


@dataclass(frozen=True, slots=True)
class Shown:
    """A form as a page shows it: first empty (or with defaults), then again after a refusal — what was
    typed, the messages by input, one at the top, and the status the page answers with."""

    values: Mapping[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    problem: str | None = None
    status_code: int = 200

    def context(self) -> dict[str, Any]:
        return {"values": self.values, "errors": self.errors, "problem": self.problem}


def refused(
    exc: Exception,
    values: Mapping[str, str],
    labels: Mapping[str, str],
    in_words: Callable[[str], str] = lambda message: message,
) -> Shown:
    """The form shown again after a use case or its schema refused it: by field (422), or at the top."""
    if isinstance(exc, ValidationError):
        return Shown(values, invalid_fields(exc, labels), None, 422)
    if isinstance(exc, InvalidInput):
        errors = {name: [in_words(m) for m in messages] for name, messages in errors_of(exc).items()}
        return Shown(values, errors, None, 422)
    assert isinstance(exc, CivicError), exc
    return Shown(values, {}, in_words(exc.message), exc.status_code)


def invalid_fields(exc: ValidationError, labels: Mapping[str, str]) -> dict[str, list[str]]:
    """A form the schema refused, as messages next to its inputs, in the staff's language."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "form"
        label = labels.get(name, name)
        kind = error["type"]
        if kind in ("missing", "string_too_short"):
            message = f"请填写{label}"
        elif (limit := text_too_long(error)) is not None:
            message = f"{label}不能超过 {limit} 个字"
        elif kind in ("int_parsing", "int_type", "greater_than_equal", "less_than_equal"):
            message = f"{label}请填写规定范围内的整数"
        elif kind in ("enum", "literal_error"):
            message = f"请选择{label}"
        elif kind == "string_pattern_mismatch":
            message = f"{label}只能使用小写字母、数字和连字符，以字母或数字开头"
        else:
            message = f"{label}填写有误：{error['msg']}"
        errors.setdefault(name, []).append(message)
    return errors


def errors_of(exc: InvalidInput) -> dict[str, list[str]]:
    """A use case's refusal, as messages next to the inputs it names."""
    errors: dict[str, list[str]] = {}
    for detail in exc.details or []:
        errors.setdefault(str(detail["field"]), []).append(str(detail["message"]))
    return errors


def renew(request: Request, response: Response, session: StaffSession) -> None:
    """A new cookie for a session that has worked on past ``renew_after``: idle time starts again."""
    policy = request.app.state.settings.session_policy()
    now = datetime.now(UTC)
    if not session.due_for_renewal(now, policy):
        return
    value = mint_session(
        request.app.state.jwt_key,
        session.principal,
        session_id=session.id,
        signed_in_at=session.signed_in_at,
        now=now,
        policy=policy,
    )
    set_session_cookie(request, response, value)


def _csrf(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE, "")
    return token if len(token) == 43 else secrets.token_urlsafe(32)
