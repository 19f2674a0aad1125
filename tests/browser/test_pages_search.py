"""Search in page lists, in real Chromium (issue 11's bugs and search features).

- A list filter bound to an input's value receives the input's value (it used to receive
  null: first paint had no input values and Refresh re-sent the first variables).
- An empty input leaves its condition out (no "_ilike expects a text pattern"), and a
  list's error clears when the next load succeeds.
- contains / starts with / ends with match the visitor's text as typed (% and _ escaped).
- A list the visitor may not read shows a friendly sentence, not a raw permission error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages_shop import SLUG, Shop, open_shop, running_shop, unique_name
from tests.conftest import copy_sample


def _input(id_: str, label: str, refresh: str, **extra: Any) -> dict[str, Any]:
    return {"id": id_, "name": label, "type": "text_input", "label": label, **extra,
            "events": {"onChange": [{"id": f"{id_}_refresh", "type": "refresh", "component": refresh}]}}


def _list(id_: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {"id": id_, "name": id_, "type": "list", "empty_text": "No match.",
            "source": {"table": "tbl_product", "request": "query", "filter": {"product_name": condition} if "stock" not in id_ else {"stock": condition},
                       "order_by": [{"field": "product_name", "direction": "asc"}]},
            "item": [{"id": f"{id_}_name", "name": "Name", "type": "text", "value": {"ref": "item.product_name"}}]}


def _echo(id_: str, variable: str) -> dict[str, Any]:
    return {"id": id_, "name": id_, "type": "text", "value": {"to_text": {"ref": f"page.{variable}"}}}


def _set(id_: str, variable: str) -> dict[str, Any]:
    return {"onChange": [{"id": f"{id_}_set", "type": "set_variable", "variable": variable, "value": {"ref": f"component.{id_}.value"}}]}


SEARCH_PAGE: dict[str, Any] = {
    "id": "page_search", "name": "Search", "path": "search",
    "variables": [{"name": "picked", "type": "jsonb"}, {"name": "flag", "type": "jsonb"}, {"name": "when", "type": "jsonb"}],
    "components": [
        {"id": "product_pick", "name": "Product", "type": "select", "label": "Product", "events": _set("product_pick", "picked"),
         "options_source": {"table": "tbl_product", "label_field": "product_name", "order_by": [{"field": "id", "direction": "asc"}]}},
        _echo("picked_echo", "picked"),
        {"id": "flag", "name": "Flag", "type": "checkbox", "variant": "switch", "label": "Gift wrap", "events": _set("flag", "flag")},
        _echo("flag_echo", "flag"),
        {"id": "when_in", "name": "When", "type": "datetime_input", "label": "Deliver at", "events": _set("when_in", "when"),
         "default": "2024-05-01T23:30:00Z"},
        _echo("when_echo", "when"),
        {**_input("search", "Search", "ilike_list"), "events": {"onChange": [
            {"id": "refresh_ilike", "type": "refresh", "component": "ilike_list"},
            {"id": "refresh_eq", "type": "refresh", "component": "eq_list"}]}},
        _list("ilike_list", {"_ilike": {"ref": "component.search.value"}}),  # the repro, as the designer wrote it
        _list("eq_list", {"_eq": {"ref": "component.search.value"}}),
        _input("contains_in", "Contains", "contains_list"),
        _list("contains_list", {"_contains": {"ref": "component.contains_in.value"}}),
        {"id": "only_sales", "name": "Only sales", "type": "button", "label": "Only sales", "events": {"onClick": [
            {"id": "put_sale", "type": "set_input_value", "component": "contains_in", "value": "sale"},
            {"id": "show_sales", "type": "refresh", "component": "contains_list"}]}},
        {"id": "clear_all", "name": "Clear", "type": "button", "label": "Clear", "events": {"onClick": [
            {"id": "reset_all", "type": "reset_inputs", "components": []},
            {"id": "show_all", "type": "refresh"}]}},
        _input("starts_in", "Starts with", "starts_list"),
        _list("starts_list", {"_starts_with": {"ref": "component.starts_in.value"}}),
        {**_input("min_stock", "Minimum stock", "stock_list"), "events": {"onChange": [  # text: a word makes the query fail
            {"id": "refresh_stock", "type": "refresh", "component": "stock_list"},
            {"id": "refresh_stock_live", "type": "refresh", "component": "stock_live_list"}]}},
        _list("stock_list", {"_gte": {"ref": "component.min_stock.value"}}),
        {**_list("stock_live_list", {"_gte": {"ref": "component.min_stock.value"}}),
         "source": {"table": "tbl_product", "request": "subscription", "filter": {"stock": {"_gte": {"ref": "component.min_stock.value"}}},
                    "order_by": [{"field": "product_name", "direction": "asc"}]}},
        {"id": "more_list", "name": "More", "type": "list", "item": [{"id": "more_list_name", "name": "Name", "type": "text", "value": {"ref": "item.product_name"}}],
         "source": {"table": "tbl_product", "request": "subscription", "order_by": [{"field": "id", "direction": "desc"}], "page_size": 2, "pager": "load_more"}},
        {"id": "cheapest", "name": "Cheapest", "type": "container", "record": {
            "table": "tbl_product", "request": "subscription", "filter": {"stock": {"_gt": 0}}, "order_by": [{"field": "price", "direction": "asc"}]},
         "children": [{"id": "cheapest_name", "name": "Name", "type": "text", "value": {"concat": [
             "Cheapest: ", {"ref": "record.cheapest.product_name"}, " (", {"ref": "record.cheapest.stock"}, " left)"]}}],
         "not_found": [{"id": "cheapest_none", "name": "None", "type": "text", "value": "Nothing in stock."}]},
        {"id": "orders_list", "name": "Orders", "type": "list", "source": {"table": "tbl_order"},
         "item": [{"id": "order_qty", "name": "Qty", "type": "text", "value": {"ref": "item.quantity"}}]},
        {"id": "ordered_live_list", "name": "Ordered", "type": "list",  # anonymous may read product, not its orders
         "source": {"table": "tbl_product", "request": "subscription", "filter": {"orders_aggregate": {"count": {"predicate": {"_gte": 0}}}}},
         "item": [{"id": "ordered_name", "name": "Name", "type": "text", "value": {"ref": "item.product_name"}}]},
    ],
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, db_server: Any) -> Iterator[Shop]:
    workspace = tmp_path_factory.mktemp("search")
    project = copy_sample(workspace)
    definition = json.loads((project / "app.json").read_text())
    definition["pages"].append(SEARCH_PAGE)
    definition["settings"]["time_zone"] = "Europe/Berlin"
    (project / "app.json").write_text(json.dumps(definition, indent=2))
    with running_shop(workspace, db_server) as shop:
        shop.add_product("Sale 50% off", 9)
        shop.add_product("Sale 500 off", 9)
        shop.add_product("Big_Box", 9)
        shop.add_product("BigXBox", 9)
        yield shop


def _names(page: Page, list_id: str) -> Any:
    return page.locator(f"[data-mm={list_id}] .mm-item [data-mm={list_id}_name]")


def _type(page: Page, label: str, text: str) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(text)
    field.press("Tab")  # change -> onChange -> Refresh data


def _all(shop: Shop) -> list[str]:
    return [r[0] for r in shop.sql("SELECT product_name FROM product ORDER BY product_name")]  # the database's collation


def test_list_filter_bound_to_an_input_gets_its_value(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    page = open_shop(contexts(base_url=shop.server.url), f"/p/{SLUG}/search")
    expect(_names(page, "ilike_list")).to_have_text(_all(shop))  # an empty input: its condition is left out
    expect(page.locator("[data-mm=ilike_list] .mm-list__error")).to_be_hidden()
    _type(page, "Search", "vinyl record")
    expect(_names(page, "ilike_list")).to_have_text(["Vinyl Record"])  # any case
    expect(page.locator("[data-mm=eq_list] .mm-list__empty")).to_be_visible()  # _eq is exact, not "every row"
    _type(page, "Search", "Vinyl Record")
    expect(_names(page, "eq_list")).to_have_text(["Vinyl Record"])
    _type(page, "Search", "")
    expect(_names(page, "eq_list")).to_have_text(_all(shop))
    expect(page.locator("[data-mm=ilike_list] .mm-list__error")).to_be_hidden()


def test_contains_and_starts_with_match_the_text_as_typed(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    page = open_shop(contexts(base_url=shop.server.url), f"/p/{SLUG}/search")
    _type(page, "Contains", "50%")
    expect(_names(page, "contains_list")).to_have_text(["Sale 50% off"])  # % is not a wildcard
    _type(page, "Contains", "g_b")
    expect(_names(page, "contains_list")).to_have_text(["Big_Box"])  # _ is not a wildcard either
    _type(page, "Contains", "")
    expect(_names(page, "contains_list")).to_have_text(_all(shop))
    _type(page, "Starts with", "sale")
    expect(_names(page, "starts_list")).to_have_text(["Sale 50% off", "Sale 500 off"])
    page.get_by_role("button", name="Only sales").click()  # Set input value, then Refresh
    expect(page.get_by_label("Contains", exact=True)).to_have_value("sale")
    expect(_names(page, "contains_list")).to_have_text(["Sale 50% off", "Sale 500 off"])
    page.get_by_role("button", name="Clear").click()  # Reset inputs: back to their defaults
    expect(page.get_by_label("Starts with", exact=True)).to_have_value("")
    expect(_names(page, "contains_list")).to_have_text(_all(shop))


def test_list_error_clears_on_the_next_successful_load(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    page = open_shop(contexts(base_url=shop.server.url), f"/p/{SLUG}/search")
    error = page.locator("[data-mm=stock_list] .mm-list__error")
    _type(page, "Minimum stock", "lots")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Could not load this list")
    _type(page, "Minimum stock", "25")
    expect(error).to_be_hidden()
    expected = [r[0] for r in shop.sql("SELECT product_name FROM product WHERE stock >= 25 ORDER BY product_name")]
    expect(_names(page, "stock_list")).to_have_text(expected)
    live_error = page.locator("[data-mm=stock_live_list] .mm-list__error")  # the same for a live list
    _type(page, "Minimum stock", "many")
    expect(live_error).to_be_visible()
    _type(page, "Minimum stock", "25")
    expect(live_error).to_be_hidden()
    expect(_names(page, "stock_live_list")).to_have_text(expected)


def test_a_list_the_visitor_may_not_read_says_so_kindly(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    page = open_shop(contexts(base_url=shop.server.url), f"/p/{SLUG}/search")
    message = page.locator("[data-mm=orders_list] .mm-list__error")
    expect(message).to_have_text("You don't have access to these rows.")
    # only the filter goes through a table the visitor may not read (a total of orders), on a live list
    live = page.locator("[data-mm=ordered_live_list] .mm-list__error")
    expect(live).to_have_text("You don't have access to these rows.")
    assert "no permission" not in page.content() and "unknown field" not in page.content()


def test_inputs_keep_their_type(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    """A select fed by a table yields the row's id (a number), a switch true / false, and a
    date-time is typed in the app's time zone (Europe/Berlin) and yields the UTC instant."""
    page = open_shop(contexts(base_url=shop.server.url), f"/p/{SLUG}/search")
    vinyl = shop.sql("SELECT id FROM product WHERE product_name = 'Vinyl Record'")[0][0]
    page.get_by_label("Product").select_option(label="Vinyl Record")
    expect(page.locator("[data-mm=picked_echo]")).to_have_text(str(vinyl))
    assert page.evaluate("window.MiniMomen.page.vars.picked") == vinyl  # a number, not text
    page.get_by_role("switch", name="Gift wrap").check()
    expect(page.locator("[data-mm=flag_echo]")).to_have_text("true")
    when = page.get_by_label("Deliver at")
    expect(when).to_have_value("2024-05-02T01:30")  # the default, shown in Berlin time
    when.fill("2026-07-01T12:00")
    when.press("Tab")
    expect(page.locator("[data-mm=when_echo]")).to_have_text("2026-07-01T10:00:00.000Z")


def test_load_more_stays_live(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    page = open_shop(contexts(base_url=shop.server.url), f"/p/{SLUG}/search")
    newest = [r[0] for r in shop.sql("SELECT product_name FROM product ORDER BY id DESC LIMIT 4")]
    names = _names(page, "more_list")
    expect(names).to_have_text(newest[:2])
    expect(page.locator("html[data-mm-live=online]")).to_have_count(1)
    page.locator("[data-mm=more_list]").get_by_role("button", name="Load more").click()
    expect(names).to_have_text(newest)
    added = unique_name("Fresh ")
    shop.add_product(added, 1)
    expect(names).to_have_text([added, *newest[:3]])  # still live with two pages shown


def test_a_container_loads_the_first_row_of_a_filtered_query(shop: Shop, contexts) -> None:  # type: ignore[no-untyped-def]
    page = open_shop(contexts(base_url=shop.server.url), f"/p/{SLUG}/search")
    name, stock = shop.sql("SELECT product_name, stock FROM product WHERE stock > 0 ORDER BY price, id LIMIT 1")[0]
    expect(page.locator("[data-mm=cheapest_name]")).to_have_text(f"Cheapest: {name} ({stock} left)")
    expect(page.locator("html[data-mm-live=online]")).to_have_count(1)
    cheap = unique_name("Penny ")
    shop.admin("mutation ($o: product_insert_input!) { insert_product_one(object: $o) { id } }",
               {"o": {"product_name": cheap, "stock": 1, "price": "0.01"}})
    expect(page.locator("[data-mm=cheapest_name]")).to_have_text(f"Cheapest: {cheap} (1 left)")  # live
    expect(page.get_by_text("Nothing in stock.")).to_be_hidden()
