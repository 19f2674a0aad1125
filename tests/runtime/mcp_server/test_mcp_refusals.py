"""What the MCP server refuses: invalid edits (every problem, draft untouched), a destructive publish without
confirmation, a user's JWT or no token, another project with an admin token, too many calls."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from builder.storage import Workspace
from runtime.mcp.backend import Backend
from runtime.mcp.grants import Grant
from runtime.mcp.server import build_server
from tests.conftest import DESIGNER_TOKEN, SAMPLES, LiveServer, copy_sample, start_server
from tests.runtime.auth.graphql_client import log_in
from tests.runtime.mcp_server.clients import ToolFailed, call, http_client

SLUG, OTHER = "inventory_deduction", "second_shop"
FLOW = "place_order"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    workspace = tmp_path_factory.mktemp("mcp-refusals")
    copy_sample(workspace)
    shutil.copytree(workspace / SLUG, workspace / OTHER)
    live = start_server(workspace, db_server)
    try:
        yield live
    finally:
        live.stop()


def run(url: str, token: str | None, steps: Any) -> Any:
    async def session() -> Any:
        async with http_client(url, token) as client:
            return await steps(client)

    return asyncio.run(session())


def test_an_invalid_edit_returns_every_problem_and_changes_nothing(server: LiveServer) -> None:
    app = server.workspace / SLUG / "app.json"
    before, history = app.read_bytes(), len(Workspace(server.workspace).history(SLUG))
    bad = [
        # an unknown field in a filter
        {"op": "update_node", "actionflow": FLOW, "node": "update_product_stock",
         "set": {"filter": {"_and": [{"id": {"_eq": {"ref": "input.product_id"}}}, {"stok": {"_gte": {"ref": "input.quantity"}}}]}}},
        # a node referencing a later node
        {"op": "add_node", "actionflow": FLOW, "position": {"index": 0},
         "node": {"id": "early", "name": "Too early", "type": "set_variable", "assignments": {"status": {"ref": "node.create_order.id"}}}},
        # a page binding of a missing field
        {"op": "update_component", "page": "page_order_inventory_deduction", "component": "stock_text", "set": {"value": {"ref": "item.stok"}}},
    ]
    answer = run(server.url, server.admin_token(SLUG), lambda c: call(c, "edit_definition", project=SLUG, operations=bad))
    assert answer["applied"] is False
    errors = [p for p in answer["problems"] if p["severity"] == "error"]
    assert {p["path"] for p in errors} == {
        "actionflows[0].nodes[0].assignments.status",  # Create Order has not run yet
        "actionflows[0].nodes[2].branches[0].nodes[0].filter._and[1].stok",  # no such field
        "pages[0].components[1].item[0].children[2].value",  # item.stok
    }, errors
    assert app.read_bytes() == before and len(Workspace(server.workspace).history(SLUG)) == history


def test_an_unknown_target_names_the_operation(server: LiveServer) -> None:
    answer = run(server.url, DESIGNER_TOKEN, lambda c: call(c, "edit_definition", project=SLUG, operations=[
        {"op": "add_field", "table": "product", "name": "color", "type": "text"},
        {"op": "remove_field", "table": "produkt", "field": "stock"}]))
    assert answer["applied"] is False
    assert answer["problems"][0]["path"] == "operations[1]" and "produkt" in answer["problems"][0]["message"]
    assert "color" not in (server.workspace / SLUG / "app.json").read_text()


def test_a_destructive_publish_needs_the_loss_named(server: LiveServer) -> None:
    async def steps(client: Client) -> None:
        await call(client, "edit_definition", project=OTHER, operations=[{"op": "add_field", "table": "product", "name": "color", "type": "text"}])
        assert (await call(client, "publish", project=OTHER))["published"]
        await call(client, "graphql", project=OTHER, query='mutation { update_product(where: {}, _set: {color: "red"}) { affected_rows } }')
        await call(client, "edit_definition", project=OTHER, operations=[{"op": "remove_field", "table": "product", "field": "color"}])
        plan = await call(client, "plan_publish", project=OTHER)
        assert plan["data_loss"] and plan["confirm_data_loss"]
        refused = await call(client, "publish", project=OTHER)
        assert refused["published"] is False and refused["data_loss"] == plan["data_loss"]
        wrong = await call(client, "publish", project=OTHER, confirm_data_loss="yes")
        assert wrong["published"] is False
        still = await call(client, "graphql", project=OTHER, query="query { product(limit: 1) { color } }")
        assert still["data"]["product"][0]["color"] == "red"
        done = await call(client, "publish", project=OTHER, confirm_data_loss=plan["confirm_data_loss"])
        assert done["published"] is True and done["data_loss"] == plan["data_loss"]

    run(server.url, DESIGNER_TOKEN, steps)
    log = (server.workspace / OTHER / ".history" / "mcp-writes.jsonl").read_text()
    assert '"tool": "publish"' in log and '"data_loss": ["' in log and '"tool": "graphql mutation"' in log


def test_a_user_jwt_or_no_token_is_refused(server: LiveServer) -> None:
    _account, user_jwt = log_in(server.graphql_url(SLUG), "mcp_user", "password1", register=True)
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    for token in (None, user_jwt, DESIGNER_TOKEN + "x"):
        auth = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.post(f"{server.url}/mcp", json=body, headers={**headers, **auth}, timeout=30)
        assert response.status_code == 401, (token, response.text)
        assert "Bearer" in response.headers["www-authenticate"]
    for token in (None, user_jwt):
        with pytest.raises(Exception):
            run(server.url, token, lambda c: call(c, "list_projects"))
    app = (server.workspace / SLUG / "app.json").read_bytes()
    assert app == (server.workspace / SLUG / "app.json").read_bytes()


def test_an_admin_token_reaches_its_project_only(server: LiveServer) -> None:
    async def steps(client: Client) -> None:
        listed = await call(client, "list_projects")
        assert [p["slug"] for p in listed["projects"]] == [SLUG] and listed["can_create_projects"] is False
        with pytest.raises(ToolFailed, match="does not give access"):
            await call(client, "describe_project", project=OTHER)
        with pytest.raises(ToolFailed, match="Only the designer token"):
            await call(client, "create_project", slug="third", name="Third")
        described = await call(client, "describe_project", project=SLUG)
        assert {t["name"] for t in described["definition"]["tables"]} == {"account", "product", "order"}
        with pytest.raises(ToolFailed, match="does not exist"):
            await call(client, "graphql", project=SLUG, role="account", account="424242", query="query { product { id } }")
        sdl = await call(client, "graphql_schema", project=SLUG, role="anonymous")
        assert "product" in sdl["sdl"] and "insert_product" not in sdl["sdl"]

    run(server.url, server.admin_token(SLUG), steps)


def test_tool_calls_are_rate_limited(tmp_path: Path) -> None:
    copy_sample(tmp_path)
    backend = Backend(Workspace(tmp_path), None, None, local=Grant("local", None, "test"), rate="3/minute")

    async def steps() -> None:
        async with Client(build_server(backend)) as client:
            for _ in range(3):
                await call(client, "list_projects")
            with pytest.raises(ToolFailed, match="Rate limit"):
                await call(client, "list_projects")

    asyncio.run(steps())
    assert json.loads((SAMPLES / SLUG / "app.json").read_text())["name"]
