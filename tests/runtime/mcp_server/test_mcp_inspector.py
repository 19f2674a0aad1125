"""The MCP Inspector (npm, pinned in tests/node/mcp_inspector) in CLI mode talks to `minimomen mcp` over stdio."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, copy_sample, unique_prefix

INSPECTOR = REPO / "tests" / "node" / "mcp_inspector" / "node_modules" / ".bin" / "mcp-inspector"


def inspect(workspace: Path, db_url: str, tmp: Path, *method: str) -> dict:
    assert INSPECTOR.exists(), "run scripts/test once: it installs the pinned inspector with npm ci"
    command = [str(INSPECTOR), "--cli",
               "-e", f"DATABASE_URL={db_url}", "-e", f"MINIMOMEN_DB_PREFIX={unique_prefix()}", "-e", f"PYTHONPATH={REPO}",
               "--cwd", str(REPO), *method, "--",
               sys.executable, "-m", "runtime.cli", "mcp", "--workspace", str(workspace)]
    env = {**os.environ, "MCP_CATALOG_PATH": str(tmp / "catalog.json"), "HOME": str(tmp)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env, cwd=str(tmp))
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout))


def test_the_inspector_lists_the_tools_and_describes_a_project(tmp_path: Path, db_server) -> None:  # type: ignore[no-untyped-def]
    workspace = tmp_path / "workspace"
    copy_sample(workspace)
    listed = inspect(workspace, db_server.url, tmp_path, "--method", "tools/list")
    names = {tool["name"] for tool in listed["tools"]}
    assert {"list_projects", "describe_project", "edit_definition", "publish", "graphql", "run_actionflow"} <= names
    edit = next(tool for tool in listed["tools"] if tool["name"] == "edit_definition")
    assert "operations" in edit["inputSchema"]["properties"]

    described = inspect(workspace, db_server.url, tmp_path, "--method", "tools/call", "--tool-name", "describe_project",
                        "--tool-arg", "project=inventory_deduction")
    assert described.get("isError") is not True, described
    outline = described["structuredContent"]["definition"]
    assert [t["name"] for t in outline["tables"]] == ["account", "product", "order"]
    assert outline["actionflows"][0]["id"] == "place_order"
