"""The designer token: a generated one is exchanged once, guesses are throttled, the designer is never framed."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from builder.api.routes import build_designer_router
from builder.storage import Workspace
from tests.conftest import DESIGNER_TOKEN, copy_sample, start_server


def _app(workspace: Workspace, once: bool) -> FastAPI:
    app = FastAPI()
    app.include_router(build_designer_router(workspace, None, DESIGNER_TOKEN, token_once=once))
    return app


def test_a_one_time_token_is_refused_on_reuse(tmp_path: Path) -> None:
    app = _app(Workspace(tmp_path), once=True)
    with TestClient(app) as first, TestClient(app) as second:
        assert first.post("/api/session", json={"token": DESIGNER_TOKEN}).status_code == 200
        again = second.post("/api/session", json={"token": DESIGNER_TOKEN})
        assert again.status_code == 401 and "already used" in again.json()["detail"]["message"]
        assert second.get(f"/designer/?token={DESIGNER_TOKEN}", follow_redirects=False).status_code == 401
        assert first.get("/api/projects").status_code == 200  # the session it gave keeps working
    # Another app on the same workspace (another worker) agrees it is spent.
    with TestClient(_app(Workspace(tmp_path), once=True)) as third:
        assert third.post("/api/session", json={"token": DESIGNER_TOKEN}).status_code == 401


def test_wrong_guesses_are_throttled_even_for_the_right_token_then(tmp_path: Path) -> None:
    with TestClient(_app(Workspace(tmp_path), once=False)) as client:
        codes = [client.post("/api/session", json={"token": f"guess-{i}"}).status_code for i in range(12)]
        assert codes[:10] == [401] * 10 and codes[10:] == [429, 429], codes
        throttled = client.post("/api/session", json={"token": DESIGNER_TOKEN})
        assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
        assert client.get("/designer/?token=x", follow_redirects=False).status_code == 429


def test_the_designer_sends_a_strict_csp(tmp_path: Path) -> None:
    copy_sample(tmp_path)
    with TestClient(_app(Workspace(tmp_path), once=False)) as client:
        gate = client.get("/designer/")
        client.get(f"/designer/?token={DESIGNER_TOKEN}")
        for response in (gate, client.get("/designer/"), client.get("/designer/js/app.js")):
            csp = response.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert response.headers["X-Frame-Options"] == "DENY"


def test_the_link_printed_by_serve_works_once(tmp_path: Path, db_server) -> None:  # type: ignore[no-untyped-def]
    workspace = tmp_path / "ws"
    copy_sample(workspace)
    server = start_server(workspace, db_server, extra_env={"MINIMOMEN_DESIGNER_TOKEN": ""})
    try:
        found = re.search(r"/designer/\?token=(\S+)", server.log())
        assert found, server.log()
        token = found.group(1)
        with httpx.Client(base_url=server.url, follow_redirects=True) as first, httpx.Client(base_url=server.url) as second:
            assert first.get(f"/designer/?token={token}").status_code == 200
            assert second.get(f"/designer/?token={token}").status_code == 401
            assert second.post("/api/session", json={"token": token}).status_code == 401
            assert first.get("/api/projects").status_code == 200
    finally:
        server.stop()
