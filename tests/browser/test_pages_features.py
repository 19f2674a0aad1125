"""A page using the rest of the components and actions: page variables, query lists with a
filter bound to a variable, refresh, navigate, decimal inputs with bounds, per-item branches."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.pages_shop import (
    SLUG,
    Shop,
    expect_toast,
    open_shop,
    running_shop,
    sign_up,
    unique_name,
)
from tests.conftest import copy_sample

CATALOG: dict[str, Any] = {
    "id": "page_catalog",
    "name": "Catalog",
    "path": "catalog",
    "title": "Catalog",
    "variables": [
        {
            "name": "q",
            "type": "text",
            "default": ""
        },
        {
            "name": "threshold",
            "type": "bigint",
            "default": 5
        }
    ],
    "components": [
        {
            "id": "my_orders",
            "name": "My Orders",
            "type": "list",
            "empty_text": "No orders yet.",
            "source": {"table": "tbl_order", "request": "subscription", "order_by": [{"field": "id", "direction": "asc"}]},
            "item": [
                {"id": "order_line", "name": "Order Line", "type": "text", "value": {"concat": [
                    {"ref": "item.quantity"}, " x ", {"ref": "item.product.product_name"}, " for ", {"ref": "item.account.username"}]}}
            ]
        },
        {
            "id": "low_stock_list",
            "name": "Low Stock",
            "type": "list",
            "empty_text": "Nothing is running low.",
            "source": {
                "table": "tbl_product",
                "request": "subscription",
                "filter": {"stock": {"_lte": {"ref": "page.threshold"}}},
                "order_by": [{"field": "id", "direction": "asc"}]
            },
            "item": [
                {"id": "low_name", "name": "Low Name", "type": "text", "value": {"ref": "item.product_name"}}
            ]
        },
        {
            "id": "search",
            "name": "Search",
            "type": "text_input",
            "label": "Search",
            "placeholder": "Product name",
            "events": {
                "onChange": [
                    {
                        "id": "set_q",
                        "type": "set_variable",
                        "variable": "q",
                        "value": {
                            "ref": "component.search.value"
                        }
                    }
                ]
            }
        },
        {
            "id": "echo",
            "name": "Echo",
            "type": "text",
            "prefix": "Searching: ",
            "value": {
                "ref": "page.q"
            }
        },
        {
            "id": "budget",
            "name": "Budget",
            "type": "number_input",
            "label": "Budget",
            "value_type": "decimal",
            "min": 1,
            "max": 1000
        },
        {
            "id": "check_budget",
            "name": "Check budget",
            "type": "button",
            "label": "Check budget",
            "events": {
                "onClick": [
                    {
                        "id": "toast_budget",
                        "type": "show_toast",
                        "level": "success",
                        "message": {
                            "concat": [
                                "Budget ok: ",
                                {
                                    "ref": "component.budget.value"
                                }
                            ]
                        }
                    }
                ]
            }
        },
        {
            "id": "reload",
            "name": "Reload",
            "type": "button",
            "label": "Reload",
            "variant": "secondary",
            "events": {
                "onClick": [
                    {
                        "id": "do_refresh",
                        "type": "refresh",
                        "component": "catalog_list"
                    }
                ]
            }
        },
        {
            "id": "go_home",
            "name": "Home",
            "type": "button",
            "label": "Back to the shop",
            "variant": "secondary",
            "events": {
                "onClick": [
                    {
                        "id": "nav_home",
                        "type": "navigate",
                        "page": "page_order_inventory_deduction"
                    }
                ]
            }
        },
        {
            "id": "catalog_list",
            "name": "Catalog List",
            "type": "list",
            "direction": "column",
            "empty_text": "No match.",
            "source": {
                "table": "tbl_product",
                "request": "query",
                "filter": {
                    "product_name": {
                        "_ilike": {
                            "concat": [
                                "%",
                                {
                                    "ref": "page.q"
                                },
                                "%"
                            ]
                        }
                    }
                },
                "order_by": [
                    {
                        "field": "product_name",
                        "direction": "asc"
                    }
                ]
            },
            "item": [
                {
                    "id": "row",
                    "name": "Row",
                    "type": "container",
                    "direction": "row",
                    "variant": "card",
                    "padding": 12,
                    "children": [
                        {
                            "id": "row_name",
                            "name": "Name",
                            "type": "text",
                            "variant": "subtitle",
                            "value": {
                                "ref": "item.product_name"
                            }
                        },
                        {
                            "id": "row_stock",
                            "name": "Stock",
                            "type": "text",
                            "format": "number",
                            "value": {
                                "ref": "item.stock"
                            }
                        },
                        {
                            "id": "row_state",
                            "name": "State",
                            "type": "conditional_view",
                            "branches": [
                                {
                                    "id": "in_stock",
                                    "condition": {
                                        "item.stock": {
                                            "_gt": 0
                                        }
                                    },
                                    "children": [
                                        {
                                            "id": "in_stock_text",
                                            "name": "In stock",
                                            "type": "text",
                                            "variant": "caption",
                                            "value": "In stock"
                                        }
                                    ]
                                },
                                {
                                    "id": "sold_out",
                                    "condition": None,
                                    "children": [
                                        {
                                            "id": "sold_out_text",
                                            "name": "Sold out",
                                            "type": "text",
                                            "variant": "caption",
                                            "value": "Sold out"
                                        }
                                    ]
                                }
                            ]
                        }
                    ]
                }
            ]
        }
    ]
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    workspace = tmp_path_factory.mktemp("features")
    project = copy_sample(workspace)
    definition = json.loads((project / "app.json").read_text())
    definition["pages"].append(CATALOG)
    (project / "app.json").write_text(json.dumps(definition, indent=2))
    with running_shop(workspace, db_server) as shop:
        yield shop


def _rows(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("[data-mm=catalog_list] .mm-item [data-mm=row_name]").all_inner_texts()


def test_query_list_filter_follows_a_page_variable(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    page = open_shop(contexts(base_url=shop.server.url), f"/p/{SLUG}/catalog")
    assert _rows(page) == ["Festival Ticket", "Limited Sneakers", "Vinyl Record"]
    first = page.locator("[data-mm=catalog_list] .mm-item").first
    expect(first.get_by_text("In stock")).to_be_visible()
    expect(first.get_by_text("Sold out")).to_be_hidden()
    page.get_by_label("Search").fill("vinyl")
    page.get_by_label("Search").press("Enter")
    page.get_by_label("Search").blur()
    expect(page.locator("[data-mm=echo]")).to_have_text("Searching: vinyl")
    expect(page.locator("[data-mm=catalog_list] .mm-item")).to_have_count(1)
    assert _rows(page) == ["Vinyl Record"]
    page.get_by_label("Search").fill("no such thing")
    page.get_by_label("Search").blur()
    expect(page.locator("[data-mm=catalog_list] .mm-list__empty")).to_be_visible()
    expect(page.locator("[data-mm=catalog_list] .mm-item")).to_have_count(0)


def test_query_list_loads_once_and_on_refresh(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    page = open_shop(contexts(base_url=shop.server.url), f"/p/{SLUG}/catalog")
    name = unique_name("Zz sold out ")
    shop.add_product(name, 0)
    page.wait_for_timeout(1_500)
    assert name not in _rows(page)  # a query list does not follow changes by itself
    page.get_by_role("button", name="Reload").click()
    row = page.locator("[data-mm=catalog_list] .mm-item", has_text=name)
    expect(row).to_have_count(1)
    expect(row.get_by_text("Sold out", exact=True)).to_be_visible()  # the branch was chosen in the browser
    expect(row.get_by_text("In stock", exact=True)).to_be_hidden()


def test_decimal_input_bounds_and_navigation(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    page = open_shop(contexts(base_url=shop.server.url), f"/p/{SLUG}/catalog")
    budget = page.get_by_label("Budget")
    for raw, message in (("0.5", "Enter a number of at least 1."), ("12,5", "Enter a number."), ("5000", "Enter a number of at most 1000.")):
        budget.fill(raw)
        page.get_by_role("button", name="Check budget").click()
        expect(page.locator("[data-mm=budget] [role=alert]")).to_have_text(message)
    expect(page.locator(".mm-toast")).to_have_count(0)
    budget.fill("12.50")
    page.get_by_role("button", name="Check budget").click()
    expect_toast(page, "Budget ok: 12.50")
    page.get_by_role("button", name="Back to the shop").click()
    page.wait_for_url(f"**/p/{SLUG}/")
    expect(page.get_by_role("heading", name="Flash sale")).to_be_visible()


def test_subscription_list_with_a_filter_bound_to_a_variable(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    page = open_shop(contexts(base_url=shop.server.url), f"/p/{SLUG}/catalog")
    low = page.locator("[data-mm=low_stock_list] .mm-item")
    expected = [r[0] for r in shop.sql("SELECT product_name FROM product WHERE stock <= 5 ORDER BY id")]
    assert "Limited Sneakers" in expected and "Festival Ticket" not in expected
    expect(low).to_have_text(expected)
    expect(page.locator("html[data-mm-live=online]")).to_have_count(1)
    name = unique_name("Scarce ")
    product = shop.add_product(name, 3)
    expect(low).to_have_text([*expected, name])
    shop.admin("mutation ($id: bigint!) { update_product_by_pk(pk_columns: {id: $id}, _set: {stock: 50}) { id } }", {"id": product})
    expect(low).to_have_text(expected)


def test_lists_show_only_what_the_visitor_may_see(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    ann, ben = unique_name("ann_"), unique_name("ben_")
    ann_page = sign_up(contexts(base_url=shop.server.url), ann)
    ben_page = sign_up(contexts(base_url=shop.server.url), ben)
    ids = dict(shop.sql("SELECT username, id FROM account WHERE username IN (%s, %s)", (ann, ben)))
    sneakers = shop.sql("SELECT id FROM product WHERE product_name = 'Limited Sneakers'")[0][0]
    shop.admin(
        "mutation ($o: [order_insert_input!]!) { insert_order(objects: $o) { affected_rows } }",
        {"o": [{"account_id": ids[ann], "product_id": sneakers, "quantity": 4}]},
    )
    for page in (ann_page, ben_page):
        page.goto(f"/p/{SLUG}/catalog")
    expect(ann_page.locator("[data-mm=my_orders] .mm-item")).to_have_text([f"4 x Limited Sneakers for {ann}"])
    expect(ben_page.locator("[data-mm=my_orders] .mm-list__empty")).to_be_visible()
    expect(ben_page.locator("html[data-mm-live=online]")).to_have_count(1)
    shop.admin(  # live, and still filtered per visitor
        "mutation ($o: [order_insert_input!]!) { insert_order(objects: $o) { affected_rows } }",
        {"o": [{"account_id": ids[ben], "product_id": sneakers, "quantity": 1}]},
    )
    expect(ben_page.locator("[data-mm=my_orders] .mm-item")).to_have_text([f"1 x Limited Sneakers for {ben}"])
    expect(ann_page.locator("[data-mm=my_orders] .mm-item")).to_have_count(1)

    anonymous = open_shop(contexts(base_url=shop.server.url), f"/p/{SLUG}/catalog")
    expect(anonymous.locator("[data-mm=my_orders] .mm-item")).to_have_count(0)
    assert ann not in anonymous.content() and ben not in anonymous.content()
