"""A logged-out JWT is refused; only ASCII digits make an account id in a token."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from runtime.auth.accounts import authenticate
from runtime.auth.errors import InvalidToken
from runtime.auth.sessions import session_from_token
from runtime.auth.tokens import ALGORITHM, issuer
from tests.conftest import LiveServer
from tests.runtime.auth.project_harness import run_with_project, sample_with

SLUG = "inventory_deduction"
ME = "{ account { id username } }"


def test_a_logged_out_token_is_refused(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        client.get(f"/p/{SLUG}/login")
        csrf = client.cookies["mm_csrf"]
        body = {"username": "frank_out", "password": "a-good-password", "register": True}
        assert client.post(f"/p/{SLUG}/login", json=body, headers={"x-csrf-token": csrf}).status_code == 200
        token = client.cookies["mm_session"]
        bearer = {"authorization": f"Bearer {token}"}
        assert "errors" not in httpx.post(live_server.graphql_url(), json={"query": ME}, headers=bearer).json()
        assert client.post(f"/p/{SLUG}/logout", headers={"x-csrf-token": csrf}).status_code == 200
        # The copied token no longer works, on this worker at once.
        after = httpx.post(live_server.graphql_url(), json={"query": ME}, headers={**bearer, "accept": "application/graphql-response+json"})
        assert after.status_code == 401, after.text  # (application/json answers 200 with invalid-jwt, as Hasura)
        # Logging in again gives a token that works.
        again = client.post(f"/p/{SLUG}/login", json={**body, "register": False}, headers={"x-csrf-token": csrf})
        assert again.status_code == 200
        fresh = {"authorization": f"Bearer {client.cookies['mm_session']}"}
        assert "errors" not in httpx.post(live_server.graphql_url(), json={"query": ME}, headers=fresh).json()


def test_a_subject_of_non_ascii_digits_is_refused(db_server, tmp_path: Path) -> None:
    async def scenario(project: Any) -> None:
        account, _ = await authenticate(project, "grace", "right-password", register=True)
        assert account["id"] == 1
        now = dt.datetime.now(dt.UTC)
        for subject in ("١", "１", "1"):
            claims = {"sub": subject, "iss": issuer(project.slug), "aud": project.slug, "iat": now, "exp": now + dt.timedelta(minutes=5)}
            token = jwt.encode(claims, project.secrets.jwt_secret, algorithm=ALGORITHM)
            if subject == "1":
                assert (await session_from_token(project, token)).account_id == 1
            else:
                with pytest.raises(InvalidToken):
                    await session_from_token(project, token)

    run_with_project(db_server, sample_with(tmp_path), scenario)


AUTH = "mutation($u: String!, $p: String!, $r: Boolean) { authenticateWithUsername(username: $u, password: $p, register: $r) { jwt { token } } }"
CHANGE = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { account { username } jwt { token } } }"


def _gql(url: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"authorization": f"Bearer {token}", "accept": "application/graphql-response+json"} if token else {}
    response = httpx.post(url, json={"query": query, "variables": variables or {}}, headers=headers, timeout=30)
    assert "Traceback" not in response.text
    return response.status_code, response.json()


def _token(url: str, username: str, password: str, register: bool = False) -> str:
    status, body = _gql(url, AUTH, {"u": username, "p": password, "r": register})
    assert status == 200 and "errors" not in body, body
    return str(body["data"]["authenticateWithUsername"]["jwt"]["token"])


def test_the_logout_mutation_revokes_every_token_of_the_account(live_server: LiveServer) -> None:
    url = live_server.graphql_url()
    first = _token(url, "hank_out", "a-good-password", register=True)
    second = _token(url, "hank_out", "a-good-password")  # another device
    assert _gql(url, ME, token=second)[0] == 200
    status, body = _gql(url, "mutation { logout }", token=first)
    assert status == 200 and body == {"data": {"logout": True}}, body
    for token in (first, second):
        status, body = _gql(url, ME, token=token)
        assert status == 401 and body["errors"][0]["extensions"]["code"] == "invalid-jwt", body
    # Anonymous visitors have no logout to call.
    _status, body = _gql(url, "mutation { logout }")
    assert "errors" in body and "logout" in body["errors"][0]["message"]
    assert _gql(url, ME, token=_token(url, "hank_out", "a-good-password"))[0] == 200


def test_changing_the_password_revokes_earlier_tokens_and_checks_the_current_one(live_server: LiveServer) -> None:
    url = live_server.graphql_url()
    old = _token(url, "ivy_pw", "first-password", register=True)
    # A wrong current password changes nothing.
    status, body = _gql(url, CHANGE, {"c": "not-it", "n": "second-password"}, token=old)
    assert body["errors"][0]["message"] == "the current password is not right", body
    assert _gql(url, ME, token=old)[0] == 200
    # A too short new password is refused with the rule, nothing changed.
    status, body = _gql(url, CHANGE, {"c": "first-password", "n": "x"}, token=old)
    assert "at least" in body["errors"][0]["message"], body
    _token(url, "ivy_pw", "first-password")
    status, body = _gql(url, CHANGE, {"c": "first-password", "n": "second-password"}, token=old)
    assert status == 200 and "errors" not in body, body
    fresh = body["data"]["changePassword"]["jwt"]["token"]
    assert body["data"]["changePassword"]["account"]["username"] == "ivy_pw"
    assert _gql(url, ME, token=old)[0] == 401  # the token from before the change is revoked
    assert _gql(url, ME, token=fresh)[0] == 200
    status, body = _gql(url, AUTH, {"u": "ivy_pw", "p": "first-password", "r": False})
    assert body["errors"][0]["message"] == "wrong username or password"
    _token(url, "ivy_pw", "second-password")
