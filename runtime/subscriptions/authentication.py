"""Who is on a WebSocket: a token from ``connection_init`` or, for pages, the session cookie.

Accepted token places, first found wins: ``{"authToken": t}``,
``{"headers": {"Authorization": "Bearer t"}}`` (any case), ``{"Authorization": "Bearer t"}``
(any case). A bare token without "Bearer" is accepted too. No token and no usable
cookie: anonymous. The page runtime connects from the browser with its HttpOnly
cookie ``mm_session``; it counts only when the ``Origin`` header names the host the
socket was opened on, so another site cannot ride a visitor's cookie (cross-site
WebSocket hijacking).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from runtime.auth.sessions import SESSION_COOKIE, session_from_token, token_expires_at
from runtime.types import Session

DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


def _strip_bearer(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() == "bearer":
        return rest.strip() or None
    return value.strip()


def _authorization(headers: Any) -> str | None:
    if not isinstance(headers, Mapping):
        return None
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == "authorization":
            return _strip_bearer(value)
    return None


def token_from_init(payload: Any) -> str | None:
    """The bearer token a ``connection_init`` payload carries, if any."""
    if not isinstance(payload, Mapping):
        return None
    return _strip_bearer(payload.get("authToken")) or _authorization(payload.get("headers")) or _authorization(payload)


def init_headers(payload: Any) -> dict[str, str]:
    """The ``headers`` of a ``connection_init`` payload, lower-cased (passed on to the executor)."""
    headers = payload.get("headers") if isinstance(payload, Mapping) else None
    if not isinstance(headers, Mapping):
        return {}
    return {str(k).lower(): str(v) for k, v in headers.items() if isinstance(v, (str, int))}


def _host_port(netloc: str, scheme: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        return (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme, 80)
    except ValueError:
        return None


def same_origin(origin: str | None, hosts: list[str]) -> bool:
    """True when ``origin`` (scheme://host[:port]) names one of ``hosts`` (Host header values)."""
    if not origin or origin == "null":
        return False
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    wanted = _host_port(parts.netloc, parts.scheme)
    return any(host and _host_port(host, parts.scheme) == wanted for host in hosts)


def cookie_token(headers: Mapping[str, str], cookies: Mapping[str, str]) -> str | None:
    """The page session cookie, only for a same-origin browser connection."""
    token = cookies.get(SESSION_COOKIE)
    if not token:
        return None
    hosts = [headers.get("host", ""), headers.get("x-forwarded-host", "")]
    return token if same_origin(headers.get("origin"), hosts) else None


def connection_token(payload: Any, headers: Mapping[str, str], cookies: Mapping[str, str]) -> str | None:
    """The token a connection is opened with: from ``connection_init``, else the page cookie."""
    return token_from_init(payload) or cookie_token(headers, cookies)


async def connection_session(project: Any, payload: Any, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Session:
    """The session of a connection; raises ``InvalidToken`` for a token that is not valid."""
    return await session_from_token(project, connection_token(payload, headers, cookies))


def seconds_left(project: Any, token: str | None) -> float | None:
    """Seconds until ``token`` expires (None: it does not); raises ``InvalidToken`` when not valid."""
    expires_at = token_expires_at(project, token)
    if expires_at is None:
        return None
    return (expires_at - dt.datetime.now(dt.UTC)).total_seconds()
