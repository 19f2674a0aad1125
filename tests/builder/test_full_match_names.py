"""Names are checked with full-match patterns: a trailing newline is not a valid slug or name anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from builder.api.routes import build_designer_router
from builder.errors import StorageError
from builder.refactor import NAME_PATTERN
from builder.storage import APP_FILE, Workspace, check_slug
from runtime.database import DatabaseError, DatabaseServer
from tests.conftest import DESIGNER_TOKEN, REPO, copy_sample

SAMPLE = "inventory_deduction"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    copy_sample(tmp_path)
    return Workspace(tmp_path)


@pytest.fixture
def client(workspace: Workspace):  # type: ignore[no-untyped-def]
    app = FastAPI()
    app.include_router(build_designer_router(workspace, None, DESIGNER_TOKEN))
    with TestClient(app) as client:
        client.get(f"/designer/?token={DESIGNER_TOKEN}", follow_redirects=False)
        client.headers["X-Designer-CSRF"] = client.get("/api/session").json()["csrf"]
        yield client


@pytest.mark.parametrize("slug", ["evil\n", "evil\r\n", "\nevil", "ev il", "evil\x00"])
def test_the_api_refuses_a_slug_with_a_newline_and_writes_nothing(client: TestClient, workspace: Workspace, slug: str) -> None:
    response = client.post("/api/projects", json={"slug": slug, "name": "x"})
    assert response.status_code == 400, response.text
    assert not any(p.name.startswith("evil") for p in workspace.root.iterdir())


def test_storage_and_database_names_are_full_matches() -> None:
    with pytest.raises(StorageError):
        check_slug("evil\n")
    assert check_slug("evil") == "evil"
    assert NAME_PATTERN.fullmatch("price\n") is None
    with pytest.raises(DatabaseError):
        DatabaseServer("postgresql://localhost/x", prefix="mm_").database_name("evil\n")


def test_a_folder_with_a_trailing_newline_on_disk_is_not_a_project(workspace: Workspace) -> None:
    folder = workspace.root / "evil\n"
    folder.mkdir()
    (folder / APP_FILE).write_text((workspace.root / SAMPLE / APP_FILE).read_text())
    assert "evil\n" not in workspace.slugs()
    assert workspace.slugs() == [SAMPLE]


def test_the_cli_refuses_a_slug_with_a_newline(workspace: Workspace) -> None:
    folder = workspace.root / "evil\n"
    folder.mkdir()
    (folder / APP_FILE).write_text((workspace.root / SAMPLE / APP_FILE).read_text())
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for args in (["validate", "evil\n"], ["new", "evil\n"]):
        result = subprocess.run(
            [sys.executable, "-m", "runtime.cli", *args, "--workspace", str(workspace.root)],
            check=False, env=env, capture_output=True, text=True, timeout=60, cwd=str(REPO),
        )
        assert result.returncode != 0, (args, result.stdout)
        assert "valid" not in result.stdout
        assert "Traceback" not in result.stderr
    every = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "validate", "--workspace", str(workspace.root)],
        check=False, env=env, capture_output=True, text=True, timeout=60, cwd=str(REPO),
    )
    assert "evil" not in every.stdout and f"{SAMPLE}: valid" in every.stdout
