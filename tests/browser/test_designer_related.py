"""Related data in every picker (issue 11, item 6), in real Chromium at 1280 px on a clone of
the sample: a list filter, a flow's values and condition, and a permission condition each take
a path through a relationship and a total of related records, and the result validates,
publishes and works. The Preview bar fills in a page's parameters with typed inputs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import (
    add_condition,
    add_flow_item,
    add_node,
    add_to_map,
    name_branch,
    project_definition,
    props_tab,
    saved,
    set_value,
    tab,
)
from tests.conftest import LiveServer

SLUG = "related"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_related"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_page(browser, server, "Related", SLUG) as page:
        yield page


def definition(page: Page) -> dict[str, Any]:
    return project_definition(page, SLUG)


def pick_total(scope: Page | Locator, name: str, key: str, function: str, column: str | None, op: str, value: int) -> None:
    """Turn condition row ``name`` into a total of related records: [field] [total] [of field] [comparison] [value]."""
    scope.get_by_label(f"{name} field", exact=True).select_option(key)
    scope.get_by_label(f"{name} total", exact=True).select_option(function)
    if column:
        scope.get_by_label(f"{name} total of field", exact=True).select_option(column)
    scope.get_by_label(f"{name} comparison", exact=True).select_option(op)
    set_value(scope, f"{name} value", "number", value)


def pick_related(scope: Page | Locator, name: str, key: str, inner_key: str, op: str, value: int) -> None:
    """Turn condition row ``name`` into "<relationship> has a related record where <inner_key> <op> <value>"."""
    scope.get_by_label(f"{name} field", exact=True).select_option(key)
    scope.get_by_label(f"{name}.1 field", exact=True).select_option(inner_key)
    scope.get_by_label(f"{name}.1 comparison", exact=True).select_option(op)
    set_value(scope, f"{name}.1 value", "number", value)


def test_three_pickers_take_related_paths_and_totals(page: Page) -> None:
    # 1. A list filter: products whose orders (of more than 0) add up to 2 or more, and that have an order of 3+.
    tab(page, "pages")
    page.get_by_role("button", name="Select Product List", exact=True).click()
    props = page.get_by_role("complementary", name="Component properties")
    props_tab(props, "Data")
    props.get_by_role("button", name="Add source filter", exact=True).click()
    offered = props.get_by_label("Source filter 1 field", exact=True).locator("option").all_inner_texts()
    assert "orders → order (totals)" in offered and "orders → order (related)" in offered, offered
    pick_total(props, "Source filter 1", "orders_aggregate", "sum", "quantity", "_gte", 2)
    props.get_by_role("button", name="Add condition to Source filter 1.f", exact=True).click()
    props.get_by_label("Source filter 1.f.1 field", exact=True).select_option("quantity")
    props.get_by_label("Source filter 1.f.1 comparison", exact=True).select_option("_gt")
    set_value(props, "Source filter 1.f.1 value", "number", 0)
    props.get_by_role("button", name="Add source filter", exact=True).click()
    pick_related(props, "Source filter 2", "orders", "quantity", "_gte", 3)
    saved(page)
    product_list = next(c for c in definition(page)["pages"][0]["components"] if c["name"] == "Product List")
    assert product_list["source"]["filter"] == {"_and": [
        {"orders_aggregate": {"sum": {"arguments": "quantity", "filter": {"quantity": {"_gt": 0}}, "predicate": {"_gte": 2}}}},
        {"orders": {"quantity": {"_gte": 3}}},
    ]}
    # Anonymous visitors may open the page and read products but not orders: the designer warns on the list.
    expect(page.locator("#problems-button")).to_contain_text("0 errors, 1 warning")
    page.locator("#problems-button").click()
    problems = page.get_by_role("dialog", name="Problems")
    expect(problems.get_by_role("button", name=re.compile(r"^Go to: Page .*Product List: visitors who are not logged in \(role anonymous\) "
                                                          r"may not read table order"))).to_have_count(1)
    problems.get_by_role("button", name="Close", exact=True).click()

    # 2. Flow values: a Query that finds one order; later nodes read its product's name and its product's order count.
    tab(page, "actionflows")
    page.get_by_label("New actionflow name").fill("Order Summary")
    page.locator("#add-flow").click()
    add_flow_item(page, "input", "order_id", "bigint")
    add_flow_item(page, "variable", "label", "text")
    panel = add_node(page, "flow", "query", "Find Order")
    panel.get_by_label("Table", exact=True).select_option(label="order")
    panel.get_by_label("One", exact=True).check()
    panel.get_by_role("button", name="Add filter", exact=True).click()
    panel.get_by_label("Filter 1 field", exact=True).select_option("id")
    set_value(panel, "Filter 1 value", "ref", "input.order_id")
    panel = add_node(page, "flow", "set_variable", "Set Label")
    add_to_map(panel, "Assignments", "label", "ref", "node.find_order.product.product_name")
    offered = panel.get_by_label("Assignments: label", exact=True).locator("option").all_inner_texts()
    for label in ("Find Order → product.product_name", "Find Order → product → orders → count", "Find Order → account.username"):
        assert label in offered, (label, offered)
    panel = add_node(page, "flow", "condition", "Popular?")
    name_branch(panel, 1, "Popular")
    add_condition(panel, "Condition 1", 1, "node.find_order.product.orders_aggregate.aggregate.count", "_gte", "number", 2)
    saved(page)
    flow = next(f for f in definition(page)["actionflows"] if f["name"] == "Order Summary")
    assert flow["nodes"][1]["assignments"] == {"label": {"ref": "node.find_order.product.product_name"}}
    assert flow["nodes"][2]["branches"][0]["condition"] == {"node.find_order.product.orders_aggregate.aggregate.count": {"_gte": 2}}

    # 3. A permission condition: user may read products with fewer than 100 ordered, and with an order by someone named.
    tab(page, "permissions")
    page.get_by_role("button", name="Role user", exact=True).click()
    page.get_by_role("button", name="Details of product for user", exact=True).click()
    add_condition(page, "Select row condition", 1, "id", "_gt", "number", 0)
    pick_total(page, "Select row condition 1", "orders_aggregate", "count", None, "_lt", 100)
    page.get_by_role("button", name="Add select row condition", exact=True).click()
    pick_related(page, "Select row condition 2", "orders", "quantity", "_gt", 0)
    saved(page)
    rule = next(p for p in definition(page)["permissions"]["tables"] if p["role"] == "user" and p["table"] == "tbl_product")
    assert rule["select"]["filter"] == {"_and": [
        {"orders_aggregate": {"count": {"predicate": {"_lt": 100}}}},
        {"orders": {"quantity": {"_gt": 0}}},
    ]}
    steps.shot(page, "designer-related-totals.png")
    # Everything picked validates and publishes.
    steps.publish(page, 1)


def test_preview_fills_in_page_parameters(server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    """A page with parameters (``ticket?ticket_id=``) opens in Preview on the row the builder types."""
    with steps.designer_page(browser, server, "Desk Preview", "deskpreview", origin="sample:support_desk") as page:
        steps.publish(page, 1)
        with page.expect_popup() as popup_info:
            page.locator("#preview-button").click()
        preview = popup_info.value
        preview.set_default_timeout(15_000)
        steps.preview_log_in(preview, "rita", create=True, header="Signed in as rita")  # the reload done before Open
        rita = steps.admin_graphql(page, "deskpreview", '{ account(where: {username: {_eq: "rita"}}) { id } }')["account"][0]["id"]
        made = steps.admin_graphql(page, "deskpreview", "mutation ($r: bigint!) { a: insert_ticket_one(object: {title: \"Printer on fire\", requester_id: $r}) { id } "
                                   "b: insert_ticket_one(object: {title: \"Lost badge\", requester_id: $r}) { id } }", {"r": rita})
        params = preview.get_by_role("group", name="Parameters", exact=True)
        expect(params.get_by_role("spinbutton")).to_have_count(0)  # the home page (Tickets) takes none
        preview.get_by_label("Page", exact=True).select_option(label="Ticket")
        ticket_id = params.get_by_label("Parameter ticket_id (required)", exact=True)
        expect(ticket_id).to_have_attribute("type", "number")
        ticket_id.fill(str(made["b"]["id"]))
        params.get_by_role("button", name="Open", exact=True).click()
        app = preview.frame_locator("#preview-frame")
        expect(app.get_by_text("Lost badge")).to_be_visible()
        assert preview.locator("#preview-frame").evaluate("f => f.contentWindow.location.search") == f"?ticket_id={made['b']['id']}"
        # The bar follows the app: a link with another ticket id shows that id in the box.
        preview.locator("#preview-frame").evaluate(f"f => {{ f.contentWindow.location.href = '/p/deskpreview/ticket?ticket_id={made['a']['id']}'; }}")
        expect(app.get_by_text("Printer on fire")).to_be_visible()
        expect(ticket_id).to_have_value(str(made["a"]["id"]))
        steps.shot(preview, "designer-preview-params.png")
        preview.close()


ROUND_TRIPS: list[dict[str, Any]] = [
    {"orders_aggregate": {"count": {"predicate": {"_gt": 0}}}},
    {"orders_aggregate": {"sum": {"arguments": "quantity", "filter": {"quantity": {"_gt": 1}}, "predicate": {"_gte": {"ref": "page.n"}}}}},
    # forms with no row of their own stay exactly as written
    {"orders_aggregate": {"count": {"arguments": ["account_id"], "distinct": True, "predicate": {"_eq": 2}}}},
    {"orders_aggregate": {"avg": {"arguments": "quantity", "predicate": {"_gt": 1, "_lt": 3}}}},
    {"_or": [{"orders_aggregate": {"max": {"arguments": "quantity", "predicate": {"_lte": 9}}}}, {"stock": {"_eq": 0}}]},
]


def test_condition_editor_reads_back_what_it_writes(page: Page) -> None:
    """Totals parse into editor rows and serialize back to the same filter (or stay raw, untouched)."""
    back = page.evaluate("""async (filters) => {
      const { parseGroup, groupToExp } = await import('/designer/js/widgets/condition.js');
      const order = { keys: [{ value: 'quantity' }, { value: 'account_id' }], relations: [], totals: [] };
      const scope = { keys: [{ value: 'stock' }], relations: [{ value: 'orders', scope: () => order }],
                      totals: [{ value: 'orders_aggregate', label: 'orders', numbers: ['quantity'], scope: () => order }] };
      return filters.map((f) => ({ kinds: parseGroup(f, scope).items.map((i) => i.type), exp: groupToExp(parseGroup(f, scope), true) }));
    }""", ROUND_TRIPS)
    assert [b["exp"] for b in back] == ROUND_TRIPS
    assert [b["kinds"] for b in back] == [["agg"], ["agg"], ["raw"], ["raw"], ["agg", "row"]]
