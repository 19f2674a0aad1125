"""A list inside a list item: each product card lists the visitor's own orders of that product.

The sample is extended in a temporary copy: the product card gets a nested list of
``order`` linked by ``product_id = item.id`` and nothing else, so only the row
permissions (a user reads their own orders) keep one buyer from seeing another's.
The nested rows come with the product list's one operation and stay live with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot_path
from tests.browser.pages_shop import (
    SLUG,
    Shop,
    card,
    open_shop,
    order,
    running_shop,
    sign_up,
    unique_name,
    wait_live,
)
from tests.conftest import copy_sample

MY_ORDERS = {
    "id": "my_orders",
    "name": "My Orders",
    "type": "list",
    "direction": "column",
    "gap": 4,
    "empty_text": "No orders yet.",
    "source": {"table": "tbl_order", "request": "subscription", "filter": {"product_id": {"_eq": {"ref": "item.id"}}},
               "order_by": [{"field": "id", "direction": "asc"}]},
    "item": [{"id": "my_order_quantity", "name": "Ordered", "type": "text", "variant": "caption", "prefix": "ordered: ",
              "value": {"ref": "item.quantity"}}],
}


def _with_my_orders(workspace: Path) -> None:
    app = workspace / SLUG / "app.json"
    data = json.loads(app.read_text())
    product_list = next(c for c in data["pages"][0]["components"] if c["id"] == "product_list")
    product_list["item"][0]["children"].append(MY_ORDERS)
    app.write_text(json.dumps(data, indent=2))


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    workspace = tmp_path_factory.mktemp("nested")
    copy_sample(workspace)
    _with_my_orders(workspace)
    with running_shop(workspace, db_server) as shop:
        yield shop


def my_orders(page, product_name: str):  # type: ignore[no-untyped-def]
    return card(page, product_name).locator('[data-mm="my_orders"]')


def test_product_cards_list_only_the_visitors_own_orders_live(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    name = unique_name("Nested ")
    product = shop.add_product(name, 20)
    alice = sign_up(contexts(base_url=shop.server.url), unique_name("alice"))
    bob = sign_up(contexts(base_url=shop.server.url), unique_name("bob"))
    for page in (alice, bob):
        page.reload()
        wait_live(page)
        expect(my_orders(page, name)).to_contain_text("No orders yet.")
        page.evaluate("window.__notReloaded = true")

    # one operation for the page: the orders ride along as a relationship field of each product
    spec = alice.evaluate("window.MiniMomen.page.spec")
    assert list(spec["lists"]) == ["product_list"]
    assert "_list_my_orders: orders(order_by: {id: asc}) { id quantity }" in spec["lists"]["product_list"]["query"]

    order(alice, name, "2")
    expect(my_orders(alice, name).locator(".mm-item")).to_have_text(["ordered: 2"])
    order(bob, name, "1")
    expect(my_orders(bob, name).locator(".mm-item")).to_have_text(["ordered: 1"])
    order(alice, name, "3")
    expect(my_orders(alice, name).locator(".mm-item")).to_have_text(["ordered: 2", "ordered: 3"])
    expect(card(alice, name)).to_contain_text("stock: 14")
    # bob's card followed the stock, and still lists only his own order
    expect(card(bob, name)).to_contain_text("stock: 14")
    expect(my_orders(bob, name).locator(".mm-item")).to_have_text(["ordered: 1"])
    assert [row[3] for row in shop.orders(product)] == [2, 1, 3]
    for page in (alice, bob):
        assert page.evaluate("window.__notReloaded") is True

    # an order placed elsewhere (not through this page) arrives too
    bob_id = shop.sql('SELECT account_id FROM "order" WHERE product_id = %s AND quantity = 1', (product,))[0][0]
    shop.sql('INSERT INTO "order" (account_id, product_id, quantity) VALUES (%s, %s, 5) RETURNING id', (bob_id, product))
    expect(my_orders(bob, name).locator(".mm-item")).to_have_text(["ordered: 1", "ordered: 5"])
    expect(my_orders(alice, name).locator(".mm-item")).to_have_text(["ordered: 2", "ordered: 3"])

    # first paint from the server has them too, with the same permissions
    for page, mine in ((alice, ["ordered: 2", "ordered: 3"]), (bob, ["ordered: 1", "ordered: 5"])):
        page.reload()
        expect(page.locator("html[data-mm-ready]")).to_have_count(1)
        expect(my_orders(page, name).locator(".mm-item")).to_have_text(mine)
    wait_live(alice)
    shop.sql('DELETE FROM "order" WHERE product_id = %s AND quantity = 3 RETURNING id', (product,))
    expect(my_orders(alice, name).locator(".mm-item")).to_have_text(["ordered: 2"])  # rows go too
    alice.screenshot(path=str(screenshot_path("page-nested-list.png")), full_page=True)

    # a visitor who may not read orders still gets the products; the nested list is just empty
    anonymous = open_shop(contexts(base_url=shop.server.url))
    wait_live(anonymous)
    expect(card(anonymous, name)).to_contain_text("stock: 14")
    expect(my_orders(anonymous, name)).to_contain_text("No orders yet.")
    expect(anonymous.locator(".mm-list__error:visible")).to_have_count(0)
