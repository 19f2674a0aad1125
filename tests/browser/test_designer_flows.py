"""Actionflow editing in real Chromium on a clone of the sample: nodes move across
branches and into / out of loops (drag and drop and the keyboard "Move to…" dialog),
with references re-validated on the node; nested condition groups in the visual
condition editor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import (
    add_node,
    project_definition,
    saved,
    shot,
    tab,
)
from tests.conftest import LiveServer

SLUG = "flows"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_flows"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_page(browser, server, "Flows", SLUG) as page:
        yield page


def place_order(page: Page) -> dict[str, Any]:
    return next(f for f in project_definition(page, SLUG)["actionflows"] if f["id"] == "place_order")


def branch_nodes(flow: dict[str, Any], branch_id: str) -> list[str]:
    def find(nodes: list[dict[str, Any]]) -> list[str] | None:
        for node in nodes:
            for branch in node.get("branches") or []:
                if branch["id"] == branch_id:
                    return [n["id"] for n in branch["nodes"]]
                found = find(branch["nodes"])
                if found is not None:
                    return found
            if node["type"] == "loop" and node["id"] == branch_id:
                return [n["id"] for n in node["nodes"]]
            if node["type"] == "loop":
                found = find(node["nodes"])
                if found is not None:
                    return found
        return None

    found = find(flow["nodes"])
    assert found is not None, branch_id
    return found


def move_with_keyboard(page: Page, node: str, destination: str, *, screenshot: str = "") -> None:
    saved(page)
    page.get_by_role("button", name=f"Move {node} to…", exact=True).focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name=f"Move {node} to…")
    choice = dialog.get_by_label("Destination")
    expect(choice).to_be_focused()
    choice.select_option(label=destination)
    if screenshot:
        shot(page, screenshot)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Move", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)


def drag_node(page: Page, node_id: str, insert_point: str) -> None:
    """Drag a node card by its head onto an insertion point of the flowchart, with the mouse.

    The drag starts before the target is scrolled into view (a wide chart scrolls), the
    way a person drags and lets the pane scroll.
    """
    saved(page)  # a redraw (the autosave's new report) must not land in the middle of the drag
    source = page.locator(f"#node-{node_id} > .node-head .node-select")
    source.hover()
    page.mouse.down()
    box = source.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2 + 12, box["y"] + box["height"] / 2 + 12, steps=3)
    page.get_by_role("button", name=insert_point, exact=True).hover()
    page.mouse.up()


def node_problems(page: Page, node: str) -> Locator:
    return page.get_by_role("list", name=f"Problems of {node}")


def test_a_node_moves_across_branches_and_its_references_are_checked(page: Page) -> None:
    tab(page, "actionflows")
    move_with_keyboard(page, "Check Stock Deduction Result", "Branch Invalid Quantity (of Validate Quantity): at the start", screenshot="designer-move-node.png")
    saved(page)
    flow = place_order(page)
    assert branch_nodes(flow, "invalid_quantity") == ["check_stock_deduction", "set_status_invalid"]
    assert branch_nodes(flow, "valid_quantity") == ["update_product_stock"]
    assert branch_nodes(flow, "stock_shortage") == ["set_status_shortage"], "the node's branches moved with it"
    # Update Product Stock does not run on this path: the condition's reference is reported on the node.
    expect(node_problems(page, "Check Stock Deduction Result")).to_contain_text("has not run at this point")
    expect(page.locator("#node-check_stock_deduction")).to_have_class(re.compile(r"\bhas-errors\b"))
    expect(page.locator("#problems-button")).to_contain_text("1 error")
    shot(page, "designer-moved-node-problem.png")

    drag_node(page, "check_stock_deduction", "Add node to branch Valid Quantity")
    saved(page)
    assert branch_nodes(place_order(page), "valid_quantity") == ["update_product_stock", "check_stock_deduction"]
    expect(node_problems(page, "Check Stock Deduction Result")).to_have_count(0)
    expect(page.locator("#problems-button")).to_have_count(0)


def test_a_node_moves_into_and_out_of_a_loop(page: Page) -> None:
    tab(page, "actionflows")
    add_node(page, "flow", "loop", "Each Line")
    drag_node(page, "set_status_invalid", "Add node to loop Each Line")
    saved(page)
    flow = place_order(page)
    assert branch_nodes(flow, "each_line") == ["set_status_invalid"]
    assert branch_nodes(flow, "invalid_quantity") == []
    # Out again with the keyboard, before the first node of the flow.
    move_with_keyboard(page, "Set status: invalid quantity", "Flow: at the start")
    saved(page)
    flow = place_order(page)
    assert [n["id"] for n in flow["nodes"]][:2] == ["set_status_invalid", "get_id"]
    assert branch_nodes(flow, "each_line") == []
    # A node cannot be dropped into itself: nothing changes.
    drag_node(page, "validate_quantity", "Add node to branch Valid Quantity")
    expect(page.locator(".toast", has_text="cannot move into itself")).to_be_visible()
    move_with_keyboard(page, "Set status: invalid quantity", "Branch Invalid Quantity (of Validate Quantity): at the start")
    page.get_by_role("button", name="Delete Each Line", exact=True).click()
    saved(page)
    flow = place_order(page)
    assert [n["id"] for n in flow["nodes"]] == ["get_id", "validate_quantity"]
    assert branch_nodes(flow, "invalid_quantity") == ["set_status_invalid"]
    expect(page.locator("#problems-button")).to_have_count(0)


def node_filter(page: Page, node_id: str) -> Any:
    def find(nodes: list[dict[str, Any]]) -> Any:
        for node in nodes:
            if node["id"] == node_id:
                return node["filter"]
            for child in [b["nodes"] for b in node.get("branches") or []] + ([node["nodes"]] if node["type"] == "loop" else []):
                found = find(child)
                if found is not None:
                    return found
        return None

    return find(place_order(page)["nodes"])


ORIGINAL_FILTER = {"_and": [{"id": {"_eq": {"ref": "input.product_id"}}}, {"stock": {"_gte": {"ref": "input.quantity"}}}]}
NESTED_FILTER = {"_and": [
    {"id": {"_eq": {"ref": "input.product_id"}}},
    {"stock": {"_gte": {"ref": "input.quantity"}}},
    {"_not": {"_or": [{"stock": {"_is_null": True}}, {"stock": {"_gt": 1000}}]}},
]}


def test_nested_condition_groups_are_edited_visually(page: Page) -> None:
    tab(page, "actionflows")
    page.get_by_role("button", name="Edit node Update Product Stock").click()
    panel = page.get_by_role("complementary", name="Actionflow properties")
    expect(panel.get_by_label("Filter 2 field")).to_have_value("stock")
    panel.get_by_role("button", name="Add group to Filter", exact=True).click()
    group = panel.get_by_role("group", name="Filter 3 group", exact=True)
    group.get_by_label("Filter 3.1 field", exact=True).select_option("stock")
    group.get_by_label("Filter 3.1 comparison", exact=True).select_option("is_null")
    group.get_by_role("button", name="Add condition to Filter 3", exact=True).click()
    group.get_by_label("Filter 3.2 field", exact=True).select_option("stock")
    group.get_by_label("Filter 3.2 comparison", exact=True).select_option("_gt")
    set_number(group, "Filter 3.2 value", 1000)
    group.get_by_label("Filter 3 combine", exact=True).select_option("or")
    group.get_by_label("Filter 3 negate (NOT)", exact=True).check()
    saved(page)
    assert node_filter(page, "update_product_stock") == NESTED_FILTER
    group.scroll_into_view_if_needed()
    shot(page, "designer-condition-groups.png")
    expect(panel.get_by_label("Filter (JSON)")).to_have_count(0)  # no JSON fallback
    expect(page.locator("#problems-button")).to_have_count(0)

    page.reload()  # read back from app.json into the same groups
    page.get_by_role("button", name="Edit node Update Product Stock").click()
    group = page.get_by_role("group", name="Filter 3 group", exact=True)
    expect(group.get_by_label("Filter 3 combine", exact=True)).to_have_value("or")
    expect(group.get_by_label("Filter 3 negate (NOT)", exact=True)).to_be_checked()
    expect(group.get_by_label("Filter 3.2 value", exact=True)).to_have_value("1000")

    group.get_by_role("button", name="Remove Filter 3.1", exact=True).click()
    expect(group.get_by_label("Filter 3.1 comparison", exact=True)).to_have_value("_gt")  # 3.2 moved up
    saved(page)
    assert node_filter(page, "update_product_stock")["_and"][2] == {"_not": {"_or": [{"stock": {"_gt": 1000}}]}}
    group.get_by_role("button", name="Remove Filter 3.1", exact=True).click()  # the emptied group goes too
    expect(page.get_by_role("group", name="Filter 3 group", exact=True)).to_have_count(0)
    saved(page)
    assert node_filter(page, "update_product_stock") == ORIGINAL_FILTER


def test_a_permission_condition_follows_a_relationship(page: Page) -> None:
    tab(page, "permissions")
    page.get_by_role("button", name="Role user", exact=True).click()
    page.get_by_role("button", name="Details of order for user").click()
    rule = page.get_by_role("region", name="Select rule")
    rule.get_by_role("button", name="Add select row condition", exact=True).click()
    rule.get_by_label("Select row condition 2 field", exact=True).select_option("product")
    related = rule.get_by_role("group", name="Select row condition 2 group", exact=True)
    related.get_by_label("Select row condition 2.1 field", exact=True).select_option("stock")
    related.get_by_label("Select row condition 2.1 comparison", exact=True).select_option("_gt")
    set_number(related, "Select row condition 2.1 value", 0)
    saved(page)
    entry = next(p for p in project_definition(page, SLUG)["permissions"]["tables"] if p["role"] == "user" and p["table"] == "tbl_order")
    assert entry["select"]["filter"] == {"_and": [{"account_id": {"_eq": {"ref": "session.account_id"}}}, {"product": {"stock": {"_gt": 0}}}]}
    expect(page.locator("#problems-button")).to_have_count(0)
    rule.get_by_role("button", name="Remove Select row condition 2", exact=True).click()
    saved(page)
    entry = next(p for p in project_definition(page, SLUG)["permissions"]["tables"] if p["role"] == "user" and p["table"] == "tbl_order")
    assert entry["select"]["filter"] == {"account_id": {"_eq": {"ref": "session.account_id"}}}


def set_number(scope: Locator, label: str, value: int) -> None:
    scope.get_by_label(f"{label} source", exact=True).select_option("number")
    control = scope.get_by_label(label, exact=True)
    control.fill(str(value))
    control.press("Tab")
