"""Who is asking: turn a bearer token or a page's session cookie into a Session.

- ``session_from_token(project, token)`` — no token: anonymous; the admin
  token: admin; a valid JWT of this project whose account still exists: user
  (with its custom roles); anything else raises InvalidToken (401).
- ``session_from_http(project, authorization, cookies, csrf_header, method)`` —
  for HTTP: the bearer header wins; else the page cookie ``SESSION_COOKIE`` (a
  JWT, HttpOnly) which, on state-changing methods, needs the ``X-CSRF-Token``
  header equal to the ``CSRF_COOKIE`` cookie (double submit).

Roles come from the database through a per-process cache of a few seconds
(``runtime.auth.roles``), so granting or revoking a role needs no new token.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Mapping
from typing import Any

import psycopg

from runtime.auth.admin import is_admin_token
from runtime.auth.errors import InvalidToken
from runtime.auth.roles import cached_account, effective_roles
from runtime.auth.tokens import decode_token
from runtime.db_errors import unavailable
from runtime.types import USER, Session

__all__ = [
    "CSRF_COOKIE", "CSRF_HEADER", "SESSION_COOKIE", "InvalidToken", "bearer", "session_from_http", "session_from_token", "token_expires_at",
]

SESSION_COOKIE = "mm_session"
CSRF_COOKIE = "mm_csrf"
CSRF_HEADER = "x-csrf-token"
MAX_TOKEN_LENGTH = 4096


async def session_from_token(project: Any, token: str | None) -> Session:
    try:
        return await _session_from_token(project, token)
    except psycopg.Error as exc:  # the account lookup met a database that is away: 503, retryable
        gone = unavailable(exc)
        if gone is None:
            raise
        raise gone from exc


async def _session_from_token(project: Any, token: str | None) -> Session:
    if not token:
        return Session.anonymous()
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("the token is not valid for this project")
    if await is_admin_token(project, token):
        return Session.admin()
    claims = decode_token(project, token)
    account = await cached_account(project, claims.account_id)
    if account is None:
        raise InvalidToken("the account of this token no longer exists")
    if account.token_version != claims.token_version:
        raise InvalidToken("the token was revoked (logged out): log in again")
    return Session(role=USER, account_id=account.account_id, roles=effective_roles(project, account.roles), username=account.username)


async def session_from_http(project: Any, authorization: str | None, cookies: Mapping[str, str], csrf_header: str | None, method: str) -> Session:
    if authorization:
        token = bearer(authorization)
        if token is None:
            raise InvalidToken("the Authorization header must be `Bearer <token>`")
        return await session_from_token(project, token)
    cookie = cookies.get(SESSION_COOKIE)
    if not cookie:
        return Session.anonymous()
    if method.upper() not in ("GET", "HEAD", "OPTIONS"):
        expected = cookies.get(CSRF_COOKIE) or ""
        if not expected or not csrf_header or not hmac.compare_digest(expected.encode(), csrf_header.encode()):
            raise InvalidToken("missing or wrong CSRF token: reload the page and try again")
    return await session_from_token(project, cookie)


def token_expires_at(project: Any, token: str | None) -> dt.datetime | None:
    """When a user token stops being valid (None for no token or the admin token).

    For long-lived connections (WebSockets): close them at this time, and call
    ``session_from_token`` again now and then to pick up role changes and rotation.
    Raises InvalidToken for a token that is not valid now.
    """
    if not token or hmac.compare_digest(token.encode("utf-8", "surrogatepass"), project.secrets.admin_token.encode()):
        return None
    return decode_token(project, token).expires_at


def bearer(value: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value."""
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
