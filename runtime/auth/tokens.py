"""JSON Web Tokens of one project: HS256, signed with the project's own secret.

``iss`` and ``aud`` carry the project slug, so a token of another project is
refused even if two projects ever shared a secret. Only HS256 is accepted
(never ``none``), and ``exp`` is required.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import jwt

from runtime.auth.errors import InvalidToken

ALGORITHM = "HS256"
ISSUER_PREFIX = "minimomen:"


@dataclass(frozen=True)
class Claims:
    account_id: int
    expires_at: dt.datetime


def issuer(slug: str) -> str:
    return ISSUER_PREFIX + slug


def issue_token(project: Any, account_id: int, ttl_minutes: int) -> tuple[str, dt.datetime]:
    """A signed token for ``account_id`` and when it expires."""
    now = dt.datetime.now(dt.UTC)
    expires = now + dt.timedelta(minutes=ttl_minutes)
    claims = {"sub": str(account_id), "iss": issuer(project.slug), "aud": project.slug, "iat": now, "exp": expires}
    return jwt.encode(claims, project.secrets.jwt_secret, algorithm=ALGORITHM), expires


def decode_token(project: Any, token: str) -> Claims:
    """The claims of a valid token of this project; InvalidToken otherwise (never says why in detail)."""
    try:
        claims = jwt.decode(
            token,
            project.secrets.jwt_secret,
            algorithms=[ALGORITHM],
            audience=project.slug,
            issuer=issuer(project.slug),
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the token has expired: log in again") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("the token is not valid for this project") from exc
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.isdigit():
        raise InvalidToken("the token is not valid for this project")
    return Claims(account_id=int(subject), expires_at=dt.datetime.fromtimestamp(claims["exp"], dt.UTC))
