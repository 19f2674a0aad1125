"""Moving page components in real Chromium, on a clone of the sample: drag and drop in
the component tree and on the canvas (with a visible drop indicator), the "Move to…"
dialog; into, out of and across lists. A move that would break the page is refused
with a message where it was dropped and changes nothing; a move is one Undo; the
published page shows the moved components inside the list rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Position, expect

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import add_component, props_tab, publish, saved, tab
from tests.conftest import LiveServer

SLUG = "pages_move"
# Where a drop lands in a tree row / canvas box, as a fraction of its height.
ZONES = {"before": 0.1, "inside": 0.5, "after": 0.9}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_pages_move"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    """The sample's shop page plus a static text at page level, a second list of products and a list of orders."""
    with steps.designer_page(browser, server, "Pages Move", SLUG) as page:
        tab(page, "pages")
        for label, name in (("Text", "Sale Note"), ("List", "Featured List"), ("List", "Order List")):
            deselect(page)
            props = add_component(page, label, name)
        props_tab(props, "Data")
        props.get_by_label("Data source table").select_option(label="order")
        deselect(page)
        saved(page)
        assert [c["id"] for c in components(page)] == ["header", "product_list", "sale_note", "featured_list", "order_list"]
        yield page


def deselect(page: Page) -> None:
    button = page.get_by_role("button", name="Deselect (add at page level)")
    if button.count():
        button.click()


def state(page: Page) -> dict[str, Any]:
    response = page.request.get(f"/api/projects/{SLUG}/definition")
    assert response.ok, response.text()
    return response.json()


def components(page: Page) -> list[dict[str, Any]]:
    return state(page)["definition"]["pages"][0]["components"]


def ids_in(page: Page, component_id: str) -> list[str]:
    """Ids of what component ``component_id`` holds (its children or its list item)."""
    def find(items: list[dict[str, Any]]) -> list[str] | None:
        for c in items:
            if c["id"] == component_id:
                return [x["id"] for x in c.get("children", c.get("item", []))]
            for inner in [c.get("children", []), c.get("item", [])] + [b["children"] for b in c.get("branches", [])]:
                found = find(inner)
                if found is not None:
                    return found
        return None

    found = find(components(page))
    assert found is not None, component_id
    return found


def tree_row(page: Page, component_id: str) -> Locator:
    return page.get_by_role("region", name="Component tree").locator(f'li[data-component="{component_id}"] > .tree-row')


def at(box: Locator, zone: str) -> Position:
    bounds = box.bounding_box()
    assert bounds is not None
    return {"x": min(24.0, bounds["width"] / 2), "y": bounds["height"] * ZONES[zone]}


def drag_in_tree(page: Page, source: str, target: str, zone: str) -> None:
    """Drag a tree row with the mouse onto ``zone`` of another row.

    The drag starts before the target is scrolled into view (the tree is taller than
    the sidebar), the way a person drags and lets the pane scroll.
    """
    saved(page)  # a redraw (the autosave's new report) must not land in the middle of the drag
    start_drag(page, tree_row(page, source))
    row = tree_row(page, target)
    row.hover(position=at(row, zone))
    page.mouse.up()


def start_drag(page: Page, source: Locator) -> None:
    source.hover()
    page.mouse.down()
    box = source.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2 + 12, box["y"] + box["height"] / 2 + 12, steps=3)


def notice(page: Page, where: str) -> Locator:
    return page.locator(f"#move-notice-{where}")


def test_a_text_is_dragged_from_the_page_into_a_list_item_and_undo_takes_it_back(page: Page) -> None:
    drag_in_tree(page, "sale_note", "product_list", "inside")
    expect(page.locator('li[data-component="product_list"] li[data-component="sale_note"]')).to_have_count(1)
    saved(page)
    assert ids_in(page, "product_list") == ["product_card", "sale_note"]
    assert "sale_note" not in [c["id"] for c in components(page)]
    expect(page.locator(".canvas .cv-list .cv-list-item [data-component=sale_note]")).to_have_count(1)

    page.locator("#undo-button").click()  # the move was one change
    expect(page.locator('.sidebar > section > .tree > li[data-component="sale_note"]')).to_have_count(1)
    saved(page)
    assert [c["id"] for c in components(page)] == ["header", "product_list", "sale_note", "featured_list", "order_list"]
    assert ids_in(page, "product_list") == ["product_card"]


def test_a_bound_text_moves_between_two_lists_of_the_same_table(page: Page) -> None:
    drag_in_tree(page, "stock_text", "featured_list", "inside")
    expect(page.locator('li[data-component="featured_list"] li[data-component="stock_text"]')).to_have_count(1)
    saved(page)
    assert ids_in(page, "featured_list") == ["stock_text"]
    assert "stock_text" not in ids_in(page, "product_card")
    # Back, right after Price in the other list's card.
    drag_in_tree(page, "stock_text", "price_text", "after")
    expect(page.locator('li[data-component="product_card"] li[data-component="stock_text"]')).to_have_count(1)
    saved(page)
    assert ids_in(page, "product_card")[:3] == ["product_name_text", "price_text", "stock_text"]
    assert ids_in(page, "featured_list") == []
    expect(page.locator("#problems-button")).to_have_count(0)


REFUSED = [
    # A text showing its row's price, out of every list.
    ("price_text", "header", "before", "Price cannot leave the list: it shows List item.price"),
    # ... or into a list of another table.
    ("price_text", "order_list", "inside", "Price cannot move into Order List: it shows List item.price of a product row, and Order List lists order rows."),
    # A list into its own card.
    ("product_list", "product_card", "inside", "Product List cannot move into itself"),
    # The Place Order button reads Quantity Input from its own row: the server's validation refuses.
    ("quantity_input", "featured_list", "inside", "Quantity Input cannot move there: Page Page Order Inventory Deduction, component Button Place Order"),
]


@pytest.mark.parametrize(("source", "target", "zone", "message"), REFUSED, ids=[r[0] + "-into-" + r[1] for r in REFUSED])
def test_a_move_that_would_break_the_page_is_refused_and_changes_nothing(page: Page, source: str, target: str, zone: str, message: str) -> None:
    saved(page)
    before = state(page)
    drag_in_tree(page, source, target, zone)
    expect(notice(page, "tree")).to_contain_text(message)
    expect(notice(page, "tree")).to_have_attribute("role", "alert")
    saved(page)
    assert state(page) == before  # neither the draft nor its history changed
    page.get_by_role("button", name="Dismiss the move message").click()
    expect(notice(page, "tree")).to_have_count(0)


def test_the_drop_indicator_says_before_after_inside_or_refused(page: Page) -> None:
    saved(page)
    start_drag(page, tree_row(page, "product_card"))
    for target, zone, marks in [("header", "before", "drop-before"), ("sale_note", "after", "drop-after"), ("featured_list", "inside", "drop-inside"), ("price_text", "before", "drop-refused")]:
        row = tree_row(page, target)
        row.hover(position=at(row, zone))
        expect(page.locator(f'li[data-component="{target}"]')).to_have_class(re.compile(rf"\b{marks}\b"))
        expect(page.locator(".drop-before, .drop-after, .drop-inside")).to_have_count(1)  # one place at a time
    page.mouse.up()  # dropped into its own contents: refused
    expect(notice(page, "tree")).to_contain_text("Product Card cannot move into itself")
    page.get_by_role("button", name="Dismiss the move message").click()


def test_a_component_is_dragged_on_the_canvas_into_a_list_item(page: Page) -> None:
    saved(page)
    canvas = page.locator(".canvas")
    source = canvas.locator("[data-component=sale_note]")
    target = canvas.locator("[data-component=product_list] > .cv-list-item")
    start_drag(page, source)
    target.hover(position={"x": 30, "y": 5})
    expect(target).to_have_class(re.compile(r"\bdrop-inside\b"))
    page.mouse.up()
    expect(canvas.locator("[data-component=product_list] [data-component=sale_note]")).to_have_count(1)
    saved(page)
    assert ids_in(page, "product_list") == ["product_card", "sale_note"]
    # A refused drop on the canvas says why on the canvas.
    canvas.locator("[data-component=stock_text]").drag_to(canvas.locator("[data-component=order_list] > .cv-list-item"))
    expect(notice(page, "canvas")).to_contain_text("Stock cannot move into Order List")
    saved(page)
    assert ids_in(page, "order_list") == []
    page.get_by_role("button", name="Dismiss the move message").click()


def move_with_dialog(page: Page, name: str, destination: str) -> Locator:
    saved(page)
    page.get_by_role("button", name=f"Move {name} to…", exact=True).click()
    dialog = page.get_by_role("dialog", name=f"Move {name} to…")
    dialog.get_by_label("Destination").select_option(label=destination)
    dialog.get_by_role("button", name="Move", exact=True).click()
    return dialog


def test_the_move_dialog_moves_across_lists_and_explains_a_refusal(page: Page) -> None:
    dialog = move_with_dialog(page, "Sale Note", "Order List item: at the start")
    expect(dialog).to_have_count(0)
    expect(page.locator('li[data-component="order_list"] li[data-component="sale_note"]')).to_have_count(1)
    saved(page)
    assert ids_in(page, "order_list") == ["sale_note"]
    assert ids_in(page, "product_list") == ["product_card"]

    before = state(page)
    dialog = move_with_dialog(page, "Stock", "Page: at the start")
    expect(dialog.get_by_role("alert")).to_contain_text("Stock cannot leave the list")
    expect(dialog.get_by_label("Destination")).to_be_focused()  # still open: pick another place
    dialog.get_by_label("Destination").select_option(label="Featured List item: at the start")
    dialog.get_by_role("button", name="Move", exact=True).click()
    expect(dialog).to_have_count(0)
    expect(page.locator('li[data-component="featured_list"] li[data-component="stock_text"]')).to_have_count(1)
    saved(page)
    assert state(page)["history"] == before["history"] + 1


def test_the_published_page_shows_the_moved_components_in_every_row(page: Page, server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    move_with_dialog(page, "Sale Note", "Product List item: after Product Card")
    expect(page.locator('li[data-component="product_list"] li[data-component="sale_note"]')).to_have_count(1)
    saved(page)
    publish(page, 1)
    from tests.browser.conftest import new_context

    context = new_context(browser, server.url)
    try:
        shop = context.new_page()
        shop.goto(f"/p/{SLUG}/")
        rows = shop.locator('[data-mm="product_list"] > .mm-list__items > .mm-item')
        expect(rows).to_have_count(3)  # the sample's three products
        expect(rows.locator('[data-mm="sale_note"]')).to_have_text(["Sale Note"] * 3)
        expect(shop.locator('[data-mm="sale_note"]')).to_have_count(3)  # and nowhere else
        featured = shop.locator('[data-mm="featured_list"] > .mm-list__items > .mm-item [data-mm="stock_text"]')
        expect(featured).to_have_count(3)
        assert sorted(featured.all_inner_texts()) == ["stock: 100", "stock: 2", "stock: 25"]
        expect(shop.locator('[data-mm="product_card"] [data-mm="stock_text"]')).to_have_count(0)
    finally:
        context.close()
