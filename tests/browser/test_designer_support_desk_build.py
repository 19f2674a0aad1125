"""Issue 11's flagship: the support desk built from a blank project by clicking only (real
Chromium, 1280 px), published, then used in Preview by two simulated users at once — a
requester and staff: a ticket created through the form lands on its detail page, is found
by search and on the list's pages, staff edit it and change its status while the requester
sees it live, and the requester is refused (friendly message, nothing written) when changing
the status. The definition the clicks produced equals ``projects/support_desk/app.json``,
ids and the order permissions were ticked in aside.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from builder.definition import Definition
from tests.browser import designer_steps as steps
from tests.browser.conftest import new_context
from tests.browser.designer_steps import open_designer, project_definition, saved, tab
from tests.browser.desk_compare import compare
from tests.browser.desk_pages import build_pages
from tests.browser.desk_steps import build_data_model, build_permissions, build_settings
from tests.browser.pages_shop import unique_name
from tests.conftest import LiveServer

SLUG = "desk_built"
SAMPLE = Path(__file__).resolve().parents[2] / "projects" / "support_desk" / "app.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_desk_build"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_page(browser, server, "Support Desk", SLUG, origin="") as page:
        yield page


def gql(page: Page, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    return steps.admin_graphql(page, SLUG, query, variables)


def test_build_the_support_desk_by_clicking(page: Page) -> None:
    sample = json.loads(SAMPLE.read_text())
    build_data_model(page)
    build_permissions(page)
    build_pages(page)
    build_settings(page, sample["description"])
    saved(page)
    report = page.request.get(f"/api/projects/{SLUG}/definition").json()["report"]
    assert report["problems"] == []
    built = Definition.model_validate(project_definition(page, SLUG))
    differences = compare(built, Definition.model_validate(sample))
    assert differences == [], "\n".join(differences)


# ------------------------------------------------------------ two simulated users

def open_preview(page: Page) -> tuple[Page, FrameLocator]:
    with page.expect_popup() as popup_info:
        page.locator("#preview-button").click()
    preview = popup_info.value
    preview.set_default_timeout(15_000)
    return preview, preview.frame_locator("#preview-frame")


def shown_ticket(preview: Page) -> int:
    search = preview.evaluate("document.querySelector('#preview-frame').contentWindow.location.search")
    return int(search.split("ticket_id=")[1])


def ticket(page: Page, ticket_id: int) -> dict[str, Any]:
    return gql(page, "query ($id: bigint!) { ticket_by_pk(id: $id) { title status priority due_date description requester { username } } }", {"id": ticket_id})["ticket_by_pk"]


def test_requester_and_staff_in_preview(page: Page, server: LiveServer, browser) -> None:  # type: ignore[no-untyped-def]
    steps.publish(page, 1)
    requester, app = open_preview(page)
    ann = unique_name("ann_")
    steps.preview_log_in(requester, ann, create=True, header=f"Signed in as {ann}")

    # Create a ticket through the form; land on its detail page.
    app.get_by_role("button", name="New ticket").click()
    app.get_by_role("button", name="Create ticket").click()
    expect(app.locator("[role=alert]").first).to_be_visible()  # the required title, at the input
    title = unique_name("Printer jam ")
    app.get_by_label("Title").fill(title)
    app.get_by_label("Description").fill("Paper everywhere.")
    app.get_by_label("Priority").select_option("high")
    app.get_by_label("Due date").fill("2026-12-24")
    app.get_by_role("button", name="Create ticket").click()
    expect(app.get_by_text("Requested by " + ann)).to_be_visible()
    ticket_id = shown_ticket(requester)
    assert ticket(page, ticket_id) == {"title": title, "status": "open", "priority": "high", "due_date": "2026-12-24",
                                       "description": "Paper everywhere.", "requester": {"username": ann}}

    # More of the requester's tickets: the list shows five a page; search finds ours.
    account = gql(page, "query ($u: String!) { account(where: {username: {_eq: $u}}) { id } }", {"u": ann})["account"][0]["id"]
    for n in range(6):
        gql(page, "mutation ($o: ticket_insert_input!) { insert_ticket_one(object: $o) { id } }", {"o": {"title": f"Case {n}", "requester_id": account}})
    app.get_by_role("button", name="All tickets").click()
    cards = app.locator(".mm-item")
    expect(cards).to_have_count(5)
    expect(cards.first).to_contain_text("Case 5")
    app.get_by_role("button", name="2", exact=True).click()
    expect(cards).to_have_count(2)
    expect(cards.last).to_contain_text(title)
    app.get_by_label("Search").fill(title.split()[-1])
    app.get_by_label("Search").press("Tab")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Priority: high")
    cards.first.get_by_role("button", name="Open").click()
    expect(app.get_by_text("Status: open")).to_be_visible()
    expect(app.locator("html[data-mm-live=online]")).to_have_count(1)

    # Staff, in a second browser of their own: the role given in the designer, then the edit.
    bo = unique_name("bo_")
    staff_context = new_context(browser, server.url, viewport={"width": 1280, "height": 800})
    try:
        designer = staff_context.new_page()
        open_designer(designer)
        designer.goto(f"/designer/preview.html?slug={SLUG}")
        steps.preview_log_in(designer, bo, create=True, header=f"Signed in as {bo}")
        tab(page, "permissions")
        page.get_by_role("button", name="Role staff", exact=True).click()
        page.get_by_role("button", name="Reload accounts").click()
        account = page.get_by_label("Account to give role staff").locator("option", has_text=f"{bo} (")
        expect(account).to_have_count(1)
        page.get_by_label("Account to give role staff").select_option(account.get_attribute("value"))
        page.get_by_role("button", name="Give role staff").click()
        expect(page.get_by_role("table", name="Accounts with role staff")).to_contain_text(bo)
        steps.preview_log_in(designer, bo, create=False, header=f"Signed in as {bo}")
        staff = designer.frame_locator("#preview-frame")
        staff.get_by_label("Search").fill(title.split()[-1])
        staff.get_by_label("Search").press("Tab")
        expect(staff.locator(".mm-item")).to_have_count(1)
        expect(staff.locator(".mm-item")).to_contain_text(f"by {ann}")  # staff see every ticket
        staff.get_by_role("button", name="Open").click()
        staff.get_by_role("button", name="Edit").click()
        expect(staff.get_by_label("Title")).to_have_value(title)  # pre-filled from the record
        staff.get_by_label("Title").fill(title + " (seen)")
        staff.get_by_role("button", name="Save changes").click()
        expect(app.get_by_text(title + " (seen)", exact=True)).to_be_visible()  # live for the requester
        staff.get_by_role("button", name="Edit").click()
        staff.get_by_label("Status").select_option("in_progress")
        staff.get_by_role("button", name="Change status").click()
        expect(staff.locator(".mm-toast", has_text="Status changed.")).to_be_visible()
        expect(app.get_by_text("Status: in_progress")).to_be_visible()
    finally:
        staff_context.close()

    # The requester may edit the text, not the status: a friendly refusal, nothing written.
    app.get_by_role("button", name="Edit").click()
    expect(app.get_by_label("Priority")).to_have_value("high")
    app.get_by_label("Status").select_option("closed")
    app.get_by_role("button", name="Change status").click()
    expect(app.locator(".mm-toast", has_text="You are not allowed to make this change.")).to_be_visible()
    assert ticket(page, ticket_id)["status"] == "in_progress"
    requester.close()
