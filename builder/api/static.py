"""The designer's static files under ``/designer/``, behind the designer session.

Opening ``/designer/?token=...`` exchanges the token for the session cookie and
redirects to the clean URL. Without a session every file answers with a short
page that says how to get in; nothing is fetched from anywhere else.
"""

from __future__ import annotations

import html
import mimetypes
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from builder.api.session import DesignerAuth
from builder.api.token_guard import TokenGuard
from builder.assets import asset_dir

UI_DIR = asset_dir("designer_ui", "designer_ui")

GATE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>minimomen designer</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2937}}
code{{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}}</style></head>
<body><main><h1>minimomen designer</h1><p>{message}</p></main></body></html>
"""

NO_SESSION = "Open the link printed by <code>minimomen serve</code> (it ends with <code>/designer/?token=…</code>) to use the designer."
DISABLED = "The designer is switched off on this server: start it with <code>minimomen serve</code>, which prints a link with a token."

# The designer runs only its own files: no inline script, nothing from elsewhere, never framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                               "connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                               "form-action 'self'; object-src 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml", ".png": "image/png"}


def _gate(auth: DesignerAuth, reason: str = "") -> HTMLResponse:
    message = (html.escape(reason) + " " if reason else "") + (NO_SESSION if auth.enabled else DISABLED)
    return HTMLResponse(GATE_PAGE.format(message=message), status_code=401,
                        headers={"Cache-Control": "no-store", **SECURITY_HEADERS})


def _file(ui_dir: Path, relative: str) -> Path | None:
    """The file under ``ui_dir`` for a URL path, or None (missing or outside the folder)."""
    root = ui_dir.resolve()
    candidate = (root / (relative or "index.html")).resolve()
    if candidate.is_dir():
        candidate = candidate / "index.html"
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def build_static_router(auth: DesignerAuth, guard: TokenGuard | None = None, ui_dir: Path = UI_DIR) -> APIRouter:
    router = APIRouter()
    guard = guard if guard is not None else TokenGuard(auth)

    @router.get("/designer", include_in_schema=False)
    async def designer_root(request: Request) -> Response:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/designer/{query}", status_code=307)

    @router.get("/designer/{path:path}", include_in_schema=False)
    async def designer_file(path: str, request: Request) -> Response:
        token = request.query_params.get("token")
        if token is not None:
            outcome = guard.exchange(token, request.client.host if request.client else None)
            if not outcome.ok:
                page = _gate(auth, outcome.message)
                page.status_code = outcome.status
                if outcome.retry_after:
                    page.headers["Retry-After"] = str(outcome.retry_after)
                return page
            response = RedirectResponse(f"/designer/{path}", status_code=303, headers=SECURITY_HEADERS)
            response.set_cookie(value=auth.new_session(), **auth.cookie_settings(request))  # type: ignore[arg-type]
            return response
        if auth.request_session(request) is None:
            return _gate(auth)
        found = _file(ui_dir, path)
        if found is None:
            return Response("Not found", status_code=404, media_type="text/plain", headers=SECURITY_HEADERS)
        media = _TYPES.get(found.suffix) or mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return Response(found.read_bytes(), media_type=media, headers={"Cache-Control": "no-cache", **SECURITY_HEADERS})

    return router
