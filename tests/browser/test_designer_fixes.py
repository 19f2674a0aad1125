"""Designer bugs found building a second app from scratch (issue 11), each shown in real
Chromium at 1280 px on a clone of the sample: Formula from any value source, Redo, the
Insert node asking for its table, Increase / Decrease by numbers only, a list's own item
input kept out of its filter, the flowchart fitting the canvas, the rows grid's date
picker and readable typing errors, "Run as" lists and the Preview bar following the app.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import (
    add_component,
    add_field,
    add_node,
    commit,
    project_definition,
    props_tab,
    saved,
    set_value,
    shot,
    tab,
)
from tests.conftest import LiveServer

SLUG = "fixes"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_fixes"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_page(browser, server, "Fixes", SLUG) as page:
        yield page


def definition(page: Page) -> dict[str, Any]:
    return project_definition(page, SLUG)


def flow_panel(page: Page) -> Locator:
    return page.get_by_role("complementary", name="Actionflow properties")


def open_flow(page: Page, name: str) -> None:
    tab(page, "actionflows")
    page.get_by_role("button", name=name, exact=True).click()


def new_flow(page: Page, name: str) -> None:
    tab(page, "actionflows")
    page.get_by_label("New actionflow name").fill(name)
    page.locator("#add-flow").click()
    expect(flow_panel(page).get_by_label("Actionflow name")).to_have_value(name)


# ------------------------------------------------------------ Formula from any source

def test_formula_can_be_picked_from_every_source(page: Page) -> None:
    open_flow(page, "Place Order")
    panel = flow_panel(page)
    output = panel
    # Data (pick) -> Formula keeps the reference (as coalesce of it).
    output.get_by_label("Output: status source", exact=True).select_option("json")
    expect(output.get_by_label("Output: status source", exact=True)).to_have_value("json")
    expect(output.get_by_label("Output: status", exact=True)).to_have_value('{"coalesce":[{"ref":"var.status"}]}')
    # Text, Number and Yes / No -> Formula keep the literal.
    output.get_by_label("Output: new key").fill("note")
    output.get_by_role("button", name="Add to output").click()
    for kind, value, formula in (("text", "hello", {"literal": "hello"}), ("number", 5, {"literal": 5}), ("bool", True, {"literal": True})):
        set_value(output, "Output: note", kind, value)
        saved(page)
        output.get_by_label("Output: note source", exact=True).select_option("json")
        expect(output.get_by_label("Output: note source", exact=True)).to_have_value("json")
        saved(page)
        assert definition(page)["actionflows"][0]["output"]["note"] == formula
    # A formula typed by hand is kept, and a bare scalar stays a formula.
    commit(output.get_by_label("Output: note", exact=True), '{"concat": ["Order: ", {"ref": "var.status"}]}')
    saved(page)
    assert definition(page)["actionflows"][0]["output"]["note"] == {"concat": ["Order: ", {"ref": "var.status"}]}
    commit(output.get_by_label("Output: note", exact=True), '"plain"')
    expect(output.get_by_label("Output: note source", exact=True)).to_have_value("json")
    saved(page)
    assert definition(page)["actionflows"][0]["output"]["note"] == {"literal": "plain"}


# ------------------------------------------------------------ Redo

def test_redo_goes_forward_again_after_undo(page: Page) -> None:
    open_flow(page, "Place Order")
    redo = page.locator("#redo-button")
    expect(redo).to_be_visible()
    before = flow_panel(page).get_by_label("Actionflow description").input_value()
    commit(flow_panel(page).get_by_label("Actionflow description"), "Buy the last items")
    saved(page)
    expect(redo).to_be_disabled()
    page.locator("#undo-button").click()
    expect(flow_panel(page).get_by_label("Actionflow description")).to_have_value(before)
    expect(redo).to_be_enabled()
    redo.click()
    expect(flow_panel(page).get_by_label("Actionflow description")).to_have_value("Buy the last items")
    assert definition(page)["actionflows"][0]["description"] == "Buy the last items"
    expect(redo).to_be_disabled()


# ------------------------------------------------------------ pages: the list's own input

def test_a_list_filter_is_not_offered_its_own_item_input(page: Page) -> None:
    tab(page, "pages")
    page.get_by_role("button", name="Select Product List", exact=True).click()
    props = page.get_by_role("complementary", name="Component properties")
    props_tab(props, "Data")
    props.get_by_role("button", name="Add source filter", exact=True).click()
    props.get_by_label("Source filter 1 value source", exact=True).select_option("ref")
    offered = props.get_by_label("Source filter 1 value", exact=True).locator("option").all_inner_texts()
    assert "Quantity Input.value" not in offered, offered
    assert "Current account.id" in offered
    props.get_by_role("button", name="Remove Source filter 1", exact=True).click()
    # Inside the item the input is still there to bind (the Place Order button's action uses it).
    page.get_by_role("button", name="Select Button Place Order", exact=True).click()
    props_tab(props, "Action")
    args = props.locator("fieldset.map", has=page.get_by_text("Inputs", exact=True)).first
    assert "Quantity Input.value" in args.get_by_label("Inputs: quantity", exact=True).locator("option").all_inner_texts()
    saved(page)


def _events_of(page: Page, name: str) -> dict[str, Any]:
    def walk(value: Any) -> Iterator[dict[str, Any]]:  # components sit in children, item, branches ...
        if isinstance(value, dict):
            if "type" in value and "name" in value:
                yield value
            for inner in value.values():
                yield from walk(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from walk(inner)
    found = [c for c in walk(definition(page)["pages"]) if c["name"] == name]
    assert len(found) == 1, found
    return found[0].get("events") or {}


def test_deleting_an_events_last_action_leaves_no_empty_list(page: Page) -> None:
    tab(page, "pages")
    props = add_component(page, "Button", "Spare Button")
    props_tab(props, "Action")
    steps.add_action(page, "onClick", "show_toast")
    saved(page)
    assert [a["type"] for a in _events_of(page, "Spare Button")["onClick"]] == ["show_toast"]
    page.get_by_role("button", name="Delete action 1 of onClick", exact=True).click()
    saved(page)
    assert "onClick" not in _events_of(page, "Spare Button")
    page.get_by_role("button", name="Delete Spare Button", exact=True).click()
    saved(page)


# ------------------------------------------------------------ related data in the pickers

def test_pickers_offer_related_fields_and_totals(page: Page) -> None:
    tab(page, "pages")
    # In the product list: the orders' totals (an array relationship).
    page.get_by_role("button", name="Select Product Name", exact=True).click()
    props = page.get_by_role("complementary", name="Component properties")
    props_tab(props, "Data")
    value = props.get_by_label("Value", exact=True)
    offered = value.locator("option").all_inner_texts()
    for label in ("List item → orders → count", "List item → orders → sum of quantity", "List item → orders → max of quantity"):
        assert label in offered, (label, offered)
    assert not any("price" in o and "orders" in o for o in offered)  # sums of the *orders'* number fields only
    # A list of orders: the fields of object relationships, followed further (order → account → its orders' count).
    page.get_by_role("button", name="Deselect (add at page level)").click()
    add_component(page, "List", "Order List")
    props_tab(props, "Data")
    props.get_by_label("Data source table").select_option(label="order")
    add_component(page, "Text", "Buyer")
    props_tab(props, "Data")
    set_value(props, "Value", "ref", "List item → account.username")
    offered = props.get_by_label("Value", exact=True).locator("option").all_inner_texts()
    # … to any depth, and totals back over the relationship followed (the buyer's orders).
    for label in ("List item → product.product_name", "List item → product.stock", "List item → account → orders → count", "List item → product → orders → sum of quantity"):
        assert label in offered, (label, offered)
    saved(page)
    order_list = next(c for c in definition(page)["pages"][0]["components"] if c["name"] == "Order List")
    assert order_list["item"][0]["value"] == {"ref": "item.account.username"}
    shot(page, "designer-related-data.png")
    # Leave the sample page as it was for the tests below.
    page.get_by_role("button", name="Delete Order List", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    saved(page)


# ------------------------------------------------------------ rows grid: dates

def test_rows_grid_has_a_date_picker_and_says_what_a_date_looks_like(page: Page) -> None:
    tab(page, "data")
    page.get_by_role("button", name="product", exact=True).click()
    add_field(page, "sale_day", "date")
    saved(page)
    steps.publish(page, 1)
    page.get_by_role("tab", name="Rows (database)").click()
    grid = page.get_by_role("table", name="Rows of product")
    new_day = grid.get_by_label("New row sale_day")
    expect(new_day).to_have_attribute("type", "date")
    grid.get_by_label("New row product_name").fill("Dated")
    grid.get_by_label("New row price").fill("1")
    grid.get_by_label("New row stock").fill("1")
    new_day.fill("2026-12-24")
    grid.get_by_role("button", name="Add row").click()
    expect(page.get_by_role("table", name="Rows of product").get_by_label("New row product_name")).to_have_value("")  # the form empties once the row is in
    expect(page.get_by_role("table", name="Rows of product").locator("tbody tr")).to_have_count(5)  # the sample's three, Dated, the new-row line
    dated = steps.admin_graphql(page, SLUG, '{ product(where: {product_name: {_eq: "Dated"}}) { id sale_day } }')["product"][0]
    assert dated["sale_day"] == "2026-12-24"
    expect(grid.get_by_label(f"sale_day of row {dated['id']}")).to_have_attribute("type", "date")
    expect(grid.get_by_label(f"sale_day of row {dated['id']}")).to_have_value("2026-12-24")
    # A badly typed date in the filter is explained in words, not with the database's message.
    page.get_by_label("Filter field").select_option("sale_day")
    page.get_by_label("Filter value").fill("24/12/2026")
    page.get_by_role("button", name="Apply filter").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("sale_day must be a date such as 2026-12-31 (not “24/12/2026”).")
    page.get_by_label("Filter value").fill("2026-12-24")
    page.get_by_role("button", name="Apply filter").click()
    expect(page.get_by_role("table", name="Rows of product").locator("tbody tr")).to_have_count(2)  # the dated row + the new-row line
    page.get_by_label("Filter value").fill("")
    page.get_by_role("button", name="Apply filter").click()


# ------------------------------------------------------------ Run as and the Preview bar follow the app

OPEN: dict[str, Page] = {}  # the preview tab, shared by the tests below


def test_run_as_lists_accounts_created_meanwhile(page: Page) -> None:
    open_flow(page, "Place Order")
    page.locator("#flow-panel-run").click()
    run_as = flow_panel(page).get_by_label("Run as")
    expect(run_as.locator("option")).to_have_count(1)  # only "Anonymous visitor": no accounts yet
    with page.expect_popup() as popup_info:
        page.locator("#preview-button").click()
    preview = OPEN["preview"] = popup_info.value
    preview.set_default_timeout(15_000)
    expect(preview.locator("#sim-status")).to_have_text("Viewing as: anonymous visitor")
    # A test account made in the preview shows in "Run as" at once, no designer reload.
    preview.get_by_label("New test account username").fill("walker")
    preview.get_by_role("button", name="Create and log in").click()
    expect(preview.locator("#sim-status")).to_contain_text("Viewing as: walker")
    expect(run_as.locator("option", has_text="walker")).to_have_count(1)


def test_preview_lists_pages_published_after_it_opened(page: Page) -> None:
    preview = OPEN["preview"]
    tab(page, "pages")
    page.get_by_label("New page name").fill("Help")
    page.get_by_role("button", name="Add page").click()
    props = add_component(page, "Button", "Back Home")
    props_tab(props, "Action")
    steps.add_action(page, "onClick", "navigate")
    steps.action_group(page, 1, "onClick").get_by_label("Page", exact=True).select_option(label="Page Order Inventory Deduction")
    saved(page)
    steps.publish(page, 2)
    expect(preview.locator("#sim-published")).to_contain_text("Version 2 published")
    expect(preview.locator("#sim-page option", has_text="Help")).to_have_count(1)


def test_preview_reload_names_the_simulated_user(page: Page) -> None:
    preview = OPEN["preview"]
    preview.reload()
    expect(preview.locator("#sim-status")).to_have_text(f"Viewing as: walker (#{account_id(page, 'walker')})")


def test_preview_names_the_page_the_app_shows(page: Page) -> None:
    preview = OPEN.pop("preview")
    preview.get_by_label("Page").select_option(label="Help")
    app = preview.frame_locator("#preview-frame")
    app.get_by_role("button", name="Back Home").click()  # a Go to page inside the app
    expect(preview.get_by_label("Page")).to_have_value("page_order_inventory_deduction")
    expect(app.get_by_text("Festival Ticket")).to_be_visible()
    preview.close()


def account_id(page: Page, username: str) -> int:
    rows = steps.admin_graphql(page, SLUG, "query ($u: String!) { account(where: {username: {_eq: $u}}) { id } }", {"u": username})["account"]
    return int(rows[0]["id"])


# ------------------------------------------------------------ node defaults and pick lists

def test_insert_asks_for_its_table_and_decrease_lists_numbers_only(page: Page) -> None:
    new_flow(page, "Restock")
    panel = add_node(page, "flow", "insert", "Log Restock")
    table = panel.get_by_label("Table", exact=True)
    expect(table).to_have_value("")
    expect(table.locator("option:checked")).to_have_text("(choose a table)")
    saved(page)
    node = next(f for f in definition(page)["actionflows"] if f["name"] == "Restock")["nodes"][0]
    assert node["table"] == ""
    expect(page.get_by_role("list", name="Problems of Log Restock")).to_be_visible()
    table.select_option(label="order")
    expect(panel.get_by_label("Values: field to add")).to_be_visible()

    panel = add_node(page, "flow", "update", "Add Stock")
    expect(panel.get_by_label("Table", exact=True)).to_have_value("")
    panel.get_by_label("Table", exact=True).select_option(label="product")
    for label in ("Increase by", "Decrease by"):
        options = panel.get_by_label(f"{label}: field to add").locator("option").all_inner_texts()
        assert options == ["price", "stock"], (label, options)
    # Set to still offers every writable field.
    assert "product_name" in panel.get_by_label("Set to: field to add").locator("option").all_inner_texts()


# ------------------------------------------------------------ the flowchart fits at 1280 px

def test_nested_conditions_fit_the_canvas(page: Page) -> None:
    new_flow(page, "Nested")
    add_node(page, "flow", "condition", "Outer")
    add_node(page, "branch Otherwise", "raise_error", "Outer Else")
    add_node(page, "branch Branch 1", "condition", "Inner")
    inner_branches = page.locator("#node-inner .branch")
    for i in range(inner_branches.count()):
        branch = inner_branches.nth(i)
        label = (branch.get_attribute("aria-label") or "").removeprefix("Branch ")
        branch.get_by_role("button", name=f"Add node to branch {label}", exact=True).click()
        panel = flow_panel(page)
        panel.get_by_label("Node type").select_option("raise_error")
        panel.get_by_label("Node name").fill(f"Inner Stop {i + 1}")
        panel.get_by_role("button", name="Add node", exact=True).click()
        expect(panel.get_by_label("Node name")).to_have_value(f"Inner Stop {i + 1}")
    saved(page)
    expect(page.locator(".flowchart .node")).to_have_count(5)
    pane = page.get_by_role("region", name="Flowchart")
    # Drawn at 100% the chart is wider than the canvas between the side panels ...
    page.get_by_role("button", name="Actual size").click()
    expect(page.locator("#zoom-level")).to_have_text("100%")
    assert pane.evaluate("el => el.scrollWidth > el.clientWidth + 4"), "the nested chart should not fit at 100%"
    # ... Fit shrinks it so every node is inside the canvas, none under the right panel.
    page.get_by_role("button", name="Fit to the canvas").click()
    expect(page.locator("#zoom-level")).not_to_have_text("100%")
    box = pane.bounding_box()
    assert box is not None
    props = flow_panel(page).bounding_box()
    assert props is not None
    for node in page.locator(".flowchart .node").all():
        expect(node).to_be_visible()
        b = node.bounding_box()
        assert b is not None and b["x"] >= box["x"] - 1 and b["x"] + b["width"] <= min(box["x"] + box["width"], props["x"]) + 1, (node.get_attribute("id"), b, box)
    assert pane.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), pane.evaluate("el => [el.scrollWidth, el.clientWidth, el.querySelector('.flowchart').getBoundingClientRect().width, el.querySelector('.flowchart').scrollWidth, el.querySelector('.flowchart').style.zoom, el.querySelector('.chart-tools').getBoundingClientRect().width]")
    # Nodes stay usable when shrunk.
    page.get_by_role("button", name="Edit node Inner Stop 2").click()
    expect(flow_panel(page).get_by_label("Node name")).to_have_value("Inner Stop 2")
    shot(page, "designer-flow-fit.png")
    # Zoom in / out step through sizes; dragging the background pans a chart larger than the canvas.
    page.get_by_role("button", name="Actual size").click()
    page.get_by_role("button", name="Zoom in").click()
    expect(page.locator("#zoom-level")).to_have_text("125%")
    page.get_by_role("button", name="Zoom out").click()
    page.get_by_role("button", name="Zoom out").click()
    expect(page.locator("#zoom-level")).to_have_text("90%")
    page.get_by_role("button", name="Zoom in").click()
    start = pane.evaluate("el => el.scrollLeft")
    start_box = page.locator(".chart-tools").bounding_box()
    assert start_box is not None
    x, y = start_box["x"] + start_box["width"] + 40, start_box["y"] + 10
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 150, y, steps=5)
    page.mouse.up()
    assert pane.evaluate("el => el.scrollLeft") > start
