"""Signing in to the workbench (登录), out (退出), and changing one's password (修改密码).

Routing holds the accounts (`services.routing.accounts`), so it issues the session every service's
staff pages read (`shared.staff_pages`), and it alone refuses a session that has ended. Pasting a
token is a development convenience: the form and its route exist only outside production.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.routing import accounts
from services.routing.accounts import VIA_TOKEN, SignedIn, SignInRefused
from services.routing.identity_provider import IdentityProvider, Pkce, TokenRefused
from shared.auth import SESSION_COOKIE, StaffSession, mint_session, verify_token
from shared.dates import cn_datetime
from shared.errors import InvalidInput, Unauthorized
from shared.staff_pages import STAFF_PATH, StaffPages, errors_of, home_of, set_session_cookie

__all__ = ["LOGIN", "STAFF", "sign_in_pages"]

log = logging.getLogger(__name__)

LOGIN = f"{STAFF_PATH}/login"
PASSWORD = f"{STAFF_PATH}/password"


async def _alive(request: Request, session: StaffSession) -> bool:
    return await accounts.session_alive(request.app.state.runtime, session, now=datetime.now(UTC))


STAFF = StaffPages(Path(__file__).resolve().parent / "templates", check=_alive)
"""Routing's staff pages: its templates, and sessions checked against the ones it issued."""

sign_in_pages = APIRouter()
sign_in_pages.include_router(STAFF.stylesheets())


def _next(raw: str | None) -> str | None:
    """Where to go after signing in: a workbench page of this host, never elsewhere."""
    if raw and raw.startswith(STAFF_PATH) and not raw.startswith("//") and "\\" not in raw:
        return raw
    return None


def _development(request: Request) -> bool:
    return bool(request.app.state.settings.environment != "production")


def _login_page(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    problem: str | None = None,
    flash: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return STAFF.render(
        request,
        "login.html",
        {
            "values": values or {},
            "errors": errors or {},
            "problem": problem,
            "flash": flash,
            "next": _next(request.query_params.get("next")) or "",
            "token_sign_in": _development(request),
            "identity_provider": request.app.state.identity_provider is not None,
        },
        status_code,
    )


def _signed_in(request: Request, signed_in: SignedIn, to: str) -> RedirectResponse:
    settings = request.app.state.settings
    value = mint_session(
        request.app.state.jwt_key,
        signed_in.principal,
        session_id=signed_in.session_id,
        signed_in_at=signed_in.at,
        now=signed_in.at,
        policy=settings.session_policy(),
    )
    response = RedirectResponse(to, status_code=303)
    set_session_cookie(request, response, value)
    return response


@sign_in_pages.get(LOGIN, response_class=HTMLResponse)
async def login_form(request: Request) -> HTMLResponse:
    flash = "您已退出登录。" if request.query_params.get("done") == "logout" else None
    return _login_page(request, flash=flash)


@sign_in_pages.post(LOGIN, response_class=HTMLResponse)
async def login(request: Request) -> Response:
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request)
    login_name, password = values.get("login", ""), values.get("password", "")
    kept = {"login": login_name}
    missing = {
        name: [message]
        for name, message in (("login", "请填写登录名"), ("password", "请填写密码"))
        if not values.get(name)
    }
    if missing:
        return _login_page(request, values=kept, errors=missing, status_code=422)
    settings = request.app.state.settings
    try:
        signed_in = await accounts.sign_in(
            request.app.state.runtime,
            request.app.state.passwords,
            login_name,
            password,
            now=datetime.now(UTC),
            lockout=settings.lockout(),
            sessions=settings.session_policy(),
        )
    except SignInRefused as exc:
        if exc.locked_until is not None:
            problem = f"连续登录失败次数过多，该登录名已锁定至{cn_datetime(exc.locked_until)}，请届时再试或联系管理员。"
            return _login_page(request, values=kept, problem=problem, status_code=429)
        return _login_page(request, values=kept, problem="登录名或密码不正确。", status_code=401)
    if signed_in.must_change_password:
        return _signed_in(request, signed_in, f"{PASSWORD}?first=1")
    return _signed_in(request, signed_in, _next(values.get("next")) or home_of(signed_in.principal))


@sign_in_pages.post(f"{LOGIN}/token", response_class=HTMLResponse)
async def login_with_token(request: Request) -> Response:
    """Development only: sign in with a token ``make token`` minted."""
    if not _development(request):
        return STAFF.problem(
            request, 404, "没有这个页面", "生产环境不能用令牌登录，请使用账户密码或统一身份认证。"
        )
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request)
    token = "".join(values.get("token", "").split())
    try:
        principal = verify_token(request.app.state.jwt_key, token)
        signed_in = await accounts.sign_in_as(
            request.app.state.runtime,
            principal,
            via=VIA_TOKEN,
            now=datetime.now(UTC),
            sessions=request.app.state.settings.session_policy(),
        )
    except Unauthorized:
        message = "请粘贴令牌" if not token else "令牌无效或已过期，请重新生成"
        return _login_page(request, errors={"token": [message]}, status_code=422)
    return _signed_in(request, signed_in, _next(values.get("next")) or home_of(signed_in.principal))


# --- the identity provider (统一身份认证) -----------------------------------------------------------

OIDC = f"{LOGIN}/oidc"
OIDC_COOKIE = "civic_oidc"
OIDC_LIFETIME = timedelta(minutes=10)
PROVIDER_PROBLEM = "统一身份认证未通过，请重新登录；如仍不能登录，请联系系统管理员。"


@sign_in_pages.get(OIDC)
async def oidc_start(request: Request) -> Response:
    """To the provider's sign-in, holding this sign-in's state, nonce and PKCE verifier in a short cookie."""
    provider: IdentityProvider | None = request.app.state.identity_provider
    if provider is None:
        return STAFF.problem(request, 404, "没有配置统一身份认证", "请使用登录名和密码登录。")
    pkce = Pkce()
    try:
        url = await provider.authorization_url(pkce)
    except (httpx.HTTPError, TokenRefused, KeyError, ValueError) as exc:
        log.warning("the identity provider is not reachable: %s", type(exc).__name__)
        return _provider_down(request)
    held = {
        "state": pkce.state,
        "nonce": pkce.nonce,
        "verifier": pkce.verifier,
        "next": _next(request.query_params.get("next")) or "",
        "exp": datetime.now(UTC) + OIDC_LIFETIME,
    }
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        OIDC_COOKIE,
        jwt.encode(held, request.app.state.jwt_key, algorithm="HS256"),
        max_age=int(OIDC_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level navigation from its site
        secure=request.url.scheme == "https",
        path=OIDC,
    )
    return response


def _provider_down(request: Request) -> HTMLResponse:
    response = STAFF.problem(request, 503, "统一身份认证暂时不可用", "请稍后重试，或使用登录名和密码登录。")
    response.headers["Retry-After"] = "5"
    return response


@sign_in_pages.get(f"{OIDC}/callback")
async def oidc_callback(request: Request, code: str = "", state: str = "", error: str = "") -> Response:
    provider: IdentityProvider | None = request.app.state.identity_provider
    if provider is None:
        return STAFF.problem(request, 404, "没有配置统一身份认证", "请使用登录名和密码登录。")
    try:
        held = jwt.decode(
            request.cookies.get(OIDC_COOKIE, ""), request.app.state.jwt_key, algorithms=["HS256"]
        )
    except jwt.PyJWTError:
        held = {}
    if error or not code or not held or not secrets.compare_digest(str(held.get("state", "")), state):
        reason = error or ("no code" if not code else "no sign-in under way, or another one's state")
        log.info("an identity provider sign-in was refused: %s", reason)
        return _refused(request)
    pkce = Pkce(state=held["state"], nonce=held["nonce"], verifier=held["verifier"])
    settings = request.app.state.settings
    try:
        claims = await provider.claims(code, pkce)
        username = claims.get(provider.settings.username_claim)
        signed_in = await accounts.sign_in_with_identity(
            request.app.state.runtime,
            str(claims["sub"]),
            username if isinstance(username, str) else None,
            now=datetime.now(UTC),
            sessions=settings.session_policy(),
        )
    except (TokenRefused, SignInRefused) as exc:
        log.info("an identity provider sign-in was refused: %s", exc)
        return _refused(request)
    except httpx.HTTPError as exc:
        log.warning("the identity provider is not reachable: %s", type(exc).__name__)
        return _provider_down(request)
    response = _signed_in(request, signed_in, _next(held.get("next")) or home_of(signed_in.principal))
    response.delete_cookie(OIDC_COOKIE, path=OIDC)
    return response


def _refused(request: Request) -> HTMLResponse:
    response = _login_page(request, problem=PROVIDER_PROBLEM, status_code=401)
    response.delete_cookie(OIDC_COOKIE, path=OIDC)
    return response


@sign_in_pages.post(f"{STAFF_PATH}/logout")
async def logout(request: Request) -> Response:
    session = await STAFF.session(request)
    if await STAFF.posted(request) is None:
        return STAFF.csrf_refused(request, session)
    if session is not None:
        await accounts.sign_out(request.app.state.runtime, session.id, now=datetime.now(UTC))
    response = RedirectResponse(f"{LOGIN}?done=logout", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=STAFF_PATH)
    return response


@sign_in_pages.get(PASSWORD, response_class=HTMLResponse)
async def password_form(request: Request) -> Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    return _password_page(request, session, first=request.query_params.get("first") == "1")


def _password_page(
    request: Request,
    session: StaffSession,
    *,
    first: bool = False,
    errors: dict[str, list[str]] | None = None,
    flash: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {"errors": errors or {}, "first": first, "flash": flash, "values": {}}
    return STAFF.render(request, "password.html", context, status_code, session=session)


@sign_in_pages.post(PASSWORD, response_class=HTMLResponse)
async def change_password(request: Request) -> Response:
    session = await STAFF.session(request)
    if session is None:
        return STAFF.sign_in(request)
    values = await STAFF.posted(request)
    if values is None:
        return STAFF.csrf_refused(request, session)
    current, new = values.get("current_password", ""), values.get("new_password", "")
    errors: dict[str, list[str]] = {}
    if not current:
        errors["current_password"] = ["请填写当前密码"]
    if not new:
        errors["new_password"] = ["请填写新密码"]
    elif new != values.get("confirm_password", ""):
        errors["confirm_password"] = ["两次填写的新密码不一致"]
    if not errors:
        try:
            await accounts.change_password(
                request.app.state.runtime,
                request.app.state.passwords,
                session.principal,
                current,
                new,
                now=datetime.now(UTC),
            )
        except InvalidInput as exc:
            errors = errors_of(exc)
    if errors:
        return _password_page(request, session, errors=errors, status_code=422)
    return _password_page(request, session, flash="密码已修改，下次登录请使用新密码。")
