"""Routes of rendered pages: static assets, the login page, app pages and the 404 page.

Included last in the app (it owns ``/p/<slug>/<page path>``); the GraphQL
router already holds ``/p/<slug>/graphql``. Static files live under
``/p/_static/`` — a project slug starts with a letter, so this never collides.
"""

from __future__ import annotations

import logging
import mimetypes
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from builder.pages import Page
from builder.resolved import ResolvedTable
from runtime.auth.sessions import session_from_http
from runtime.pages.access import may_open
from runtime.pages.cookies import (
    add_security_headers,
    clear_session_cookie,
    ensure_csrf_cookie,
)
from runtime.pages.loading import load_page
from runtime.pages.queries import ListQuery
from runtime.pages.records import option_queries, parse_params, record_queries
from runtime.pages.rendering import STATIC, STATIC_PREFIX, PageRenderer, page_queries
from runtime.pages.session_routes import build_session_router
from runtime.pages.writes import build_writes_router
from runtime.permissions import grants_for
from runtime.types import RuntimeError_, Session

log = logging.getLogger("minimomen.pages")

_CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_STATIC_FILES = frozenset(p.name for p in STATIC.iterdir() if p.is_file())


def _html(content: str, status_code: int = 200) -> HTMLResponse:
    response = HTMLResponse(content, status_code=status_code)
    add_security_headers(response)
    return response


async def visitor_session(project: Any, request: Request) -> tuple[Session, bool]:
    """The visitor's session from the page cookie; an expired or foreign token means anonymous."""
    try:
        return await session_from_http(project, None, request.cookies, None, "GET"), False
    except RuntimeError_:
        return Session.anonymous(), True


Queries = tuple[dict[str, ListQuery], dict[str, ListQuery], dict[str, ListQuery]]


def _queries(state: Any, page: Page, session: Session) -> Queries:
    """Operations of a page's lists, records and select options for the visitor's rights,
    computed once per state, page and rights.

    Nested lists leave out what the visitor may not read, so the text depends on the rights.
    """
    grants = grants_for(state.resolved, session)
    key = (page.id, grants.cache_key())
    cached: dict[Any, Queries] = state.cache.get("pages.queries") or {}
    queries = cached.get(key)
    if queries is None:
        def readable(table: ResolvedTable) -> frozenset[str] | None:
            grant = grants.select(table)
            return None if grant is None else grant.columns | frozenset(grant.column_filters)

        queries = (page_queries(page, state.resolved, readable), record_queries(page, state.resolved, readable),
                   option_queries(page, state.resolved, readable))
        state.cache["pages.queries"] = {**cached, key: queries}  # stored values are never mutated
    return queries


def build_pages_router(runtime: Any) -> APIRouter:
    router = APIRouter()
    renderer = PageRenderer()

    @router.get(STATIC_PREFIX + "/{name}", include_in_schema=False)
    async def static_file(name: str) -> Response:
        if name not in _STATIC_FILES:
            return Response("not found", status_code=404, media_type="text/plain")
        path = STATIC / name
        media_type = _CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
        response = Response(path.read_bytes(), media_type=media_type)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    def not_found(slug: str | None, message: str) -> HTMLResponse:
        project = runtime.get(slug) if slug else None
        resolved = project.state.resolved if project else None
        return _html(renderer.render_not_found(slug if project else None, resolved, message), 404)

    def missing_app(slug: str) -> HTMLResponse:
        """No running app ``slug``: 503 with the reason when start-up could not serve it (``runtime.startup``), else 404."""
        reason = runtime.unserved_reason(slug)
        if reason is not None:
            return _html(renderer.render_not_found(None, None, reason, status=503, title="App unavailable"), 503)
        return not_found(None, f"There is no app called “{slug}” here.")

    router.include_router(build_session_router(runtime, renderer, not_found))
    router.include_router(build_writes_router(runtime))

    @router.get("/p/{slug}", include_in_schema=False)
    async def app_root(slug: str) -> Response:
        if runtime.get(slug) is None:
            return missing_app(slug)
        return RedirectResponse(f"/p/{slug}/", status_code=308)

    @router.get("/p/{slug}/{page_path:path}", include_in_schema=False)
    async def page(slug: str, page_path: str, request: Request) -> Response:
        project = runtime.get(slug)
        if project is None:
            return missing_app(slug)
        state = project.state  # one published version for the whole request
        resolved = state.resolved
        found = resolved.page_by_path(page_path.strip("/"))
        if found is None:
            return not_found(slug, "This page does not exist (any more). Check the address, or start again from the home page.")
        session, stale = await visitor_session(project, request)
        if not may_open(found, session):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            if found.access.denied == "login" and session.account_id is None:
                return RedirectResponse(f"/p/{slug}/login?next={quote(target, safe='')}", status_code=303)
            return _html(renderer.render_not_found(slug, resolved, found.access.message, status=403, title="No access"), 403)
        lists, records, options = _queries(state, found, session)
        params = parse_params(found, request.query_params)
        data = await load_page(project, state, session, found, lists, records, params, options)
        response = _html(renderer.render_page(slug, resolved, found, data, lists, records))
        ensure_csrf_cookie(request, response, slug)
        if stale:
            clear_session_cookie(request, response, slug)
        return response

    return router

