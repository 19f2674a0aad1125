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
