"""The designer's door: token link -> signed cookie session; CSRF header on writes."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from builder.api.routes import build_designer_router
from builder.api.session import SESSION_COOKIE, DesignerAuth
from builder.storage import Workspace
from tests.conftest import DESIGNER_TOKEN


def test_without_a_session_everything_is_refused(anonymous: TestClient) -> None:
    response = anonymous.get("/api/projects")
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "UNAUTHENTICATED"
    page = anonymous.get("/designer/")
    assert page.status_code == 401
    assert "minimomen serve" in page.text
    assert anonymous.get("/designer/js/app.js").status_code == 401
    assert anonymous.post("/api/projects", json={"slug": "x", "name": "X"}).status_code == 401


def test_a_wrong_token_gets_the_gate(anonymous: TestClient) -> None:
    response = anonymous.get("/designer/?token=nope", follow_redirects=False)
    assert response.status_code == 401
    assert SESSION_COOKIE not in response.cookies
    assert anonymous.post("/api/session", json={"token": "nope"}).status_code == 401


def test_the_token_link_sets_a_strict_httponly_session(anonymous: TestClient) -> None:
    response = anonymous.get(f"/designer/?token={DESIGNER_TOKEN}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/designer/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert DESIGNER_TOKEN not in cookie
    page = anonymous.get("/designer/")
    assert page.status_code == 200 and '<div id="app"' in page.text
    assert anonymous.get("/designer/js/app.js").headers["content-type"].startswith("text/javascript")
    assert anonymous.get("/api/projects").status_code == 200


def test_writes_need_the_csrf_header(anonymous: TestClient) -> None:
    anonymous.get(f"/designer/?token={DESIGNER_TOKEN}")
    body = {"slug": "shop", "name": "Shop"}
    refused = anonymous.post("/api/projects", json=body)
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == "CSRF"
    assert anonymous.post("/api/projects", json=body, headers={"X-Designer-CSRF": "0" * 64}).status_code == 403
    csrf = anonymous.get("/api/session").json()["csrf"]
    assert anonymous.post("/api/projects", json=body, headers={"X-Designer-CSRF": csrf}).status_code == 201


def test_sessions_are_stateless_signed_and_expire() -> None:
    auth, other_worker = DesignerAuth("secret-token"), DesignerAuth("secret-token")
    session = auth.new_session(now=1000.0)
    assert other_worker.session_valid(session, now=1001.0)  # any worker with the same token agrees
    assert not auth.session_valid(session, now=1000.0 + auth.ttl_seconds + 1)  # expired
    version, expiry, nonce, signature = session.split(".")
    assert not auth.session_valid(f"{version}.{int(expiry) + 999999}.{nonce}.{signature}", now=1001.0)  # tampered
    assert not DesignerAuth("another-token").session_valid(session, now=1001.0)
    assert not auth.session_valid("garbage", now=1001.0)


def test_path_traversal_stays_inside_the_ui_folder(client: TestClient) -> None:
    for path in ("/designer/../builder/api/session.py", "/designer/%2e%2e/pyproject.toml", "/designer/js/../../pyproject.toml"):
        assert client.get(path).status_code in (404, 401)


def test_without_a_token_the_designer_is_off(workspace: Workspace) -> None:
    app = FastAPI()
    app.include_router(build_designer_router(workspace, None, None))
    with TestClient(app) as client:
        assert client.get("/designer/?token=").status_code == 401
        assert "switched off" in client.get("/designer/").text
        assert client.post("/api/session", json={"token": ""}).status_code == 401
        assert client.get("/api/projects").status_code == 401
