"""Turn a bearer token into a Session (placeholder: admin token only; JWTs come with auth)."""

from __future__ import annotations

import hmac

from runtime.types import RuntimeError_, Session


class InvalidToken(RuntimeError_):
    code = "UNAUTHENTICATED"
    http_status = 401


async def session_from_token(project, token: str | None) -> Session:  # type: ignore[no-untyped-def]
    """No token: anonymous. The admin token: admin. Anything else is refused."""
    if not token:
        return Session.anonymous()
    if hmac.compare_digest(token.encode(), project.secrets.admin_token.encode()):
        return Session.admin()
    raise InvalidToken("the token is not valid for this project")


def bearer(value: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value."""
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
