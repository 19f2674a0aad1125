"""JWTs of a project: what is accepted and everything that must be refused."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from types import SimpleNamespace

import jwt
import pytest

from runtime.auth.errors import InvalidToken
from runtime.auth.tokens import decode_token, issue_token
from runtime.project import ProjectSecrets


def _project(slug: str = "shop", secret: str = "s" * 43):
    return SimpleNamespace(slug=slug, secrets=ProjectSecrets(jwt_secret=secret, admin_token="admin-" + slug))


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_round_trip() -> None:
    project = _project()
    token, expires = issue_token(project, 12, ttl_minutes=5)
    claims = decode_token(project, token)
    assert claims.account_id == 12 and claims.expires_at == expires.replace(microsecond=0)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "HS256"
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload["aud"] == "shop" and payload["iss"] == "minimomen:shop" and payload["sub"] == "12"


def _refused(project, token: str) -> None:
    with pytest.raises(InvalidToken) as info:
        decode_token(project, token)
    assert info.value.code == "UNAUTHENTICATED" and info.value.http_status == 401


def test_forged_signature_is_refused() -> None:
    project = _project()
    token, _ = issue_token(project, 1, 5)
    head, _body, signature = token.split(".")
    forged_body = _b64({**jwt.decode(token, options={"verify_signature": False}), "sub": "2"})
    _refused(project, f"{head}.{forged_body}.{signature}")
    _refused(project, jwt.encode({"sub": "1", "aud": "shop", "iss": "minimomen:shop", "exp": 2**40, "iat": 0}, "wrong-secret-" * 4, algorithm="HS256"))


def test_alg_none_is_refused() -> None:
    project = _project()
    claims = {"sub": "1", "aud": "shop", "iss": "minimomen:shop", "exp": 2**40, "iat": 0}
    _refused(project, f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.")
    _refused(project, jwt.encode(claims, None, algorithm="none"))


def test_expired_is_refused() -> None:
    project = _project()
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    token = jwt.encode({"sub": "1", "aud": "shop", "iss": "minimomen:shop", "iat": past, "exp": past + dt.timedelta(minutes=1)}, project.secrets.jwt_secret, algorithm="HS256")
    with pytest.raises(InvalidToken, match="expired"):
        decode_token(project, token)


def test_missing_exp_or_other_project_is_refused() -> None:
    project = _project()
    _refused(project, jwt.encode({"sub": "1", "aud": "shop", "iss": "minimomen:shop", "iat": 0}, project.secrets.jwt_secret, algorithm="HS256"))
    # Same secret, other project: audience and issuer differ.
    other = _project(slug="other", secret=project.secrets.jwt_secret)
    token, _ = issue_token(other, 1, 5)
    _refused(project, token)
    _refused(project, "not-a-token")


def test_token_expires_at() -> None:
    from runtime.auth.sessions import token_expires_at

    project = _project()
    token, expires = issue_token(project, 3, ttl_minutes=7)
    assert token_expires_at(project, token) == expires.replace(microsecond=0)
    assert token_expires_at(project, None) is None and token_expires_at(project, project.secrets.admin_token) is None
    with pytest.raises(InvalidToken):
        token_expires_at(project, "junk")


def test_a_remembered_token_still_expires_on_time() -> None:
    project = _project(slug="remembered")
    now = dt.datetime.now(dt.UTC)
    token = jwt.encode({"sub": "7", "aud": "remembered", "iss": "minimomen:remembered", "iat": now, "exp": now + dt.timedelta(seconds=1)},
                       project.secrets.jwt_secret, algorithm="HS256")
    assert decode_token(project, token).account_id == 7
    assert decode_token(project, token).account_id == 7  # from memory
    time.sleep(max(0.0, (now + dt.timedelta(seconds=1)).timestamp() - time.time()) + 0.05)
    with pytest.raises(InvalidToken, match="expired"):
        decode_token(project, token)


def test_a_remembered_token_is_refused_after_the_secret_changes_or_by_another_project() -> None:
    project = _project(slug="rotating", secret="a" * 43)
    token, _ = issue_token(project, 3, 5)
    assert decode_token(project, token).account_id == 3
    _refused(_project(slug="rotating", secret="b" * 43), token)
    _refused(_project(slug="other", secret="a" * 43), token)
    assert decode_token(project, token).account_id == 3


def test_the_memory_of_verified_tokens_is_bounded() -> None:
    from runtime.auth.tokens import Claims, VerifiedTokens

    memory = VerifiedTokens(size=2)
    claims = Claims(account_id=1, expires_at=dt.datetime.now(dt.UTC))
    for n in range(3):
        memory.put(("p", "s", bytes([n])), claims)
    assert memory.get(("p", "s", bytes([0]))) is None
    assert memory.get(("p", "s", bytes([2]))) is claims
