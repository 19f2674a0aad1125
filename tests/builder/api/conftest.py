"""A designer API on a temporary workspace, without a runtime (builder-only endpoints)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from builder.api.routes import build_designer_router
from builder.storage import Workspace
from tests.conftest import DESIGNER_TOKEN, copy_sample


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    copy_sample(tmp_path)
    return Workspace(tmp_path)


@pytest.fixture
def app(workspace: Workspace) -> FastAPI:
    app = FastAPI()
    app.include_router(build_designer_router(workspace, None, DESIGNER_TOKEN))
    return app


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """Signed in through the token link, with the CSRF header on every request."""
    with TestClient(app) as client:
        response = client.get(f"/designer/?token={DESIGNER_TOKEN}", follow_redirects=False)
        assert response.status_code == 303
        client.headers["X-Designer-CSRF"] = client.get("/api/session").json()["csrf"]
        yield client
