"""JSON Web Tokens of one project: HS256, signed with the project's own secret.

``iss`` and ``aud`` carry the project slug, so a token of another project is
refused even if two projects ever shared a secret. Only HS256 is accepted
(never ``none``), and ``exp`` is required.

Verifying a signature costs more CPU than a one-row query, and a page sends the
same token with every request, so tokens that verified are remembered (by the
SHA-256 of the token, with the project and its secret in the key: a rotated
secret matches nothing) until they expire; the expiry is checked on every use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt

from runtime.auth.errors import InvalidToken

ALGORITHM = "HS256"
ISSUER_PREFIX = "minimomen:"
VERIFIED_TOKENS_KEPT = 10_000


@dataclass(frozen=True)
class Claims:
    account_id: int
    expires_at: dt.datetime
    token_version: int = 0


def issuer(slug: str) -> str:
    return ISSUER_PREFIX + slug


def issue_token(project: Any, account_id: int, ttl_minutes: int, token_version: int = 0) -> tuple[str, dt.datetime]:
    """A signed token for ``account_id`` and when it expires; ``tv`` is the account's token version (logout bumps it)."""
    now = dt.datetime.now(dt.UTC)
    expires = now + dt.timedelta(minutes=ttl_minutes)
    claims = {"sub": str(account_id), "iss": issuer(project.slug), "aud": project.slug, "iat": now, "exp": expires, "tv": token_version}
    return jwt.encode(claims, project.secrets.jwt_secret, algorithm=ALGORITHM), expires


class VerifiedTokens:
    """A bounded least-recently-used memory of tokens whose signature and claims checked out."""

    def __init__(self, size: int = VERIFIED_TOKENS_KEPT):
        self.size = size
        self._claims: OrderedDict[tuple[str, str, bytes], Claims] = OrderedDict()

    def get(self, key: tuple[str, str, bytes]) -> Claims | None:
        claims = self._claims.get(key)
        if claims is not None:
            self._claims.move_to_end(key)
        return claims

    def put(self, key: tuple[str, str, bytes], claims: Claims) -> None:
        self._claims[key] = claims
        if len(self._claims) > self.size:
            self._claims.popitem(last=False)

    def forget(self, key: tuple[str, str, bytes]) -> None:
        self._claims.pop(key, None)


VERIFIED = VerifiedTokens()


def decode_token(project: Any, token: str) -> Claims:
    """The claims of a valid token of this project; InvalidToken otherwise (never says why in detail)."""
    key = (project.slug, project.secrets.jwt_secret, hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest())
    claims = VERIFIED.get(key)
    if claims is None:
        claims = _verify(project, token)
        VERIFIED.put(key, claims)
    elif claims.expires_at.timestamp() <= time.time():
        VERIFIED.forget(key)
        raise InvalidToken("the token has expired: log in again")
    return claims


def _verify(project: Any, token: str) -> Claims:
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
    subject, version = claims.get("sub"), claims.get("tv", 0)
    # ASCII digits only: str.isdigit() also accepts "١" (Arabic-Indic one), which int() reads as 1.
    if not isinstance(subject, str) or not (subject.isascii() and subject.isdigit()) or len(subject) > 19:
        raise InvalidToken("the token is not valid for this project")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidToken("the token is not valid for this project")
    return Claims(account_id=int(subject), expires_at=dt.datetime.fromtimestamp(claims["exp"], dt.UTC), token_version=version)
