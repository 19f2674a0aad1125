"""The built-in login page and the login / logout endpoints of an app's pages.

``POST /p/<slug>/login`` takes JSON ``{username, password, register}``, checks
the CSRF double submit, asks ``runtime.auth.accounts.authenticate`` and keeps
the JWT in the HttpOnly ``mm_session`` cookie. ``POST /p/<slug>/logout`` clears it.
Errors come back as ``{"error": {"code", "message"}}`` with a sentence to show.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from runtime.auth.sessions import SESSION_COOKIE
from runtime.pages.cookies import (
    add_security_headers,
    clear_session_cookie,
    csrf_ok,
    ensure_csrf_cookie,
    safe_next,
    set_session_cookie,
)
from runtime.pages.rendering import PageRenderer
from runtime.types import RuntimeError_

log = logging.getLogger("minimomen.pages")

ERROR_STATUS = {"UNAUTHENTICATED": 401, "CONFLICT": 409, "NOT_FOUND": 404}
CSRF_MESSAGE = "Your session form expired. Reload the page and try again."


class LoginRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)
    sign_up: bool = Field(default=False, alias="register")
    next: str | None = None


def _error(code: str, message: str, status: int) -> JSONResponse:
    response = JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
    add_security_headers(response)
    return response


def _friendly(exc: RuntimeError_, register: bool) -> str:
    message = re.sub(r"`([^`]*)`", r"“\1”", exc.message.strip())
    if not message:
        return "Signing up failed." if register else "Logging in failed."
    return message[0].upper() + message[1:] + ("" if message.endswith((".", "!", "?")) else ".")


async def _authenticate(project: Any, body: LoginRequest, address: str | None) -> tuple[Any, str]:
    from runtime.auth.accounts import authenticate

    return await authenticate(project, body.username.strip(), body.password, body.sign_up, address=address)


async def _revoke(project: Any, token: str | None) -> None:
    """Logging out revokes the account's tokens (all of them: this one may have been copied)."""
    from runtime.auth.roles import revoke_tokens
    from runtime.auth.sessions import session_from_token

    try:
        session = await session_from_token(project, token)
    except RuntimeError_:
        return  # an invalid or expired token: nothing to revoke
    if session.account_id is not None and session.role == "user":
        await revoke_tokens(project, session.account_id)


def build_session_router(runtime: Any, renderer: PageRenderer, not_found: Callable[[str | None, str], HTMLResponse]) -> APIRouter:
    router = APIRouter()

    @router.get("/p/{slug}/login", include_in_schema=False)
    async def login_page(slug: str, request: Request) -> Response:
        project = runtime.get(slug)
        if project is None:
            return not_found(None, f"There is no app called “{slug}” here.")
        html = renderer.render_login(slug, project.state.resolved, safe_next(slug, request.query_params.get("next")))
        response = HTMLResponse(html)
        add_security_headers(response)
        ensure_csrf_cookie(request, response, slug)
        return response

    @router.post("/p/{slug}/login", include_in_schema=False)
    async def login(slug: str, request: Request) -> Response:
        project = runtime.get(slug)
        if project is None:
            return _error("NOT_FOUND", f"There is no app called “{slug}” here.", 404)
        if not csrf_ok(request):
            return _error("CSRF", CSRF_MESSAGE, 403)
        try:
            body = LoginRequest.model_validate(await request.json())
        except (ValueError, ValidationError):
            return _error("BAD_USER_INPUT", "Send a username and a password.", 400)
        if not body.username.strip() or not body.password:
            return _error("BAD_USER_INPUT", "Enter a username and a password.", 400)
        try:
            account, token = await _authenticate(project, body, request.client.host if request.client else None)
        except RuntimeError_ as exc:
            status = exc.http_status if exc.http_status >= 400 else ERROR_STATUS.get(exc.code, 400)
            return _error(exc.code, _friendly(exc, body.sign_up), status)
        except Exception:
            log.exception("login failed unexpectedly")
            return _error("INTERNAL", "Something went wrong. Try again in a moment.", 500)
        ttl = project.state.resolved.definition.settings.token_ttl_minutes * 60
        account_data = dict(account) if isinstance(account, dict) else {"id": getattr(account, "id", None), "username": getattr(account, "username", None)}
        response = JSONResponse({"ok": True, "account": {"id": account_data.get("id"), "username": account_data.get("username")}, "next": safe_next(slug, body.next)})
        add_security_headers(response)
        set_session_cookie(request, response, slug, token, ttl)
        return response

    @router.post("/p/{slug}/logout", include_in_schema=False)
    async def logout(slug: str, request: Request) -> Response:
        if runtime.get(slug) is None:
            return _error("NOT_FOUND", f"There is no app called “{slug}” here.", 404)
        if not csrf_ok(request):
            return _error("CSRF", CSRF_MESSAGE, 403)
        await _revoke(runtime.get(slug), request.cookies.get(SESSION_COOKIE))
        response = JSONResponse({"ok": True, "next": f"/p/{slug}/"})
        add_security_headers(response)
        clear_session_cookie(request, response, slug)
        return response

    return router
