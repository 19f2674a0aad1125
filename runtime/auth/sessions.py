"""Who is asking: turn a bearer token or a page's session cookie into a Session.

Placeholder until the auth package lands: admin token only. Contract:
- ``session_from_token(project, token)`` — no token: anonymous; admin token:
  admin; a valid JWT of this project: user; anything else raises InvalidToken.
- ``session_from_http(project, authorization, cookies, csrf_header, method)`` —
  for HTTP: the bearer header wins; else the page cookie ``SESSION_COOKIE`` (a
  JWT, HttpOnly) which, on state-changing methods, needs the ``X-CSRF-Token``
  header equal to the ``CSRF_COOKIE`` cookie (double submit).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from runtime.types import RuntimeError_, Session

SESSION_COOKIE = "mm_session"
CSRF_COOKIE = "mm_csrf"
CSRF_HEADER = "x-csrf-token"


class InvalidToken(RuntimeError_):
    code = "UNAUTHENTICATED"
    http_status = 401


async def session_from_token(project, token: str | None) -> Session:  # type: ignore[no-untyped-def]
    if not token:
        return Session.anonymous()
    if hmac.compare_digest(token.encode(), project.secrets.admin_token.encode()):
        return Session.admin()
    raise InvalidToken("the token is not valid for this project")


async def session_from_http(project, authorization: str | None, cookies: Mapping[str, str], csrf_header: str | None, method: str) -> Session:  # type: ignore[no-untyped-def]
    token = bearer(authorization)
    if token:
        return await session_from_token(project, token)
    cookie = cookies.get(SESSION_COOKIE)
    if not cookie:
        return Session.anonymous()
    if method.upper() not in ("GET", "HEAD", "OPTIONS"):
        expected = cookies.get(CSRF_COOKIE) or ""
        if not expected or not csrf_header or not hmac.compare_digest(expected.encode(), csrf_header.encode()):
            raise InvalidToken("missing or wrong CSRF token: reload the page and try again")
    return await session_from_token(project, cookie)


def bearer(value: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value."""
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
