"""Issue 7's flagship: a no-code builder makes the tutorial's flash-sale app entirely by clicking.

From a blank project: two tables and their relations, the Place Order actionflow
(both condition branches, the guarded update, the insert), the page with the
subscription list, bindings, quantity input and the conditional onClick, and the
permissions; then the sample's integration parts (``designer_build_integrations``:
the paid field, the after-commit fulfilment call, the payment webhook, the outbound
host). Then Publish, rows through the database grid, Preview with a simulated login
and the tutorial's four verification steps. Finally the definition the clicks
produced is compared with the whole sample's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from builder.definition import Definition
from tests.browser import designer_build_integrations as integrations
from tests.browser import designer_steps as steps
from tests.browser.conftest import screenshot_path
from tests.browser.designer_steps import (
    action_group,
    add_action,
    add_component,
    add_condition,
    add_field,
    add_flow_item,
    add_node,
    add_relation,
    add_table,
    add_to_map,
    commit,
    create_project,
    name_branch,
    open_designer,
    project_definition,
    props_tab,
    saved,
    set_value,
    tab,
)
from tests.conftest import SAMPLES, LiveServer, start_server

SLUG = "flash_sale"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    workspace = tmp_path_factory.mktemp("designer")
    live = start_server(workspace, db_server)
    try:
        yield live
    finally:
        live.stop()


def shot(page: Page, name: str) -> None:
    steps.shot(page, f"designer-{name}.png")


def build_data_model(page: Page) -> None:
    add_table(page, "product")
    add_field(page, "product_name", "text", required=True, default=("text", ""))
    add_field(page, "price", "decimal", required=True, default=("number", 0))
    add_field(page, "stock", "bigint", required=True, default=("number", 0))
    add_table(page, "order")
    add_field(page, "quantity", "bigint", required=True, default=("number", 1))
    add_relation(page, "account", "order", on_delete="set_null")
    add_relation(page, "product", "order", on_delete="restrict")
    relations = page.get_by_role("region", name="Relations")
    expect(relations).to_contain_text("account has many order — foreign key order.account_id; fields account.orders and order.account")
    expect(relations).to_contain_text("product has many order — foreign key order.product_id; fields product.orders and order.product")
    saved(page)


def build_actionflow(page: Page) -> None:
    tab(page, "actionflows")
    page.get_by_label("New actionflow name").fill("Place Order")
    page.get_by_role("button", name="Add actionflow").click()
    add_flow_item(page, "input", "product_id", "bigint")
    add_flow_item(page, "input", "quantity", "bigint")
    add_flow_item(page, "variable", "status", "text")

    add_node(page, "flow", "get_current_account", "Get ID")
    panel = add_node(page, "flow", "condition", "Validate Quantity")
    name_branch(panel, 1, "Valid Quantity")
    add_condition(panel, "Condition 1", 1, "input.quantity", "is_not_null")
    add_condition(panel, "Condition 1", 2, "input.quantity", "_gt", "number", 0)
    name_branch(panel, 2, "Invalid Quantity")

    panel = add_node(page, "branch Valid Quantity", "update", "Update Product Stock")
    panel.get_by_label("Table", exact=True).select_option(label="product")
    add_condition(panel, "Filter", 1, "id", "_eq", "ref", "input.product_id")
    add_condition(panel, "Filter", 2, "stock", "_gte", "ref", "input.quantity")
    add_to_map(panel, "Decrease by", "stock", "ref", "input.quantity")

    panel = add_node(page, "branch Valid Quantity", "condition", "Check Stock Deduction Result")
    name_branch(panel, 1, "Stock Shortage")
    add_condition(panel, "Condition 1", 1, "node.update_product_stock.id", "is_null")
    name_branch(panel, 2, "Success (Stock Sufficient)")

    panel = add_node(page, "branch Stock Shortage", "set_variable", "Set status: shortage")
    set_value(panel, "Assignments: status", "text", "Stock shortage")

    panel = add_node(page, "branch Success (Stock Sufficient)", "insert", "Create Order")
    panel.get_by_label("Table", exact=True).select_option(label="order")
    add_to_map(panel, "Values", "account_id", "ref", "node.get_id.account_id")
    add_to_map(panel, "Values", "product_id", "ref", "input.product_id")
    add_to_map(panel, "Values", "quantity", "ref", "input.quantity")
    panel = add_node(page, "branch Success (Stock Sufficient)", "set_variable", "Set status: success")
    set_value(panel, "Assignments: status", "text", "Order placed successfully")

    panel = add_node(page, "branch Invalid Quantity", "set_variable", "Set status: invalid quantity")
    set_value(panel, "Assignments: status", "text", "Please enter a valid quantity")

    page.locator("#flow-panel-flow").click()
    panel = page.get_by_role("complementary", name="Actionflow properties")
    panel.get_by_label("Output: new key").fill("status")
    panel.get_by_role("button", name="Add to output").click()
    set_value(panel, "Output: status", "ref", "var.status")
    saved(page)
    expect(page.locator("#node-update_product_stock")).to_contain_text("product where …: −stock")
    page.get_by_role("button", name="Edit node Update Product Stock").click()
    page.locator(".chart-pane").evaluate("pane => pane.scrollTo(0, 0)")
    page.locator("aside.props").evaluate("panel => panel.scrollTo(0, 0)")
    shot(page, "actionflows")


def build_page(page: Page) -> None:
    tab(page, "pages")
    page.get_by_label("New page name").fill("Page Order Inventory Deduction")
    page.get_by_role("button", name="Add page").click()

    props = add_component(page, "List", "Product List")
    props_tab(props, "Data")
    props.get_by_label("Request type").select_option("subscription")
    props.get_by_role("button", name="Add sort").click()

    props = add_component(page, "Container", "Product Card")  # into the list item
    props.get_by_label("Variant").select_option("card")
    props = add_component(page, "Text", "Product Name")  # into the card
    props.get_by_label("Variant").select_option("subtitle")
    props_tab(props, "Data")
    set_value(props, "Value", "ref", "item.product_name")
    props = add_component(page, "Text", "Price")  # after the selected text
    props_tab(props, "Data")
    set_value(props, "Value", "ref", "item.price")
    props.get_by_label("Format").select_option("currency")
    props = add_component(page, "Text", "Stock")
    props_tab(props, "Data")
    set_value(props, "Value", "ref", "item.stock")
    commit(props.get_by_label("Prefix"), "stock: ")
    props = add_component(page, "Text input", "Quantity Input")
    props_tab(props, "Design")
    props.get_by_label("Value Type").select_option("bigint")
    commit(props.get_by_label("Label", exact=True), "Quantity")
    props = add_component(page, "Button", "Button Place Order")
    set_value(props, "Label", "text", "Place Order")

    props_tab(props, "Action")
    add_action(page, "onClick", "condition")
    check = action_group(page, 1, "onClick")
    commit(check.get_by_label("Branch 1 name"), "Not Logged In")
    add_condition(check, "Condition 1", 1, "global.is_logged_in", "_eq", "bool", False)
    commit(check.get_by_label("Branch 2 name"), "Logged In")
    add_action(page, "onClick › Not Logged In", "show_toast")
    toast = action_group(page, 1, "onClick › Not Logged In")
    set_value(toast, "Message", "text", "Please log in first")
    toast.get_by_label("Level").select_option("error")
    add_action(page, "onClick › Logged In", "call_actionflow")
    call = action_group(page, 1, "onClick › Logged In")
    call.get_by_label("Actionflow", exact=True).select_option(label="Place Order")
    set_value(call, "Inputs: product_id", "ref", "item.id")
    set_value(call, "Inputs: quantity", "ref", "component.quantity_input.value")
    add_action(page, "onClick › Logged In › on success", "show_toast")
    set_value(action_group(page, 1, "onClick › Logged In › on success"), "Message", "ref", "result.status")
    add_action(page, "onClick › Logged In › on failure", "show_toast")
    failure = action_group(page, 1, "onClick › Logged In › on failure")
    set_value(failure, "Message", "ref", "error.message")
    failure.get_by_label("Level").select_option("error")
    saved(page)
    shot(page, "pages")


def build_permissions(page: Page) -> None:
    tab(page, "permissions")
    page.get_by_role("button", name="Role anonymous").click()
    page.get_by_label("Select on product for anonymous").check()
    page.get_by_role("button", name="Role user").click()
    page.get_by_label("Select on product for user").check()
    page.get_by_label("Select on order for user").check()
    page.get_by_role("button", name="Select: only their own rows").click()
    page.get_by_label("Select on account for user").check()
    page.get_by_label("Select: all columns").uncheck()
    page.get_by_role("button", name="Select: only their own rows").click()
    page.get_by_label("Select: allow aggregates (count, sum…)").uncheck()
    page.get_by_label("user may run Place Order").check()
    saved(page)
    shot(page, "permissions")


def publish(page: Page) -> None:
    page.locator("#publish-button").click()
    dialog = page.get_by_role("dialog", name="Publish")
    expect(dialog.locator("#plan-steps")).to_contain_text("product", timeout=30_000)
    dialog.get_by_role("button", name="Publish now").click()
    expect(dialog.locator("#publish-result")).to_have_text("Published version 1.", timeout=30_000)
    shot(page, "publish")
    dialog.get_by_role("button", name="Close").click()


def add_product_rows(page: Page) -> None:
    tab(page, "data")
    page.get_by_role("button", name="product", exact=True).click()
    page.get_by_role("tab", name="Rows (database)").click()
    grid = page.get_by_role("table", name="Rows of product")
    grid.get_by_label("New row product_name").fill("Limited Sneakers")
    grid.get_by_label("New row price").fill("129.00")
    grid.get_by_label("New row stock").fill("2")
    grid.get_by_role("button", name="Add row").click()
    expect(grid.get_by_label("stock of row 1")).to_have_value("2")
    shot(page, "data-rows")


def verify_in_preview(page: Page) -> None:
    with page.expect_popup() as popup_info:
        page.locator("#preview-button").click()
    preview = popup_info.value
    preview.set_default_timeout(15_000)
    app = preview.frame_locator("#preview-frame")
    card = app.locator(".mm-item", has=app.get_by_text("Limited Sneakers"))
    expect(card).to_contain_text("stock: 2")

    def order(quantity: str, toast: str) -> None:
        card.get_by_label("Quantity").fill(quantity)
        card.get_by_role("button", name="Place Order").click()
        expect(app.locator(".mm-toast", has_text=toast).last).to_be_visible(timeout=15_000)

    order("1", "Please log in first")
    # Logging in reloads the app frame: mark the old document, and fill nothing until the new one is live.
    preview.evaluate("document.querySelector('#preview-frame').contentWindow.mmBeforeLogin = true")
    preview.get_by_label("New test account username").fill("buyer_one")
    preview.get_by_role("button", name="Create and log in").click()
    expect(preview.locator("#sim-status")).to_contain_text("Viewing as: buyer_one")
    preview.wait_for_function("""() => {
        const w = document.querySelector('#preview-frame').contentWindow;
        return w && !w.mmBeforeLogin && w.document.querySelector('html[data-mm-live=online]') !== null;
    }""")
    expect(card).to_contain_text("stock: 2")
    order("0", "Please enter a valid quantity")
    order("3", "Stock shortage")
    expect(card).to_contain_text("stock: 2")
    order("1", "Order placed successfully")
    expect(card).to_contain_text("stock: 1", timeout=15_000)
    preview.screenshot(path=str(screenshot_path("designer-preview.png")))
    preview.close()


# ------------------------------------------------------------ equivalence with the sample

def _tables(d: Definition) -> dict[str, Any]:
    return {t.name: sorted((f.name, f.type, f.required, f.unique, f.default) for f in t.fields) for t in d.tables}


def _relations(d: Definition) -> set[tuple[Any, ...]]:
    name = {t.id: t.name for t in d.tables}
    return {(name[r.from_table], name[r.to_table], r.kind, r.foreign_key.name, r.from_field, r.to_field, r.on_delete) for r in d.relations}


def _strip(value: Any, table_names: dict[str, str], drop: tuple[str, ...] = ("id", "description")) -> Any:
    """Drop generated ids and free text; table ids become names."""
    if isinstance(value, list):
        return [_strip(v, table_names, drop) for v in value]
    if isinstance(value, dict):
        out = {}
        for key, v in value.items():
            if key in drop:
                continue
            out[key] = table_names.get(v, v) if key == "table" and isinstance(v, str) else _strip(v, table_names, drop)
        return out
    return value


def _flows(d: Definition) -> Any:
    names = {t.id: t.name for t in d.tables}
    return [_strip(f.model_dump(mode="json"), names) for f in d.actionflows]


BINDINGS = ("type", "value", "prefix", "value_type", "source", "events", "item", "children", "label")


def _component(c: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    kept = {k: v for k, v in c.items() if k in BINDINGS}
    for key in ("item", "children"):
        if key in kept:
            kept[key] = [_component(x, names) for x in kept[key]]
    if "events" in kept:
        kept["events"] = _strip(kept["events"], names, drop=("id", "name"))
    if "source" in kept:
        kept["source"] = _strip(kept["source"], names)
    return kept


def _product_list(d: Definition) -> Any:
    names = {t.id: t.name for t in d.tables}
    for page in d.pages:
        for c in page.model_dump(mode="json")["components"]:
            if c["type"] == "list":
                return _component(c, names)
    return None


def _permissions(d: Definition) -> Any:
    names = {t.id: t.name for t in d.tables}
    tables = {(p.role, names[p.table]): p.model_dump(mode="json", exclude={"role", "table"}) for p in d.permissions.tables}
    return tables, {role: sorted(flows) for role, flows in d.permissions.actionflows.items()}


def assert_equivalent(built: Definition, sample: Definition) -> None:
    assert _tables(built) == _tables(sample)
    assert _relations(built) == _relations(sample)
    assert _flows(built) == _flows(sample)
    assert _product_list(built) == _product_list(sample)
    assert _permissions(built) == _permissions(sample)
    assert built.settings.outbound_hosts == sample.settings.outbound_hosts


# ------------------------------------------------------------ the test

def test_build_the_tutorial_app_by_clicking(server: LiveServer, contexts) -> None:  # type: ignore[no-untyped-def]
    context = contexts(base_url=server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_designer(page)
    shot(page, "projects")
    create_project(page, "Flash Sale", SLUG)

    build_data_model(page)
    shot(page, "data")
    build_actionflow(page)
    build_page(page)
    build_permissions(page)
    integrations.build(page, SLUG)
    expect(page.locator("#problems-button")).to_have_count(0)  # no errors, no warnings

    publish(page)
    add_product_rows(page)
    verify_in_preview(page)

    tab(page, "settings")
    expect(page.locator("#connect-http")).to_have_text(f"{server.url}/p/{SLUG}/graphql")
    shot(page, "settings")
    assert errors == []

    built = Definition.model_validate(project_definition(page, SLUG))
    on_disk = json.loads(Path(server.workspace / SLUG / "app.json").read_text())
    assert Definition.model_validate(on_disk) == built
    sample = Definition.model_validate(json.loads((SAMPLES / "inventory_deduction" / "app.json").read_text()))
    assert_equivalent(built, sample)
