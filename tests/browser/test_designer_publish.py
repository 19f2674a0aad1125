"""Role assignment and publishing in real Chromium, on a clone of the sample:
which accounts hold a custom role (give / take away); after a publish the Pages
canvas and an open preview reload; a publish the runtime refuses shows the
runtime's reason and goes ahead only through "Publish anyway (destroys data)"
and a confirmation naming the loss.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import (
    add_field,
    admin_graphql,
    commit,
    props_tab,
    publish,
    saved,
    shot,
    tab,
)
from tests.conftest import LiveServer

SLUG = "shop_admin"
SIGN_UP = "mutation($u: String!, $p: String!) { authenticateWithUsername(username: $u, password: $p, register: true) { account { id } } }"
HOLDERS = "query($r: String) { fz_account_roles(role: $r) { username roles } }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_publish"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_page(browser, server, "Shop Admin", SLUG) as page:
        yield page


def sign_up(page: Page, username: str) -> None:
    response = page.request.post(f"/p/{SLUG}/graphql", data={"query": SIGN_UP, "variables": {"u": username, "p": f"password-{username}"}})
    assert response.ok and not response.json().get("errors"), response.text()


def test_role_assignment_lists_gives_and_takes_away(page: Page) -> None:
    tab(page, "permissions")
    commit(page.get_by_label("New role name"), "vip")
    page.get_by_role("button", name="Add role").click()
    expect(page.get_by_role("heading", name="Role vip", exact=True)).to_be_visible()
    saved(page)
    section = page.get_by_role("region", name="Role assignment")
    expect(section.locator("#assignment-error")).to_contain_text("publish the app")  # nothing is running yet
    publish(page, 1)
    sign_up(page, "ann")
    sign_up(page, "bob")
    section.get_by_role("button", name="Reload accounts").click()
    expect(section.locator("#no-holders")).to_have_text("No account has the role vip yet.")

    give_to = section.get_by_label("Account to give role vip")
    give_to.select_option(label="ann (#1)")
    section.get_by_role("button", name="Give role vip").click()
    holders = section.get_by_role("table", name="Accounts with role vip")
    expect(holders.get_by_role("row")).to_have_count(2)  # header + ann
    expect(holders).to_contain_text("ann (#1)")
    expect(holders).to_contain_text("user, vip")
    expect(give_to.locator("option")).to_have_count(1)  # only bob is left to give it to
    section.get_by_role("button", name="Give role vip").click()
    expect(holders.get_by_role("row")).to_have_count(3)
    shot(page, "designer-role-assignment.png")
    assert admin_graphql(page, SLUG, HOLDERS, {"r": "vip"})["fz_account_roles"] == [
        {"username": "ann", "roles": ["user", "vip"]},
        {"username": "bob", "roles": ["user", "vip"]},
    ]

    section.get_by_role("button", name="Take role vip away from ann").click()
    expect(holders.get_by_role("row")).to_have_count(2)
    expect(holders).not_to_contain_text("ann")
    assert admin_graphql(page, SLUG, HOLDERS, {"r": "vip"})["fz_account_roles"] == [{"username": "bob", "roles": ["user", "vip"]}]
    page.reload()  # the list comes from the running app, not from the page's memory
    page.get_by_role("button", name="Role vip").click()
    expect(page.get_by_role("table", name="Accounts with role vip")).to_contain_text("bob (#2)")


def test_publishing_reloads_the_pages_canvas_and_the_preview(page: Page) -> None:
    tab(page, "pages")
    page.get_by_role("button", name="Select Stock").click()
    props = page.get_by_role("complementary", name="Component properties")
    props_tab(props, "Data")
    commit(props.get_by_label("Prefix"), "left: ")
    saved(page)
    page.get_by_role("tab", name="Live app").click()
    live = page.frame_locator("#live-frame")
    expect(live.get_by_text("stock: 100")).to_be_visible()  # the published version, not the draft
    with page.expect_popup() as popup:
        page.locator("#preview-button").click()
    preview = popup.value
    preview_app = preview.frame_locator("#preview-frame")
    expect(preview_app.get_by_text("stock: 100")).to_be_visible(timeout=15_000)

    publish(page, 2)
    expect(page.locator("#live-version")).to_have_text("Showing version 2, just published.")
    expect(live.get_by_text("left: 100")).to_be_visible()
    expect(preview.locator("#sim-published")).to_have_text("Version 2 published: reloaded.")
    expect(preview_app.get_by_text("left: 100")).to_be_visible()
    preview.close()
    page.get_by_role("tablist", name="Canvas mode").get_by_role("tab", name="Design").click()


def test_a_refused_publish_offers_to_go_ahead_naming_the_loss(page: Page) -> None:
    tab(page, "data")
    page.get_by_role("button", name="product", exact=True).click()
    add_field(page, "note", "text")
    saved(page)
    publish(page, 3)
    page.get_by_role("button", name="Delete field note").click()
    page.get_by_role("dialog", name="Delete field note?").get_by_role("button", name="Delete field").click()
    saved(page)

    page.locator("#publish-button").click()
    dialog = page.get_by_role("dialog", name="Publish")
    publish_now = dialog.get_by_role("button", name="Publish now")
    expect(publish_now).to_be_enabled(timeout=30_000)  # the column is empty: nothing to lose yet
    # ... but a value arrives before the builder clicks: the runtime refuses.
    admin_graphql(page, SLUG, 'mutation { update_product(where: {}, _set: {note: "keep me"}) { affected_rows } }')
    publish_now.click()
    expect(dialog.get_by_role("alert")).to_contain_text("The runtime refused to publish", timeout=30_000)
    expect(dialog.locator("#publish-refused")).to_contain_text("The migration was refused")
    expect(dialog.locator("#publish-refused")).to_contain_text("note")
    anyway = dialog.get_by_role("button", name="Publish anyway (destroys data)")
    expect(anyway).to_be_focused()
    shot(page, "designer-publish-refused.png")
    anyway.click()
    sure = page.get_by_role("dialog", name="Delete data and publish?")
    expect(sure.locator("#loss-confirmation")).to_contain_text("note")
    sure.get_by_role("button", name="Cancel").click()  # changing one's mind publishes nothing
    expect(sure).to_have_count(0)
    assert admin_graphql(page, SLUG, "{ product(limit: 1) { note } }")["product"] == [{"note": "keep me"}]
    anyway.click()
    page.get_by_role("dialog", name="Delete data and publish?").get_by_role("button", name="Delete the data and publish").click()
    expect(dialog.locator("#publish-result")).to_have_text("Published version 4.", timeout=30_000)
    dialog.get_by_role("button", name="Close").click()
    fields = admin_graphql(page, SLUG, '{ __type(name: "product") { fields { name } } }')["__type"]["fields"]
    assert "note" not in {f["name"] for f in fields}
