"""A decoupled frontend on another loopback origin uses the project through GraphQL alone.

The static page ``frontend/index.html`` is served by the test on its own port (another
origin), listed in the project's ``settings.allowed_origins``: in Chromium it logs in over
GraphQL, lists products, places an order with the user's JWT (a CORS preflight with
``authorization``) and sees the stock drop through a subscription. The same page from
an origin the project does not list is refused by the browser (no CORS answer, and the
WebSocket handshake is refused).
"""

from __future__ import annotations

import functools
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.pages_shop import SLUG, Shop, running_shop
from tests.conftest import copy_sample, free_port

FRONTEND = Path(__file__).parent / "frontend"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origins() -> Iterator[tuple[str, str]]:
    """(allowed origin, refused origin): the same static folder served on two loopback ports."""
    servers = []
    for _ in range(2):
        server = ThreadingHTTPServer(("127.0.0.1", free_port()), functools.partial(_Quiet, directory=str(FRONTEND)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    try:
        yield tuple(f"http://127.0.0.1:{s.server_address[1]}" for s in servers)  # type: ignore[misc]
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, db_server, origins: tuple[str, str]) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    workspace = tmp_path_factory.mktemp("decoupled")
    copy_sample(workspace)
    app = workspace / SLUG / "app.json"
    definition = json.loads(app.read_text())
    definition["settings"]["allowed_origins"] = [origins[0]]
    app.write_text(json.dumps(definition))
    with running_shop(workspace, db_server) as shop:
        yield shop


def _page_url(origin: str, shop: Shop) -> str:
    query = urllib.parse.urlencode({"api": shop.server.graphql_url(SLUG), "ws": shop.server.ws_url(SLUG)})
    return f"{origin}/index.html?{query}"


def test_frontend_on_an_allowed_origin(shop: Shop, origins: tuple[str, str], contexts) -> None:  # type: ignore[no-untyped-def]
    sneakers = shop.sql("SELECT id FROM product WHERE product_name = 'Limited Sneakers'")[0][0]
    before = shop.stock(sneakers)
    page = contexts().new_page()
    page.goto(_page_url(origins[0], shop))
    page.fill("#username", "decoupled")
    page.fill("#password", "decoupled-secret")
    page.click("#login button")
    expect(page.locator("#who")).to_have_text("Logged in as decoupled")
    page.click("#load")
    item = page.locator(f"#products li[data-id='{sneakers}']")
    expect(item.locator(".stock")).to_have_text(f"stock: {before}")
    expect(page.locator("#live-state")).to_have_text("online")
    item.get_by_role("button").click()
    expect(page.locator("#status")).to_have_text("Order placed successfully")
    expect(item.locator(".stock")).to_have_text(f"stock: {before - 1}")  # pushed by the subscription
    assert shop.stock(sneakers) == before - 1
    assert page.locator("#error").text_content() == ""


def test_frontend_on_a_refused_origin(shop: Shop, origins: tuple[str, str], contexts) -> None:  # type: ignore[no-untyped-def]
    page = contexts().new_page()
    refused_requests: list[str] = []
    page.on("requestfailed", lambda request: refused_requests.append(request.url))
    page.goto(_page_url(origins[1], shop))
    page.click("#load")
    expect(page.locator("#error")).to_contain_text("refused: Failed to fetch")  # the browser withheld the answer
    expect(page.locator("#products li")).to_have_count(0)
    assert any(url.startswith(shop.server.graphql_url(SLUG)) for url in refused_requests)
    # the WebSocket is refused too: opened directly from the page
    state = page.evaluate("""(ws) => new Promise((resolve) => {
        const socket = new WebSocket(ws, 'graphql-transport-ws');
        socket.onopen = () => resolve('open');
        socket.onerror = () => resolve('refused');
    })""", shop.server.ws_url(SLUG))
    assert state == "refused"
