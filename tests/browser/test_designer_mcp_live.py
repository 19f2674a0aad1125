"""An edit made over MCP appears live in the open designer, and the designer's Undo takes it back (issue 15)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot_path
from tests.browser.designer_steps import open_designer, tab
from tests.conftest import LiveServer, copy_sample, start_server
from tests.runtime.mcp_server.clients import call, http_client

SLUG = "inventory_deduction"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    workspace = tmp_path_factory.mktemp("mcp-live")
    copy_sample(workspace)
    live = start_server(workspace, db_server)
    try:
        yield live
    finally:
        live.stop()


def test_an_mcp_edit_shows_live_and_undo_takes_it_back(server: LiveServer, contexts) -> None:  # type: ignore[no-untyped-def]
    page = contexts(base_url=server.url, viewport={"width": 1280, "height": 800}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_designer(page)
    page.goto(f"{server.url}/designer/#/p/{SLUG}/data")
    tab(page, "data")
    expect(page.get_by_role("button", name="product", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="review", exact=True)).to_have_count(0)

    async def add_review() -> dict:
        async with http_client(server.url, server.admin_token(SLUG)) as client:
            return await call(client, "edit_definition", project=SLUG, operations=[
                {"op": "add_table", "name": "review", "fields": [{"name": "stars", "type": "bigint", "required": True, "default": 5}]}])

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's event loop
        assert pool.submit(asyncio.run, add_review()).result()["applied"]
    review = page.get_by_role("button", name="review", exact=True)
    expect(review).to_be_visible(timeout=10_000)  # no reload: the designer picked the change up by itself
    page.screenshot(path=str(screenshot_path("designer-mcp-live-edit.png")))

    page.locator("#undo-button").click()
    expect(review).to_have_count(0, timeout=10_000)
    expect(page.get_by_role("button", name="product", exact=True)).to_be_visible()
    tables = [t["name"] for t in json.loads((server.workspace / SLUG / "app.json").read_text())["tables"]]
    assert tables == ["account", "product", "order"]
    assert errors == []
