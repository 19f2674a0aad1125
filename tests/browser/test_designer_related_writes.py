"""Flow pickers offer the related data of the row an Insert or an Update by id writes, in real
Chromium at 1280 px: ``Create Order → product.product_name``, ``Take Stock → orders → count``;
an update of many rows offers only its own results."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import add_flow_item, add_node, add_to_map, project_definition, saved, set_value, tab
from tests.conftest import LiveServer

SLUG = "relwrites"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, db_server, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_related_writes"), db_server) as live:
        server: LiveServer = live
        with steps.designer_page(browser, server, "Related Writes", SLUG) as page:
            yield page


def _offered(panel, label: str) -> list[str]:  # type: ignore[no-untyped-def]
    return panel.get_by_label(label, exact=True).locator("option").all_inner_texts()  # type: ignore[no-any-return]


def test_insert_and_update_by_id_offer_related_data(page: Page) -> None:
    tab(page, "actionflows")
    page.get_by_label("New actionflow name").fill("Order Report")
    page.locator("#add-flow").click()
    add_flow_item(page, "input", "product_id", "bigint")
    add_flow_item(page, "variable", "label", "text")
    panel = add_node(page, "flow", "insert", "Create Order")
    panel.get_by_label("Table", exact=True).select_option(label="order")
    add_to_map(panel, "Values", "product_id", "ref", "input.product_id")
    panel = add_node(page, "flow", "update", "Take Stock")
    panel.get_by_label("Table", exact=True).select_option(label="product")
    panel.get_by_role("button", name="Add filter", exact=True).click()
    panel.get_by_label("Filter 1 field", exact=True).select_option("id")
    set_value(panel, "Filter 1 value", "ref", "input.product_id")
    panel = add_node(page, "flow", "update", "Touch All")
    panel.get_by_label("Table", exact=True).select_option(label="product")
    panel = add_node(page, "flow", "set_variable", "Set Label")
    add_to_map(panel, "Assignments", "label", "ref", "input.product_id")
    offered = _offered(panel, "Assignments: label")
    for label in ("Create Order → product.product_name", "Create Order → account.username", "Take Stock → orders → count",
                  "Touch All → affected_rows"):
        assert label in offered, (label, offered)
    assert not [o for o in offered if o.startswith("Touch All → orders")], offered  # many rows: no related data
    panel.get_by_label("Assignments: label", exact=True).select_option(label="Create Order → product.product_name")
    saved(page)
    flow = next(f for f in project_definition(page, SLUG)["actionflows"] if f["name"] == "Order Report")
    insert_id = flow["nodes"][0]["id"]
    assert flow["nodes"][-1]["assignments"] == {"label": {"ref": f"node.{insert_id}.product.product_name"}}
