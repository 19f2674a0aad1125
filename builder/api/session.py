"""The designer's session: a one-time token exchanged for a signed, expiring cookie.

Like Jupyter, ``minimomen serve`` prints a URL with a token. Opening it sets an
HttpOnly, SameSite=Strict cookie whose value is ``v1.<expiry>.<nonce>.<hmac>``,
signed with a key derived from the token, so every worker started with the same
token accepts the same sessions without shared state. State-changing API calls
also need the ``X-Designer-CSRF`` header, an HMAC of the session value that the
designer page fetches from ``GET /api/session``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from fastapi import Request

SESSION_COOKIE = "mm_designer"
CSRF_HEADER = "x-designer-csrf"
SESSION_TTL_SECONDS = 12 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_VERSION = "v1"


@dataclass(frozen=True)
class DesignerAuth:
    """Signs and checks designer sessions; ``token`` None disables the designer."""

    token: str | None
    ttl_seconds: int = SESSION_TTL_SECONDS

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def _key(self) -> bytes:
        assert self.token, "the designer is disabled"
        return hmac.new(b"minimomen-designer-session", self.token.encode(), hashlib.sha256).digest()

    def _sign(self, payload: str) -> str:
        return hmac.new(self._key(), payload.encode(), hashlib.sha256).hexdigest()

    def token_matches(self, candidate: str | None) -> bool:
        """Constant-time comparison of a presented token with the configured one."""
        if not self.enabled or not candidate:
            return False
        return hmac.compare_digest(candidate.encode(), str(self.token).encode())

    def new_session(self, now: float | None = None) -> str:
        expiry = int((now if now is not None else time.time()) + self.ttl_seconds)
        payload = f"{_VERSION}.{expiry}.{secrets.token_urlsafe(16)}"
        return f"{payload}.{self._sign(payload)}"

    def session_valid(self, value: str | None, now: float | None = None) -> bool:
        if not self.enabled or not value:
            return False
        parts = value.split(".")
        if len(parts) != 4 or parts[0] != _VERSION:
            return False
        payload, signature = ".".join(parts[:3]), parts[3]
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return False
        try:
            expiry = int(parts[1])
        except ValueError:
            return False
        return expiry > (now if now is not None else time.time())

    def csrf_for(self, session: str) -> str:
        return self._sign("csrf:" + session)

    def csrf_valid(self, session: str, header: str | None) -> bool:
        return bool(header) and hmac.compare_digest(str(header).encode(), self.csrf_for(session).encode())

    def request_session(self, request: Request) -> str | None:
        """The request's valid session value, or None."""
        value = request.cookies.get(SESSION_COOKIE)
        return value if self.session_valid(value) else None

    def cookie_settings(self, request: Request) -> dict[str, object]:
        return {
            "key": SESSION_COOKIE,
            "max_age": self.ttl_seconds,
            "httponly": True,
            "samesite": "strict",
            "secure": request.url.scheme == "https",
            "path": "/",
        }
