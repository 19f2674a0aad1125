"""GraphiQL (the vendored IDE) opened from Settings → Connect Backend, in real Chromium.

With the admin token typed into its token field it loads the schema; a query typed in
the editor gets autocomplete from that schema and runs over HTTP; a subscription runs
over the project's WebSocket and receives a change made elsewhere. Nothing is fetched
from outside the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import admin_graphql, publish, tab
from tests.conftest import LiveServer

SLUG = "graphiql_shop"
RESULT = ".graphiql-response .CodeMirror"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("graphiql"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_page(browser, server, "GraphiQL Shop", SLUG) as page:
        publish(page, 1)
        yield page


def _set_query(ide: Page, text: str) -> None:
    ide.evaluate("(t) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(t)", text)


def test_graphiql_from_connect_backend(page: Page, server: LiveServer) -> None:
    tab(page, "settings")
    page.locator("#reveal-token").click()
    token = page.locator("#admin-token")
    expect(token).not_to_contain_text("•")
    admin_token = token.text_content() or ""
    with page.expect_popup() as opened:
        page.get_by_role("link", name="Open GraphiQL").click()
    ide = opened.value
    outside: list[str] = []
    ide.on("request", lambda r: outside.append(r.url) if urlparse(r.url).netloc != urlparse(server.url).netloc else None)
    sockets: list[str] = []
    ide.on("websocket", lambda ws: sockets.append(ws.url))
    errors: list[str] = []
    ide.on("pageerror", lambda exc: errors.append(str(exc)))
    expect(ide.locator(".graphiql-container")).to_be_visible()
    ide.fill("#token", admin_token)
    with ide.expect_response(lambda r: r.request.method == "POST" and "IntrospectionQuery" in (r.request.post_data or "")
                             and r.request.headers.get("authorization") == f"Bearer {admin_token}") as introspected:
        ide.locator("#token").dispatch_event("change")  # a new fetcher: the schema is loaded again, as admin
    assert introspected.value.ok
    expect(ide.locator(".graphiql-query-editor .CodeMirror")).to_be_visible()

    # a query typed with autocomplete from the admin schema
    _set_query(ide, "")
    ide.locator(".graphiql-query-editor .CodeMirror").click()
    ide.keyboard.type('{ product(where: {product_name: {_eq: "Limited Sneakers"}}) { product_na')
    hint = ide.locator(".CodeMirror-hint", has_text="product_name")
    expect(hint.first).to_be_visible()
    ide.keyboard.press("Enter")
    ide.keyboard.type(" stock")
    expect(ide.locator(".graphiql-query-editor .CodeMirror")).to_contain_text("product_name stock")
    ide.locator(".graphiql-execute-button").click()
    expect(ide.locator(RESULT)).to_contain_text('"product_name": "Limited Sneakers"')
    sneakers = admin_graphql(page, SLUG, '{ product(where: {product_name: {_eq: "Limited Sneakers"}}) { id stock } }')["product"][0]

    # a subscription over the WebSocket sees a change made elsewhere
    _set_query(ide, f"subscription Watch {{ product_by_pk(id: {sneakers['id']}) {{ stock }} }}")
    ide.wait_for_timeout(500)  # GraphiQL parses the edited document after a short debounce; it picks the transport from it
    ide.locator(".graphiql-execute-button").click()
    expect(ide.locator(RESULT)).to_contain_text(f'"stock": {sneakers["stock"]}')
    admin_graphql(page, SLUG, "mutation ($id: bigint!) { update_product_by_pk(pk_columns: {id: $id}, _set: {stock: 77}) { id } }",
                  {"id": sneakers["id"]})
    expect(ide.locator(RESULT)).to_contain_text('"stock": 77', timeout=20_000)
    assert sockets == [server.ws_url(SLUG)], sockets  # the subscription went over the project's WebSocket
    assert outside == [], outside
    assert errors == [], errors


def test_connect_backend_edits_the_allowed_origins(page: Page) -> None:
    tab(page, "settings")
    origins = page.get_by_label("Allowed origins", exact=True)
    steps.commit(origins, "https://shop.example.com/path")
    expect(page.locator("#settings-origins-error")).to_contain_text("is not an origin")
    steps.saved(page)
    assert steps.project_definition(page, SLUG)["settings"].get("allowed_origins", []) == []  # nothing wrong was saved
    origins = page.get_by_label("Allowed origins", exact=True)
    steps.commit(origins, "https://shop.example.com/\nhttp://127.0.0.1:5173")
    expect(page.locator("#settings-origins-error")).to_have_count(0)
    steps.saved(page)
    assert steps.project_definition(page, SLUG)["settings"]["allowed_origins"] == ["https://shop.example.com", "http://127.0.0.1:5173"]
