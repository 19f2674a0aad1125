"""The designer on a project cloned from the sample: publish, stress test, edits that
survive a reload, destructive changes that ask first, invalid definitions that
cannot be published, Connect Backend and undo — all in real Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import (
    add_field,
    commit,
    project_definition,
    saved,
    shot,
    tab,
)
from tests.conftest import LiveServer

SLUG = "shop"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_edit"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_page(browser, server, "Shop", SLUG) as page:
        yield page


def admin_graphql(page: Page, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    return steps.admin_graphql(page, SLUG, query, variables)


def publish(page: Page, version: int, *, confirm_loss: str = "") -> None:
    steps.publish(page, version, confirm_loss=confirm_loss)


def product_id(page: Page, name: str) -> int:
    rows = admin_graphql(page, "query ($n: String!) { product(where: {product_name: {_eq: $n}}) { id stock } }", {"n": name})["product"]
    return int(rows[0]["id"])


def test_publish_the_sample_clone(page: Page) -> None:
    publish(page, 1)
    assert admin_graphql(page, "{ product(order_by: {id: asc}) { product_name stock } }")["product"][1] == {"product_name": "Festival Ticket", "stock": 100}


def test_stress_test_panel_never_oversells(page: Page) -> None:
    festival = product_id(page, "Festival Ticket")
    tab(page, "actionflows")
    page.locator("#flow-panel-stress").click()
    panel = page.get_by_role("complementary", name="Actionflow properties")
    panel.get_by_label("Argument product_id").fill(str(festival))
    panel.get_by_label("Argument quantity").fill("1")
    commit(panel.get_by_label("Invocations"), "2000")
    commit(panel.get_by_label("Concurrent workers"), "20")
    panel.get_by_label("Success when output").select_option("status")
    commit(panel.get_by_label("equals"), "Order placed successfully")
    panel.get_by_role("button", name="Start stress test").click()
    result = panel.get_by_role("status", name="Stress test result")
    expect(result).to_be_visible(timeout=300_000)
    expect(result.locator("#stress-successes")).to_have_text("100")
    expect(result.locator("#stress-failures")).to_have_text("1900")
    expect(result).to_contain_text('{"status":"Stock shortage"}')
    expect(result.locator(".final-state")).to_contain_text('"stock": 0')
    shot(page, "designer-stress-test.png")
    # The throwaway copy took the orders; the project's own data is untouched.
    assert admin_graphql(page, "query ($id: bigint!) { product_by_pk(id: $id) { stock } }", {"id": festival})["product_by_pk"]["stock"] == 100
    assert admin_graphql(page, "{ order_aggregate { aggregate { count } } }")["order_aggregate"]["aggregate"]["count"] == 0


def test_run_panel_runs_the_flow_as_an_account(page: Page) -> None:
    tab(page, "actionflows")
    page.locator("#flow-panel-run").click()
    panel = page.get_by_role("complementary", name="Actionflow properties")
    panel.get_by_label("Argument product_id").fill(str(product_id(page, "Vinyl Record")))
    panel.get_by_label("Argument quantity").fill("0")
    panel.get_by_role("button", name="Run", exact=True).click()
    result = panel.get_by_role("status", name="Run result")
    expect(result).to_contain_text("ACTION_FLOW")  # anonymous visitors may not run it
    expect(result).to_contain_text("Run log")


def test_an_edit_survives_a_reload(page: Page) -> None:
    tab(page, "data")
    page.get_by_role("button", name="product", exact=True).click()
    add_field(page, "sku", "text")
    saved(page)
    page.reload()
    page.get_by_role("button", name="product", exact=True).click()
    expect(page.get_by_label("Field name sku")).to_have_value("sku")


def test_a_destructive_change_asks_first(page: Page) -> None:
    publish(page, 2)
    tab(page, "data")
    page.get_by_role("button", name="product", exact=True).click()
    page.get_by_role("tab", name="Rows (database)").click()  # give the new column a value
    grid = page.get_by_role("table", name="Rows of product")
    grid.get_by_label("sku of row 1").fill("SNK-1")
    grid.get_by_role("button", name="Save row 1").click()
    expect(page.locator("#toasts")).to_contain_text("Row 1 saved")  # the write is in before the database is read
    expect(grid.get_by_label("sku of row 1")).to_have_value("SNK-1")
    assert admin_graphql(page, "{ product_by_pk(id: 1) { sku } }")["product_by_pk"]["sku"] == "SNK-1"
    page.get_by_role("tab", name="Structure").click()
    page.get_by_role("button", name="Delete field sku").click()
    confirm = page.get_by_role("dialog", name="Delete field sku?")
    expect(confirm).to_contain_text("drops the column")
    confirm.get_by_role("button", name="Cancel").click()
    expect(page.get_by_label("Field name sku")).to_be_visible()
    page.get_by_role("button", name="Delete field sku").click()
    page.get_by_role("dialog", name="Delete field sku?").get_by_role("button", name="Delete field").click()
    expect(page.get_by_label("Field name sku")).to_have_count(0)
    saved(page)
    publish(page, 3, confirm_loss="sku")


def test_an_invalid_definition_cannot_be_published(page: Page) -> None:
    tab(page, "actionflows")
    page.locator("#flow-panel-flow").click()
    page.get_by_role("button", name="Delete variable status").click()
    saved(page)
    expect(page.locator("#problems-button")).to_contain_text("error")
    expect(page.locator("#node-set_status_shortage")).to_contain_text("status")
    page.locator("#publish-button").click()
    dialog = page.get_by_role("dialog", name="Publish")
    expect(dialog.locator("#publish-error")).to_have_text("The app cannot be published until these problems are fixed.", timeout=30_000)
    expect(dialog.get_by_role("button", name="Publish now")).to_be_disabled()
    shot(page, "designer-publish-errors.png")
    dialog.get_by_role("button", name="Go to: Actionflow Place Order, node Set status: shortage").click()
    expect(page.locator("#tab-actionflows")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#node-set_status_shortage.selected")).to_have_count(1)
    page.locator("#undo-button").click()
    expect(page.locator("#problems-button")).to_have_count(0)
    page.locator("#flow-panel-flow").click()
    expect(page.get_by_label("variable name status")).to_have_value("status")


def test_connect_backend_reveals_and_rotates_the_admin_token(page: Page, server: LiveServer) -> None:
    tab(page, "settings")
    page.locator("#reveal-token").click()
    token = page.locator("#admin-token")
    expect(token).to_have_text(server.admin_token(SLUG))
    old = token.inner_text()
    page.locator("#rotate-token").click()
    page.get_by_role("dialog", name="Rotate the admin token?").get_by_role("button", name="Rotate token").click()
    expect(token).not_to_have_text(old)
    new = token.inner_text()
    assert server.admin_token(SLUG) == new
    query = {"query": "{ product_aggregate { aggregate { count } } }"}
    assert httpx.post(server.graphql_url(SLUG), json=query, headers={"Authorization": f"Bearer {new}"}).json()["data"]
    assert httpx.post(server.graphql_url(SLUG), json=query, headers={"Authorization": f"Bearer {old}"}).json().get("errors")


def test_presets_insert_with_fresh_ids_and_components_move(page: Page) -> None:
    tab(page, "pages")
    tree = page.get_by_role("region", name="Component tree")
    deselect = page.get_by_role("button", name="Deselect (add at page level)")
    if deselect.count():
        deselect.click()
    page.get_by_role("button", name="Insert preset Page header").click()
    saved(page)
    headers = tree.get_by_role("button", name="Select Page Header")
    expect(headers).to_have_count(2)  # the sample's own and the inserted copy
    page.get_by_role("button", name="Move Page Header up").last.click()  # up/down controls
    saved(page)
    # Drag and drop: the Stock text onto the Price text moves it before Price.
    tree.get_by_role("button", name="Select Stock").drag_to(tree.get_by_role("button", name="Select Price"))
    saved(page)
    definition = project_definition(page, SLUG)
    ids = [c["id"] for c in definition["pages"][0]["components"]]
    assert len(ids) == len(set(ids)) == 3 and "header" in ids
    card = definition["pages"][0]["components"][ids.index("product_list")]["item"][0]["children"]
    assert [c["name"] for c in card][:3] == ["Product Name", "Stock", "Price"]
    page.locator("#undo-button").click()
    page.locator("#undo-button").click()
    page.locator("#undo-button").click()
    expect(page.locator("#save-status")).to_have_text("All changes saved")
    assert len(project_definition(page, SLUG)["pages"][0]["components"]) == 2


def test_tabs_work_from_the_keyboard(page: Page) -> None:
    tab(page, "data")
    page.locator("#tab-data").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-actionflows")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tab-actionflows")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#tab-data")).to_be_focused()
    page.keyboard.press("Tab")  # on to the header's buttons, with a visible focus ring
    style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); return [document.activeElement.tagName, s.outlineStyle]; })()")
    assert style[0] == "BUTTON" and style[1] != "none"
