"""A workspace of 100 small projects: `minimomen serve` on its own embedded PostgreSQL starts and serves every one.

Before, the embedded server kept PostgreSQL's default of 100 connections and every
project held a few: the 34th project of a workspace got "too many clients" at start-up
and the server exited. Now ``max_connections`` is sized for the workspace
(``runtime.embedded_postgres.connection_budget``) and idle projects hold few connections.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

from runtime.database import DatabaseServer
from runtime.embedded_postgres import MAX_CONNECTIONS_ENV, RESERVE, connection_budget
from tests.conftest import start_server

COUNT = 100
POOL_SIZE = 20  # serve's default


def tiny(i: int) -> dict[str, Any]:
    """A small project: one table anyone may read, and a home page."""
    return {
        "format": 1, "name": f"Tiny {i}",
        "tables": [{"id": "tbl_account", "name": "account", "fields": []},
                   {"id": "tbl_note", "name": "note", "fields": [{"id": "fld_note_title", "name": "title", "type": "text"}]}],
        "pages": [{"id": "page_home", "name": "Home", "path": "", "title": f"Tiny {i}",
                   "components": [{"id": "hello", "name": "Hello", "type": "text", "value": f"Hello from tiny {i}"}]}],
        "permissions": {"tables": [{"role": "anonymous", "table": "tbl_note", "select": {"columns": "*"}}]},
        "settings": {"home_page": "page_home"},
    }


def client_connections(db: DatabaseServer) -> int:
    with db.connect(autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'").fetchone()
    assert row is not None
    return int(row[0]) - 1  # not this one


def test_a_workspace_of_100_small_projects_starts_and_serves_every_one(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    for i in range(COUNT):
        folder = workspace / f"tiny{i:03d}"
        (folder / "migrations").mkdir(parents=True)
        (folder / "app.json").write_text(json.dumps(tiny(i)))
    started = time.monotonic()
    # Its own embedded PostgreSQL (DATABASE_URL empty), sized by serve; no override from the environment.
    server = start_server(workspace, SimpleNamespace(url=""), extra_env={"DATABASE_URL": "", MAX_CONNECTIONS_ENV: ""}, ready_timeout=300)
    db: DatabaseServer | None = None
    try:
        ready = time.monotonic() - started
        db = DatabaseServer.start(workspace)  # joins the server serve started
        with db.connect(autocommit=True) as conn:
            row = conn.execute("SHOW max_connections").fetchone()
        assert row is not None
        max_connections = int(row[0])
        assert max_connections == connection_budget(COUNT, 1, POOL_SIZE) >= COUNT * 3
        peak = client_connections(db)
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for i in range(COUNT):
                slug = f"tiny{i:03d}"
                answer = http.post(f"/p/{slug}/graphql", json={"query": "{ note { id title } }"})
                assert answer.status_code == 200 and answer.json() == {"data": {"note": []}}, (slug, answer.text)
                page = http.get(f"/p/{slug}/")
                assert page.status_code == 200 and f"Hello from tiny {i}" in page.text, (slug, page.status_code)
                if i % 10 == 0:
                    peak = max(peak, client_connections(db))
        peak = max(peak, client_connections(db))
        # Room is left for `minimomen` commands and a burst: the idle workspace is well within the budget.
        assert peak <= max_connections - RESERVE, (peak, max_connections)
        log = server.log()
        assert "too many clients" not in log and "not served" not in log, log[-3000:]
        assert server.process.poll() is None
        print(f"{COUNT} projects: healthy after {ready:.0f} s, max_connections {max_connections}, peak {peak} client connections")
    finally:
        server.stop()
        if db is not None:
            db.stop()


def test_the_connection_budget_grows_with_projects_and_workers_and_the_setting_overrides_it(monkeypatch: Any) -> None:
    monkeypatch.delenv(MAX_CONNECTIONS_ENV, raising=False)
    assert connection_budget(1, 1, 20) == 100  # never below PostgreSQL's default
    assert connection_budget(100, 1, 20) == 365
    assert connection_budget(100, 2, 20) == 2 * 345 + RESERVE
    monkeypatch.setenv(MAX_CONNECTIONS_ENV, "500")
    assert connection_budget(100, 2, 20) == 500
