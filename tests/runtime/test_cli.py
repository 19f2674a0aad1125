"""The `minimomen` command line, run as a real subprocess against the session's PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest

from runtime.database import DatabaseServer
from tests.conftest import REPO, copy_sample, start_server, unique_prefix

SLUG = "inventory_deduction"


class Cli:
    def __init__(self, workspace: Path, db_server: DatabaseServer):
        self.workspace = workspace
        self.prefix = unique_prefix()
        self.db_server = db_server
        self.env = dict(os.environ, DATABASE_URL=db_server.url, MINIMOMEN_DB_PREFIX=self.prefix, PYTHONPATH=str(REPO))

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "runtime.cli", *args]
        if args and args[0] not in ("schema",) and "--workspace" not in args:
            command += ["--workspace", str(self.workspace)]
        return subprocess.run(command, check=False, env=self.env, capture_output=True, text=True, timeout=120, cwd=str(REPO))

    def cleanup(self) -> None:
        server = DatabaseServer(self.db_server.url, prefix=self.prefix)
        for folder in self.workspace.iterdir():
            if (folder / "app.json").exists():
                server.drop_database(server.database_name(folder.name))


@pytest.fixture
def cli(tmp_path: Path, db_server: DatabaseServer):  # type: ignore[no-untyped-def]
    workspace = tmp_path / "ws"
    copy_sample(workspace)
    runner = Cli(workspace, db_server)
    yield runner
    runner.cleanup()


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


def test_help_and_usage_errors(cli: Cli) -> None:
    result = cli("--help")
    assert result.returncode == 0 and "migrate" in result.stdout and "DATABASE_URL" in result.stdout
    assert cli("frobnicate").returncode == 2
    missing = cli("validate", "no_such_project")
    assert missing.returncode == 2 and "no_such_project" in missing.stderr
    no_traceback(missing)


def test_validate_accepts_the_sample_and_names_problems_of_a_broken_copy(cli: Cli) -> None:
    ok = cli("validate", SLUG)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"{SLUG}: valid" in ok.stdout

    app = cli.workspace / SLUG / "app.json"
    data = json.loads(app.read_text())
    data["relations"][1]["to_table"] = "tbl_nowhere"
    app.write_text(json.dumps(data))
    bad = cli("validate")
    assert bad.returncode == 1
    assert "INVALID" in bad.stdout
    assert "relations[1].to_table" in bad.stdout and "tbl_nowhere" in bad.stdout
    no_traceback(bad)

    # migrate, the explicit command, refuses it (serve keeps serving: tests/runtime/test_startup.py)
    refused = cli("migrate", SLUG)
    assert refused.returncode == 1 and "not valid" in refused.stderr
    no_traceback(refused)


def test_migrate_prints_the_plan_and_refuses_data_loss(cli: Cli) -> None:
    app = cli.workspace / SLUG / "app.json"
    data = json.loads(app.read_text())
    data["tables"].append({"id": "tbl_note", "name": "note", "fields": [{"id": "fld_body", "name": "body", "type": "text"}]})
    app.write_text(json.dumps(data))

    dry = cli("migrate", SLUG, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "create table `product`" in dry.stdout and "dry run" in dry.stdout
    assert "migrating inventory_deduction" in dry.stderr
    assert not list((cli.workspace / SLUG / "migrations").glob("*.py"))

    applied = cli("migrate", SLUG)
    assert applied.returncode == 0 and "version 1" in applied.stdout and "revision:" in applied.stdout
    again = cli("migrate")
    assert again.returncode == 0 and "up to date" in again.stdout

    server = DatabaseServer(cli.db_server.url, prefix=cli.prefix)
    with psycopg.connect(server.conninfo(server.database_name(SLUG)), autocommit=True) as conn:
        conn.execute("INSERT INTO note (body) VALUES ('keep me')")
    data["tables"].pop()
    app.write_text(json.dumps(data))
    refused = cli("migrate", SLUG)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "table `note` holds 1 row" in refused.stderr and "--allow-data-loss" in refused.stderr
    no_traceback(refused)
    allowed = cli("migrate", SLUG, "--allow-data-loss")
    assert allowed.returncode == 0 and "drop table `note`" in allowed.stdout


def test_token_is_the_last_line_and_rotates(cli: Cli) -> None:
    first = cli("token", SLUG)
    assert first.returncode == 0, first.stderr
    token = first.stdout.strip().splitlines()[-1]
    assert len(token) >= 40 and " " not in token
    assert cli("token", SLUG).stdout.strip().splitlines()[-1] == token
    rotated = cli("token", SLUG, "--rotate").stdout.strip().splitlines()[-1]
    assert rotated != token
    assert cli("token", SLUG).stdout.strip().splitlines()[-1] == rotated


def test_new_and_schema(cli: Cli) -> None:
    created = cli("new", "shop")
    assert created.returncode == 0 and (cli.workspace / "shop" / "app.json").exists()
    copied = cli("new", "shop_copy", "--from", SLUG)
    assert copied.returncode == 0
    assert "product" in (cli.workspace / "shop_copy" / "app.json").read_text()
    dup = cli("new", "shop")
    assert dup.returncode == 1 and "already exists" in dup.stderr
    no_traceback(dup)
    schema = cli("schema")
    assert schema.returncode == 0 and "tables" in json.loads(schema.stdout)["properties"]


def test_logs_lists_recent_actionflow_runs(cli: Cli) -> None:
    unpublished = cli("logs", SLUG)
    assert unpublished.returncode == 2 and "not been published" in unpublished.stderr
    assert cli("migrate", SLUG).returncode == 0
    server = DatabaseServer(cli.db_server.url, prefix=cli.prefix)
    with psycopg.connect(server.conninfo(server.database_name(SLUG)), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO minimomen.run_log (actionflow, version, caller, status, error, node, duration_ms) VALUES "
            "('place_order', 1, 'account:1', 'OK', NULL, NULL, 3.5), "
            "('place_order', 1, 'admin', 'FAILED', 'Stock shortage', 'raise_shortage', 2.25)"
        )
    text = cli("logs", SLUG, "--limit", "1")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.strip().splitlines()
    assert len(lines) == 1 and "FAILED" in lines[0] and "place_order" in lines[0] and "Stock shortage" in lines[0]
    as_json = cli("logs", SLUG, "--json")
    rows = [json.loads(line) for line in as_json.stdout.strip().splitlines()]
    assert [r["status"] for r in rows] == ["FAILED", "OK"]
    no_traceback(as_json)


def test_serve_publishes_and_brings_healthz_up(tmp_path: Path, db_server: DatabaseServer) -> None:
    workspace = tmp_path / "ws"
    copy_sample(workspace)
    prefix = unique_prefix()
    server = start_server(workspace, db_server, prefix=prefix)
    try:
        health = httpx.get(f"{server.url}/healthz", timeout=5)
        assert health.status_code == 200 and health.json()["projects"] == [SLUG]
        assert "Designer: http://127.0.0.1:" in server.log() and "/designer/?token=test-designer-token" in server.log()
        assert "migrating inventory_deduction" in server.log()
        token = server.admin_token()
        assert token == server.admin_token()
        assert list((workspace / SLUG / "migrations").glob("0001_*.py"))
    finally:
        server.stop()
        DatabaseServer(db_server.url, prefix=prefix).drop_database(prefix + SLUG)
    assert server.process.returncode == 0


def test_a_running_server_serves_a_project_the_cli_created_and_migrated(cli: Cli, db_server: DatabaseServer) -> None:
    import time

    server = start_server(cli.workspace, db_server, prefix=cli.prefix)
    try:
        url = f"{server.url}/p/fresh_cli/graphql"
        assert httpx.post(url, json={"query": "{ __typename }"}).status_code == 404
        assert cli("new", "fresh_cli").returncode == 0
        migrated = cli("migrate", "fresh_cli")
        assert migrated.returncode == 0, migrated.stderr
        deadline = time.monotonic() + 10  # well before the minute's reconcile: the CLI announced it
        while httpx.post(url, json={"query": "{ __typename }"}).status_code != 200:
            assert time.monotonic() < deadline, server.log()[-2000:]
            time.sleep(0.2)
    finally:
        server.stop()
