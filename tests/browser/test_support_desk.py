"""The support desk sample in real Chromium, as a requester and as staff: page access sends
visitors to the login page and back, a form creates a ticket and lands on its detail page
(a page parameter in the URL), comments appear live, search and numbered pages, an edit
form pre-filled from the record, staff change a status that the requester sees live, and
the requester is refused (friendly message, nothing written) when changing status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import screenshot_path
from tests.browser.pages_shop import expect_toast, unique_name
from tests.desk_support import BASE, Desk, running_desk


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, db_server: Any) -> Iterator[Desk]:
    with running_desk(tmp_path_factory.mktemp("desk_browser"), db_server) as desk:
        yield desk


def sign_up(context: BrowserContext, username: str, path: str = "/tickets") -> Page:
    page = context.new_page()
    page.goto(f"{BASE}{path}")
    page.wait_for_url("**/login?next=*")  # logged-in only: to the login page, and back afterwards
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-1")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"**{BASE}{path}")
    expect(page.locator("html[data-mm-ready]")).to_have_count(1)
    return page


def ready(page: Page) -> None:
    expect(page.locator("html[data-mm-ready]")).to_have_count(1)


def test_requester_and_staff(desk: Desk, contexts) -> None:  # type: ignore[no-untyped-def]
    ann = unique_name("ann_")
    page = sign_up(contexts(base_url=desk.server.url), ann)
    page.get_by_role("button", name="New ticket").click()
    page.wait_for_url(f"**{BASE}/new-ticket")
    ready(page)

    # Bad input: a message at the input, nothing written.
    page.get_by_role("button", name="Create ticket").click()
    expect(page.locator("[data-mm=new_title] [role=alert]")).to_have_text("This field is required.")
    assert desk.sql("SELECT count(*) FROM ticket") == [(0,)]
    page.get_by_label("Due date").fill("2026-12-24")
    page.screenshot(path=str(screenshot_path("page-desk-form.png")), full_page=True)

    title = unique_name("Printer jam ")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("Paper everywhere.\nSecond line.")
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Due date").fill("2026-12-24")
    page.get_by_role("button", name="Create ticket").click()
    page.wait_for_url(f"**{BASE}/ticket?ticket_id=*")  # create, then its detail page
    ready(page)
    ticket_id = int(page.url.split("ticket_id=")[1])
    assert desk.sql("SELECT title, priority, due_date::text, status, description FROM ticket WHERE id = %s", (ticket_id,)) == [
        (title, "high", "2026-12-24", "open", "Paper everywhere.\nSecond line.")]
    expect(page.locator("[data-mm=td_title]")).to_have_text(title)
    expect(page.locator("[data-mm=td_status]")).to_have_text("Status: open")
    expect(page.locator("[data-mm=td_requester]")).to_have_text(f"Requested by {ann}")

    # A comment, live in the list below.
    expect(page.locator("html[data-mm-live=online]")).to_have_count(1)
    page.get_by_label("Add a comment").fill("Any news?")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("[data-mm=comment_list] .mm-item [data-mm=comment_line]")).to_have_text([f"{ann}: Any news?"])
    expect(page.get_by_label("Add a comment")).to_have_value("")  # Reset inputs
    page.screenshot(path=str(screenshot_path("page-desk-detail.png")), full_page=True)

    # Staff see every ticket and change its status; the requester sees it live.
    bo = unique_name("bo_")
    staff_context = contexts(base_url=desk.server.url)
    staff = sign_up(staff_context, bo)
    desk.make_staff(bo)
    staff.goto(f"{BASE}/edit-ticket?ticket_id={ticket_id}")
    ready(staff)
    expect(staff.get_by_label("Title")).to_have_value(title)  # pre-filled from the record
    staff.get_by_label("Status").select_option("in_progress")
    staff.get_by_role("button", name="Change status").click()
    expect_toast(staff, "Status changed.")
    expect(page.locator("[data-mm=td_status]")).to_have_text("Status: in_progress")  # live on the requester's page

    # The requester may edit the text, not the status: refused, nothing written.
    page.get_by_role("button", name="Edit").click()
    page.wait_for_url(f"**{BASE}/edit-ticket?ticket_id={ticket_id}")
    ready(page)
    expect(page.get_by_label("Priority")).to_have_value("high")
    expect(page.get_by_label("Due date")).to_have_value("2026-12-24")
    page.get_by_label("Status").select_option("closed")
    page.get_by_role("button", name="Change status").click()
    expect_toast(page, "You are not allowed to make this change.")
    assert desk.sql("SELECT status FROM ticket WHERE id = %s", (ticket_id,)) == [("in_progress",)]
    page.get_by_label("Title").fill(title + " (urgent)")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**{BASE}/ticket?ticket_id={ticket_id}")
    ready(page)
    expect(page.locator("[data-mm=td_title]")).to_have_text(title + " (urgent)")
    page.get_by_role("button", name="Edit").click()
    page.wait_for_url(f"**{BASE}/edit-ticket?ticket_id={ticket_id}")
    ready(page)
    page.get_by_role("button", name="Back").click()  # Go back: to the page we came from
    page.wait_for_url(f"**{BASE}/ticket?ticket_id={ticket_id}")

    # Delete row: the requester's own comment goes, live.
    page.locator("[data-mm=comment_list] .mm-item").get_by_role("button", name="Delete").click()
    expect_toast(page, "Comment deleted.")
    expect(page.locator("[data-mm=comment_list] .mm-list__empty")).to_be_visible()
    assert desk.sql("SELECT count(*) FROM comment WHERE ticket_id = %s", (ticket_id,)) == [(0,)]

    # A shared link: a visitor without a session logs in and comes back to it; not theirs, so not found.
    stranger = sign_up(contexts(base_url=desk.server.url), unique_name("dee_"), f"/ticket?ticket_id={ticket_id}")
    expect(stranger.get_by_text("This ticket does not exist, or you may not see it.")).to_be_visible()
    assert title not in stranger.content()

    # A ticket that does not exist: the designed not-found state.
    page.goto(f"{BASE}/ticket?ticket_id=999999")
    ready(page)
    expect(page.get_by_text("This ticket does not exist, or you may not see it.")).to_be_visible()


def test_search_and_pages(desk: Desk, contexts) -> None:  # type: ignore[no-untyped-def]
    cy = unique_name("cy_")
    page = sign_up(contexts(base_url=desk.server.url), cy)
    for n in range(12):
        desk.add_ticket(cy, f"Case {n:02d} {'laptop' if n % 3 == 0 else 'phone'}")
    page.reload()
    ready(page)
    titles = page.locator("[data-mm=ticket_list] .mm-item [data-mm=card_title]")
    expect(titles).to_have_text([f"Case {n:02d} {'laptop' if n % 3 == 0 else 'phone'}" for n in (11, 10, 9, 8, 7)])
    pager = page.locator("[data-mm=ticket_list] .mm-pager")
    expect(pager.get_by_role("button")).to_have_text(["Previous", "1", "2", "3", "Next"])
    pager.get_by_role("button", name="3").click()
    expect(titles).to_have_text(["Case 01 phone", "Case 00 laptop"])
    page.screenshot(path=str(screenshot_path("page-desk-list.png")), full_page=True)
    page.get_by_label("Search").fill("LAPTOP")
    page.get_by_label("Search").press("Tab")
    expect(titles).to_have_text(["Case 09 laptop", "Case 06 laptop", "Case 03 laptop", "Case 00 laptop"])  # back to page 1
    expect(pager).to_be_hidden()
    page.get_by_label("Sort by").select_option("title:asc")
    expect(titles).to_have_text(["Case 00 laptop", "Case 03 laptop", "Case 06 laptop", "Case 09 laptop"])
    expect(page.locator("[data-mm=ticket_list] .mm-item").first.locator("[data-mm=card_comments]")).to_have_text("0 comments")
