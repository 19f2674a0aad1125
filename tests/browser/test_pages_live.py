"""Live lists: rows update in place (input values and focus kept), appear and go,
and the page recovers on its own when the server restarts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.pages_shop import (
    SLUG,
    Shop,
    card,
    open_shop,
    running_shop,
    unique_name,
    wait_live,
)
from tests.conftest import copy_sample, free_port, start_server, unique_prefix


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    workspace = tmp_path_factory.mktemp("live")
    copy_sample(workspace)
    with running_shop(workspace, db_server) as shop:
        yield shop


def test_rows_update_in_place_keeping_what_the_visitor_typed(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    name = unique_name("Keep ")
    product = shop.add_product(name, 7)
    page = open_shop(contexts(base_url=shop.server.url))
    wait_live(page)
    page.evaluate("window.__notReloaded = true")
    quantity = card(page, name).get_by_label("Quantity")
    quantity.fill("42")
    quantity.focus()
    row_before = card(page, name).element_handle()

    shop.admin("mutation ($id: bigint!) { update_product_by_pk(pk_columns: {id: $id}, _set: {stock: 6}) { id } }", {"id": product})
    expect(card(page, name)).to_contain_text("stock: 6")
    assert quantity.input_value() == "42"
    assert page.evaluate("document.activeElement && document.activeElement.closest('.mm-item') !== null")
    assert card(page, name).element_handle().evaluate("(el, before) => el === before", row_before)

    added = unique_name("New ")
    shop.add_product(added, 3)
    expect(card(page, added)).to_contain_text("stock: 3")
    shop.admin("mutation ($id: bigint!) { delete_product_by_pk(id: $id) { id } }", {"id": product})
    expect(card(page, name)).to_have_count(0)
    assert page.evaluate("window.__notReloaded") is True


def test_live_list_recovers_after_server_restart(tmp_path, db_server, contexts) -> None:  # type: ignore[no-untyped-def]
    workspace = tmp_path / "restart"
    copy_sample(workspace)
    prefix, port = unique_prefix(), free_port()
    server = start_server(workspace, db_server, prefix=prefix, port=port)
    try:
        page = open_shop(contexts(base_url=server.url))
        wait_live(page)
        page.evaluate("window.__notReloaded = true")
        server.stop()
        expect(page.locator("html[data-mm-live=offline]")).to_have_count(1)
        expect(page.locator(".mm-live-status")).to_be_visible()

        server = start_server(workspace, db_server, prefix=prefix, port=port)
        shop = Shop(server=server, token=server.admin_token(SLUG))
        wait_live(page)
        expect(page.locator(".mm-live-status")).to_be_hidden()
        shop.admin('mutation { update_product(where: {product_name: {_eq: "Vinyl Record"}}, _inc: {stock: 5}) { affected_rows } }')
        expect(card(page, "Vinyl Record")).to_contain_text("stock: 30")
        assert page.evaluate("window.__notReloaded") is True
    finally:
        server.stop()
