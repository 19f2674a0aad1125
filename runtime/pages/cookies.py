"""The page session in cookies: an HttpOnly JWT plus a double-submit CSRF token.

``mm_session`` (HttpOnly, SameSite=Lax, path ``/p/<slug>``) holds the JWT; the
readable ``mm_csrf`` cookie is echoed by the page's JavaScript in the
``X-CSRF-Token`` header of every state-changing request. Nothing goes to
localStorage.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from runtime.auth.sessions import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE

_SAFE_PATH = re.compile(r"^/[A-Za-z0-9\-._~/%?=&+]*$")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: http: data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)


def cookie_path(slug: str) -> str:
    return f"/p/{slug}"


def safe_next(slug: str, value: str | None) -> str:
    """Where to go after logging in: a relative path inside this app, else its home page."""
    home = f"/p/{slug}/"
    if not value or not _SAFE_PATH.fullmatch(value) or value.startswith("//") or "\\" in value:
        return home
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not (parts.path + "/").startswith(home):
        return home
    if parts.path.rstrip("/") in (f"/p/{slug}/login", f"/p/{slug}/logout"):
        return home
    return value


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def ensure_csrf_cookie(request: Request, response: Response, slug: str) -> None:
    """Give the visitor a CSRF token if they have none yet (readable by the page's script)."""
    if not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(32), path=cookie_path(slug), samesite="lax", secure=_secure(request), httponly=False)


def csrf_ok(request: Request) -> bool:
    """Double submit: the header must equal the cookie (a foreign site can read neither)."""
    expected = request.cookies.get(CSRF_COOKIE) or ""
    sent = request.headers.get(CSRF_HEADER) or ""
    return bool(expected) and bool(sent) and hmac.compare_digest(expected.encode(), sent.encode())


def set_session_cookie(request: Request, response: Response, slug: str, token: str, max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path=cookie_path(slug), httponly=True, samesite="lax", secure=_secure(request))


def clear_session_cookie(request: Request, response: Response, slug: str) -> None:
    response.delete_cookie(SESSION_COOKIE, path=cookie_path(slug), httponly=True, samesite="lax", secure=_secure(request))


def add_security_headers(response: Response) -> None:
    headers: Mapping[str, str] = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }
    for name, value in headers.items():
        response.headers[name] = value
