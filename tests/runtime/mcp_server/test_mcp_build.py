"""Issue 15's flagship: an MCP client alone builds the tutorial's flash-sale app, publishes it and passes its checks.

Once over stdio (`minimomen mcp`, the SDK's stdio client) and once over Streamable
HTTP (`/mcp` on a running server, designer token). The result is compared with
`projects/inventory_deduction/app.json` the way the click-by-click build is.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from builder.definition import Definition
from tests.browser.test_designer_build import assert_equivalent
from tests.conftest import DESIGNER_TOKEN, SAMPLES, start_server, unique_prefix
from tests.runtime.mcp_server.clients import http_client, stdio_client
from tests.runtime.mcp_server.flash_sale import STEPS, build, publish_and_check, stress_and_read

SLUG = "flash_sale"


def _compare(workspace: Path) -> None:
    built = Definition.model_validate(json.loads((workspace / SLUG / "app.json").read_text()))
    sample = Definition.model_validate(json.loads((SAMPLES / "inventory_deduction" / "app.json").read_text()))
    assert_equivalent(built, sample)
    writes = [json.loads(line) for line in (workspace / SLUG / ".history" / "mcp-writes.jsonl").read_text().splitlines()]
    assert [w["tool"] for w in writes[:len(STEPS) + 1]] == ["create_project"] + ["edit_definition"] * len(STEPS)


def test_build_the_tutorial_app_over_stdio(tmp_path: Path, db_server) -> None:  # type: ignore[no-untyped-def]
    workspace = tmp_path / "workspace"
    workspace.mkdir()

    async def session() -> None:
        async with stdio_client(workspace, db_server.url, unique_prefix()) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            assert {"describe_project", "edit_definition", "publish", "graphql", "run_actionflow", "stress_test", "run_logs"} <= tools
            await build(client, SLUG)
            await publish_and_check(client, SLUG)
            await stress_and_read(client, SLUG)

    asyncio.run(session())
    _compare(workspace)
    writes = (workspace / SLUG / ".history" / "mcp-writes.jsonl").read_text()
    assert '"origin": "stdio pid' in writes


def test_build_the_tutorial_app_over_streamable_http(tmp_path: Path, db_server) -> None:  # type: ignore[no-untyped-def]
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    server = start_server(workspace, db_server)
    try:
        async def session() -> None:
            async with http_client(server.url, DESIGNER_TOKEN) as client:
                await build(client, SLUG)
                await publish_and_check(client, SLUG)

        asyncio.run(session())
    finally:
        server.stop()
    _compare(workspace)
    assert "designer token" in (workspace / SLUG / ".history" / "mcp-writes.jsonl").read_text()
