"""Driving the designer in a real browser the way a person does: labels, buttons, pickers.

Every step goes through visible, labelled controls; nothing writes app.json.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import new_context, screenshot_path
from tests.conftest import DESIGNER_TOKEN, LiveServer, start_server

ValueKind = str  # "text" | "number" | "bool" | "ref" | "empty"


def open_designer(page: Page) -> None:
    page.goto(f"/designer/?token={DESIGNER_TOKEN}")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()


def create_project(page: Page, name: str, slug: str, origin: str = "") -> None:
    page.get_by_label("Project name").fill(name)
    page.get_by_label("Folder name (slug)").fill(slug)
    page.get_by_label("Start from").select_option(origin)
    page.get_by_role("button", name="Create project").click()
    expect(page.locator("#tab-data")).to_have_attribute("aria-selected", "true")


def tab(page: Page, name: str) -> None:
    page.locator(f"#tab-{name}").click()


def commit(locator: Locator, value: str) -> None:
    """Type into a field and leave it (Tab), which is when the designer takes the value."""
    locator.fill(value)
    locator.press("Tab")


def set_value(scope: Page | Locator, label: str, kind: ValueKind, value: Any = None) -> None:
    """Set an expression editor: pick the kind of value, then the value (a reference is picked, never typed)."""
    scope.get_by_label(f"{label} source", exact=True).select_option(kind)
    control = scope.get_by_label(label, exact=True)
    if kind == "ref":
        control.select_option(value)
    elif kind in ("text", "number"):
        commit(control, str(value))
    elif kind == "bool":
        control.select_option("true" if value else "false")


def add_condition(scope: Page | Locator, label: str, n: int, key: str, op: str, kind: ValueKind | None = None, value: Any = None) -> None:
    """Add row ``n`` (1-based) to a condition editor called ``label``."""
    scope.get_by_role("button", name=f"Add {label.lower()}", exact=True).click()
    scope.get_by_label(f"{label} {n} field", exact=True).select_option(key)
    scope.get_by_label(f"{label} {n} comparison", exact=True).select_option(op)
    if kind:
        set_value(scope, f"{label} {n} value", kind, value)


def shot(page: Page, name: str) -> None:
    """Screenshot for the docs (``screenshot_path``), without the passing toasts of earlier steps."""
    page.evaluate("document.getElementById('toasts')?.replaceChildren()")
    page.screenshot(path=str(screenshot_path(name)))


def saved(page: Page) -> None:
    expect(page.locator("#save-status")).to_have_text("All changes saved", timeout=20_000)


# ------------------------------------------------------------ data

def add_table(page: Page, name: str) -> None:
    commit(page.get_by_label("New table name"), name)
    page.get_by_role("button", name="Add table").click()
    expect(page.get_by_role("heading", name=f"Table {name}")).to_be_visible()


def add_field(page: Page, name: str, type_: str, *, required: bool = False, default: tuple[ValueKind, Any] | None = None) -> None:
    page.get_by_label("New field name").fill(name)
    page.get_by_label("New field type").select_option(type_)
    page.get_by_role("button", name="Add field").click()
    expect(page.get_by_label(f"Field name {name}")).to_be_visible()
    if required:
        page.get_by_label(f"Required {name}").check()
    if default:
        set_value(page, f"Default {name}", *default)


def add_relation(page: Page, one: str, many: str, *, on_delete: str) -> None:
    page.get_by_label("Relation: one side (has many)").select_option(label=one)
    page.get_by_label("Relation: many side (holds the foreign key)").select_option(label=many)
    page.get_by_label("On delete").select_option(on_delete)
    page.get_by_role("button", name="Add relation").click()


# ------------------------------------------------------------ actionflows

def add_flow_item(page: Page, kind: str, name: str, type_: str) -> None:
    page.get_by_label(f"New {kind} name").fill(name)
    page.get_by_label(f"New {kind} type").select_option(type_)
    page.get_by_role("button", name=f"Add {kind}", exact=True).click()
    expect(page.get_by_label(f"{kind} name {name}")).to_be_visible()


def add_node(page: Page, where: str, type_: str, name: str) -> Locator:
    """Add a node at the end of ``where`` ("flow", "branch <name>"); returns the node panel."""
    page.get_by_role("button", name=f"Add node to {where}", exact=True).click()
    page.get_by_label("Node type").select_option(type_)
    page.get_by_label("Node name").fill(name)
    page.get_by_role("button", name="Add node", exact=True).click()
    panel = page.get_by_role("complementary", name="Actionflow properties")
    expect(panel.get_by_label("Node name")).to_have_value(name)
    return panel


def name_branch(panel: Locator, n: int, name: str) -> None:
    commit(panel.get_by_label(f"Branch {n} name", exact=True), name)


def add_to_map(panel: Locator, label: str, key: str, kind: ValueKind, value: Any) -> None:
    box = panel.locator("fieldset.map", has=panel.page.get_by_text(label, exact=True))
    if box.get_by_label(f"{label}: {key} source", exact=True).count() == 0:
        box.get_by_label(f"{label}: field to add").select_option(key)
        box.get_by_role("button", name=f"Add to {label.lower()}").click()
    set_value(panel, f"{label}: {key}", kind, value)


# ------------------------------------------------------------ pages

def add_component(page: Page, label: str, name: str) -> Locator:
    page.get_by_label("New component name").fill(name)
    page.get_by_role("button", name=f"Add {label}", exact=True).click()
    props = page.get_by_role("complementary", name="Component properties")
    expect(props.get_by_role("heading", name=name)).to_be_visible()
    return props


def props_tab(props: Locator, name: str) -> None:
    props.get_by_role("tab", name=name, exact=True).click()


def action_group(page: Page, n: int, chain: str) -> Locator:
    return page.get_by_role("group", name=f"Action {n} of {chain}", exact=True)


def add_action(page: Page, chain: str, type_: str) -> None:
    page.get_by_label(f"Action type for {chain}", exact=True).select_option(type_)
    page.get_by_role("button", name=f"Add action to {chain}", exact=True).click()


def project_definition(page: Page, slug: str) -> dict[str, Any]:
    response = page.request.get(f"/api/projects/{slug}/definition")
    assert response.ok, response.text()
    return response.json()["definition"]


# ------------------------------------------------------------ the published app

def admin_graphql(page: Page, slug: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """GraphQL as admin through the designer API (designer session + its CSRF header); errors fail the test."""
    csrf = page.request.get("/api/session").json()["csrf"]
    response = page.request.post(f"/api/projects/{slug}/graphql", data={"query": query, "variables": variables or {}}, headers={"X-Designer-CSRF": csrf})
    body = response.json()
    assert response.ok and not body.get("errors"), body
    return body["data"]


def publish(page: Page, version: int, *, confirm_loss: str = "") -> None:
    """Publish from the dialog; ``confirm_loss``: text the data-loss confirmation must name."""
    page.locator("#publish-button").click()
    dialog = page.get_by_role("dialog", name="Publish")
    publish_now = dialog.get_by_role("button", name="Publish now")
    if confirm_loss:
        expect(dialog.get_by_role("alert")).to_contain_text("This deletes data", timeout=30_000)
        expect(publish_now).to_have_count(0)
        dialog.get_by_role("button", name="Publish anyway (destroys data)").click()
        sure = page.get_by_role("dialog", name="Delete data and publish?")
        expect(sure).to_contain_text(confirm_loss)
        sure.get_by_role("button", name="Delete the data and publish").click()
    else:
        expect(publish_now).to_be_enabled(timeout=30_000)
        publish_now.click()
    expect(dialog.locator("#publish-result")).to_have_text(f"Published version {version}.", timeout=30_000)
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)


@contextmanager
def designer_server(workspace: Path, db_server: Any) -> Iterator[LiveServer]:
    """A real server on an empty workspace, stopped afterwards."""
    live = start_server(workspace, db_server)
    try:
        yield live
    finally:
        live.stop()


@contextmanager
def designer_page(browser: Any, server: LiveServer, name: str, slug: str, origin: str = "sample:inventory_deduction") -> Iterator[Page]:
    """A 1280x800 designer tab with project ``slug`` created from ``origin``; the page must raise no script error."""
    context = new_context(browser, server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_designer(page)
    create_project(page, name, slug, origin)
    try:
        yield page
    finally:
        context.close()
    assert errors == [], errors


def preview_log_in(preview: Page, username: str, *, create: bool, header: str | None = None) -> None:
    """Simulate a login in the Preview bar; the frame reloads: wait until the new document is live
    (and, with ``header``, shows that text: the app's own sign of the user), so that nothing done
    next lands in the old document."""
    preview.wait_for_function("() => document.querySelector('#preview-frame')?.contentDocument?.readyState === 'complete'")
    preview.evaluate("document.querySelector('#preview-frame').contentWindow.mmBefore = true")
    if create:
        preview.get_by_label("New test account username").fill(username)
        preview.get_by_role("button", name="Create and log in").click()
    else:
        account = preview.get_by_label("Test account", exact=True).locator("option", has_text=f"{username} (")
        expect(account).to_have_count(1)
        preview.get_by_label("Test account", exact=True).select_option(account.get_attribute("value"))
        preview.get_by_role("button", name="Log in as").click()
    expect(preview.locator("#sim-status")).to_contain_text(f"Viewing as: {username}")
    preview.wait_for_function("""() => {
        const w = document.querySelector('#preview-frame').contentWindow;
        return w && !w.mmBefore && w.document.querySelector('html[data-mm-live=online]') !== null;
    }""")
    if header is not None:
        expect(preview.frame_locator("#preview-frame").get_by_text(header)).to_be_visible()
