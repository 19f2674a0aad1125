"""Accessibility of the designer at 1280×800 in real Chromium, on a published clone of
the sample: every control of every tab (and its side panels, dialogs and the preview
bar) has an accessible name as Chromium computes it; keyboard focus is visible; the
main layout has no horizontal scrollbar. A page component moves with the keyboard
alone (the "Move to…" dialog), and a refused move says why without moving focus away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import CDPSession, Page, expect

from tests.browser.designer_steps import (
    commit,
    create_project,
    open_designer,
    props_tab,
    publish,
    tab,
)
from tests.conftest import LiveServer, start_server

SLUG = "a11y"
VIEWPORT = {"width": 1280, "height": 800}
# Roles of controls a person operates (Chromium's accessibility tree).
CONTROL_ROLES = {"button", "textbox", "combobox", "checkbox", "spinbutton", "listbox", "radio", "searchbox", "slider", "switch", "tab", "link", "menuitem", "ColorWell"}
# Panes whose content may scroll sideways by design (a wide flowchart, a wide data grid, the canvas).
SCROLLING_PANES = ".chart-pane, .canvas-pane, .table-scroll, .live-frame"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    live = start_server(tmp_path_factory.mktemp("designer_a11y"), db_server)
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    from tests.browser.conftest import new_context

    context = new_context(browser, server.url, viewport=VIEWPORT)
    page = context.new_page()
    open_designer(page)
    create_project(page, "A11y Shop", SLUG, "sample:inventory_deduction")
    publish(page, 1)
    yield page
    context.close()


def unnamed_controls(page: Page, cdp: CDPSession, *, at_least: int = 2) -> list[str]:
    """Controls in Chromium's accessibility tree without a name, as short HTML snippets."""
    tree = cdp.send("Accessibility.getFullAXTree")
    missing = []
    controls = 0
    for node in tree["nodes"]:
        role = (node.get("role") or {}).get("value")
        if node.get("ignored") or role not in CONTROL_ROLES:
            continue
        controls += 1
        if str((node.get("name") or {}).get("value") or "").strip():
            continue
        backend = node.get("backendDOMNodeId")
        html = "?"
        if backend is not None:
            resolved = cdp.send("DOM.resolveNode", {"backendNodeId": backend})
            described = cdp.send("Runtime.callFunctionOn", {"objectId": resolved["object"]["objectId"], "functionDeclaration": "function () { return this.outerHTML.slice(0, 160); }", "returnByValue": True})
            html = described["result"]["value"]
        missing.append(f"{role}: {html}")
    assert controls >= at_least, f"only {controls} controls in the accessibility tree: is the page there?"
    return missing


def horizontal_overflow(page: Page) -> list[str]:
    """Elements of the main layout wider than their box (a horizontal scrollbar or clipped content)."""
    return page.evaluate(
        """(scrolling) => {
            const out = [];
            const doc = document.scrollingElement;
            if (doc.scrollWidth > window.innerWidth) out.push(`document ${doc.scrollWidth} > ${window.innerWidth}`);
            for (const el of document.querySelectorAll('.topbar, .tab-panel, .tab-content, .layout-2, .layout-3, .sidebar, .props, .main-pane, .settings-page, .sim-bar')) {
                if (el.matches(scrolling)) continue;
                if (el.scrollWidth > el.clientWidth + 1) out.push(`${el.className} ${el.scrollWidth} > ${el.clientWidth}`);
            }
            return out;
        }""",
        SCROLLING_PANES,
    )


FOCUS_STARTS = (".topbar", ".sidebar", ".main-pane", ".props", ".settings-page")


def keyboard_focus_is_visible(page: Page, presses: int = 12) -> list[str]:
    """From the first control of each pane, Tab ``presses`` times; report focused elements without a visible focus indicator."""
    invisible = []
    for pane in FOCUS_STARTS:
        started = page.evaluate(
            "(pane) => { const el = document.querySelector(`${pane} :is(button, input, select, textarea, a[href]):not([disabled])`); if (el) el.focus(); return Boolean(el); }",
            pane,
        )
        if started:
            invisible += _tab_through(page, presses)
    return sorted(set(invisible))


def _tab_through(page: Page, presses: int) -> list[str]:
    invisible = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        found = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el || el === document.body) return null;
                const s = getComputedStyle(el);
                const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
                const ring = s.boxShadow && s.boxShadow !== 'none';
                return outline || ring ? '' : el.outerHTML.slice(0, 120);
            }"""
        )
        if found:
            invisible.append(found)
    return invisible


STATES: list[tuple[str, Callable[[Page], Any]]] = [
    ("data structure", lambda p: (tab(p, "data"), p.get_by_role("button", name="product", exact=True).click())),
    ("data rows", lambda p: (p.locator("#data-view-rows").click(), expect(p.get_by_role("table", name="Rows of product")).to_be_visible())),
    ("actionflow settings", lambda p: (tab(p, "actionflows"), p.locator("#flow-panel-flow").click())),
    ("actionflow node", lambda p: p.get_by_role("button", name="Edit node Update Product Stock").click()),
    ("actionflow add node", lambda p: p.get_by_role("button", name="Add node to branch Invalid Quantity").click()),
    ("actionflow run", lambda p: p.locator("#flow-panel-run").click()),
    ("actionflow stress", lambda p: p.locator("#flow-panel-stress").click()),
    ("move dialog", lambda p: p.get_by_role("button", name="Move Create Order to…").click()),
    ("pages, page settings", lambda p: (p.keyboard.press("Escape"), tab(p, "pages"))),
    ("pages, list data", lambda p: (p.get_by_role("button", name="Select Product List").click(), props_tab(p.get_by_role("complementary", name="Component properties"), "Data"))),
    ("pages, button actions", lambda p: (p.get_by_role("button", name="Select Button Place Order").click(), props_tab(p.get_by_role("complementary", name="Component properties"), "Action"))),
    ("pages, button design", lambda p: props_tab(p.get_by_role("complementary", name="Component properties"), "Design")),
    ("pages, move component dialog", lambda p: (p.get_by_role("button", name="Move Stock to…").click(), expect(p.get_by_role("dialog", name="Move Stock to…")).to_be_visible())),
    ("pages, refused move in the dialog", lambda p: (p.get_by_label("Destination").select_option(label="Page: at the start"), p.locator("#component-move-confirm").click(),
                                                     expect(p.get_by_role("dialog").get_by_role("alert")).to_contain_text("Stock cannot leave the list"))),
    ("pages, refused drop in the tree", lambda p: (p.keyboard.press("Escape"), drag_row(p, "Select Stock", "Select Page Header"),
                                                   expect(p.locator("#move-notice-tree")).to_contain_text("Stock cannot leave the list"))),
    ("pages, record container", lambda p: (p.keyboard.press("Escape"), p.get_by_role("button", name="Select Page Header").first.click(),
                                           props_tab(p.get_by_role("complementary", name="Component properties"), "Data"), p.get_by_label("Load one record").check(),
                                           p.get_by_label("Record table").select_option(label="product"), p.get_by_label("Find the record").select_option("filter"))),
    ("pages, record off; page parameters and access", lambda p: (p.get_by_label("Load one record").uncheck(), p.get_by_role("button", name="Deselect (add at page level)").click(),
                                                                 p.get_by_label("New page parameter name").fill("product_id"), p.get_by_role("button", name="Add parameter").click(),
                                                                 p.get_by_label("Who may open this page").select_option("roles"))),
    ("pages, list paging and search", lambda p: (p.get_by_label("Who may open this page").select_option("anyone"), p.get_by_role("button", name="Select Product List").click(),
                                                props_tab(p.get_by_role("complementary", name="Component properties"), "Data"), p.get_by_label("Page size").fill("5"))),
    ("permissions", lambda p: (tab(p, "permissions"), p.get_by_role("button", name="Role user").click(), p.get_by_role("button", name="Details of order for user").click())),
    ("permissions, custom role", lambda p: (commit(p.get_by_label("New role name"), "vip"), p.get_by_role("button", name="Add role").click(),
                                           expect(p.get_by_role("region", name="Role assignment").get_by_role("button", name="Reload accounts")).to_be_visible())),
    ("settings", lambda p: (tab(p, "settings"), expect(p.locator("#connect-http")).to_be_visible())),
    ("publish dialog", lambda p: (p.locator("#publish-button").click(), expect(p.get_by_role("dialog", name="Publish").get_by_role("button", name="Publish now")).to_be_enabled(timeout=30_000))),
]


def drag_row(page: Page, source: str, target: str) -> None:
    """Drag one component tree row onto another with the mouse."""
    tree = page.get_by_role("region", name="Component tree")
    tree.get_by_role("button", name=source, exact=True).hover()
    page.mouse.down()
    page.mouse.move(20, 20, steps=3)
    tree.get_by_role("button", name=target, exact=True).hover()
    page.mouse.up()


def test_every_control_is_named_focus_is_visible_and_nothing_scrolls_sideways(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    # The checks themselves can fail: an unnamed field, a focus ring switched off, a too wide row.
    page.evaluate("""() => {
        const probe = document.createElement('div');
        probe.id = 'a11y-probe';
        // Styles set through the CSSOM: the designer's Content-Security-Policy drops style attributes.
        probe.innerHTML = '<input type="text"><button type="button"></button><div>wide</div>';
        Object.assign(probe.querySelector('button').style, { outline: 'none', boxShadow: 'none' });
        probe.querySelector('div').style.width = '3000px';
        document.querySelector('.sidebar').prepend(probe);
    }""")
    assert any("a11y-probe" in c or '<input type="text">' in c for c in unnamed_controls(page, cdp))
    assert any("sidebar" in o for o in horizontal_overflow(page))
    page.locator("#a11y-probe button").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "none"
    page.evaluate("document.getElementById('a11y-probe').remove()")
    problems: dict[str, Any] = {}
    for name, enter in STATES:
        enter(page)
        expect(page.locator("#save-status")).to_be_visible()
        found = {"unnamed": unnamed_controls(page, cdp), "overflow": horizontal_overflow(page)}
        # The shell fills the window exactly: panes scroll inside it, the page itself never does.
        height = page.evaluate("[document.scrollingElement.scrollHeight, window.innerHeight]")
        if height[0] > height[1]:
            found["page scrolls vertically"] = height
        if not page.get_by_role("dialog").count():
            found["invisible focus"] = keyboard_focus_is_visible(page)
        found = {k: v for k, v in found.items() if v}
        if found:
            problems[name] = found
    page.keyboard.press("Escape")
    assert problems == {}


def test_a_component_moves_with_the_keyboard_alone(page: Page) -> None:
    tab(page, "pages")
    expect(page.locator("#save-status")).to_have_text("All changes saved", timeout=20_000)
    # Refused: the focus stays in the dialog, on the destination, with the reason read out.
    page.get_by_role("button", name="Move Stock to…", exact=True).focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Move Stock to…")
    choice = dialog.get_by_label("Destination")
    expect(choice).to_be_focused()
    expect(choice.locator("option").first).to_have_text("Page: at the start")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Move", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("alert")).to_contain_text("Stock cannot leave the list")
    expect(choice).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    # Accepted: the Title goes to the last place offered, the end of the Product Card.
    page.get_by_role("button", name="Move Title to…", exact=True).focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Move Title to…")
    choice = dialog.get_by_label("Destination")
    expect(choice).to_be_focused()
    page.keyboard.press("End")
    expect(choice.locator("option:checked")).to_have_text("Product Card: after Button Place Order")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(page.locator("#tree-header_title")).to_be_focused()  # back on the moved component
    expect(page.locator("#save-status")).to_have_text("All changes saved", timeout=20_000)
    definition = page.request.get(f"/api/projects/{SLUG}/definition").json()["definition"]
    card = definition["pages"][0]["components"][1]["item"][0]
    assert [c["id"] for c in card["children"]][-1] == "header_title"
    assert "header_title" not in [c["id"] for c in definition["pages"][0]["components"][0]["children"]]


def test_the_project_list_and_the_preview_bar_are_named_too(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    with page.expect_popup() as popup:
        page.locator("#preview-button").click()
    preview = popup.value
    expect(preview.locator("#sim-status")).to_be_visible()
    preview_cdp = preview.context.new_cdp_session(preview)
    assert unnamed_controls(preview, preview_cdp) == []
    assert horizontal_overflow(preview) == []
    preview.close()
    page.goto("/designer/#/")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    assert unnamed_controls(page, cdp) == []
    assert horizontal_overflow(page) == []

