"""The designer's router: session exchange, static UI and the REST API under ``/api``.

Every ``/api`` route except the token exchange needs the designer session; the
state-changing ones also need the CSRF header (see ``builder.api.session``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from builder.api.callbacks import DesignerCallbacks, NoRuntime
from builder.api.definition import build_definition_router
from builder.api.errors import DesignerRoute
from builder.api.live import build_live_router
from builder.api.projects import build_projects_router
from builder.api.registry import build_registry_router
from builder.api.session import CSRF_HEADER, SAFE_METHODS, DesignerAuth
from builder.api.static import build_static_router
from builder.api.token_guard import TokenGuard
from builder.storage import SLUG_PATTERN, Workspace


class TokenBody(BaseModel):
    token: str


def _guard(auth: DesignerAuth) -> Any:
    async def require_session(request: Request) -> None:
        session = auth.request_session(request)
        if session is None:
            raise HTTPException(401, {"code": "UNAUTHENTICATED", "message": "Open the link printed by `minimomen serve` to use the designer."})
        if request.method not in SAFE_METHODS and not auth.csrf_valid(session, request.headers.get(CSRF_HEADER)):
            raise HTTPException(403, {"code": "CSRF", "message": "Missing or wrong CSRF header: reload the designer and try again."})
        slug = request.path_params.get("slug")
        if slug is not None and not SLUG_PATTERN.fullmatch(slug):
            raise HTTPException(404, {"code": "NOT_FOUND", "message": "There is no project by that name (a project name is lowercase letters, digits and '_')."})

    return require_session


def _session_router(auth: DesignerAuth, guard: TokenGuard) -> APIRouter:
    router = APIRouter(route_class=DesignerRoute)

    @router.post("/api/session")
    async def exchange(body: TokenBody, request: Request) -> JSONResponse:
        outcome = guard.exchange(body.token, request.client.host if request.client else None)
        if not outcome.ok:
            code = "TOO_MANY_REQUESTS" if outcome.status == 429 else "UNAUTHENTICATED"
            headers = {"Retry-After": str(outcome.retry_after)} if outcome.retry_after else None
            return JSONResponse({"detail": {"code": code, "message": outcome.message}}, status_code=outcome.status, headers=headers)
        session = auth.new_session()
        response = JSONResponse({"csrf": auth.csrf_for(session)})
        response.set_cookie(value=session, **auth.cookie_settings(request))  # type: ignore[arg-type]
        return response

    @router.get("/api/session")
    async def current(request: Request) -> JSONResponse:
        session = auth.request_session(request)
        if session is None:
            return JSONResponse({"detail": {"code": "UNAUTHENTICATED", "message": "No designer session."}}, status_code=401)
        return JSONResponse({"csrf": auth.csrf_for(session)}, headers={"Cache-Control": "no-store"})

    return router


def build_designer_router(workspace: Workspace, callbacks: DesignerCallbacks | None, token: str | None, *,
                          token_once: bool = False) -> APIRouter:
    """Everything under ``/designer/`` and ``/api/``; ``token_once``: the token is exchanged once, then refused."""
    auth = DesignerAuth(token)
    guard = TokenGuard(auth, once=token_once, marker_dir=workspace.root)
    hooks: DesignerCallbacks = callbacks if callbacks is not None else NoRuntime()  # type: ignore[assignment]
    router = APIRouter()
    router.include_router(_session_router(auth, guard))
    router.include_router(build_static_router(auth, guard))
    api = APIRouter(dependencies=[Depends(_guard(auth))], route_class=DesignerRoute)
    for part in (
        build_projects_router(workspace, hooks),
        build_definition_router(workspace),
        build_registry_router(),
        build_live_router(workspace, hooks),
    ):
        api.include_router(part)
    router.include_router(api)
    return router
