"""Cross-origin access to a project's GraphQL API: CORS for HTTP, the Origin check for WebSockets.

A project lists the browser origins besides its own that may call it
(``settings.allowed_origins``; none by default). The app's own origin (the request's
``Host``) is always allowed. A listed origin gets ``Access-Control-Allow-Origin: <origin>``
with credentials (cookies); ``*`` lets any origin in, without credentials (no
``Access-Control-Allow-Credentials``, and a WebSocket carrying cookies is refused).
A refused origin gets no CORS header at all, so the browser refuses the answer; a
refused preflight is a 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ALLOW_HEADERS = "authorization, content-type, accept, idempotency-key"
ALLOW_METHODS = "GET, POST, OPTIONS"
MAX_AGE = "600"


def allowed_origins(project: Any) -> tuple[str, ...]:
    if project is None:
        return ()
    return tuple(project.state.resolved.definition.settings.allowed_origins)


def own_origin(scheme: str, headers: Mapping[str, str]) -> str:
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    return f"{scheme}://{headers.get('host', '')}".lower()


def grant(origin: str | None, own: str, listed: tuple[str, ...], with_cookies: bool) -> str | None:
    """``"listed"`` (with credentials), ``"any"`` (``*``), ``"own"``, or None when ``origin`` is refused."""
    if origin is None:
        return "own"  # not a browser's cross-origin request
    origin = origin.lower().rstrip("/")
    if origin == own:
        return "own"
    if origin in (o.lower().rstrip("/") for o in listed):
        return "listed"
    if "*" in listed and not with_cookies:
        return "any"
    return None


def headers_for(origin: str | None, granted: str | None) -> list[tuple[bytes, bytes]]:
    """The CORS response headers of an actual (non-preflight) request."""
    if origin is None or granted is None:
        return [(b"vary", b"Origin")]
    if granted == "any":
        return [(b"access-control-allow-origin", b"*")]
    return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"access-control-allow-credentials", b"true"),
            (b"vary", b"Origin")]


def preflight(origin: str | None, granted: str | None) -> tuple[int, list[tuple[bytes, bytes]]]:
    """Status and headers of an ``OPTIONS`` preflight."""
    if origin is None or granted is None:
        return 403, [(b"vary", b"Origin")]
    return 204, [*headers_for(origin, granted), (b"access-control-allow-methods", ALLOW_METHODS.encode()),
                 (b"access-control-allow-headers", ALLOW_HEADERS.encode()), (b"access-control-max-age", MAX_AGE.encode())]
