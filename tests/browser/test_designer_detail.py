"""List → detail → form, built by clicking in real Chromium from a blank project (issue 11):
a page parameter, Go to page binding it, a container loading one record by that parameter
with its not-found state, a searchable list in numbered pages, a form whose Insert row
checks a required / too-long title and, on success, goes to the new row's detail page.
Everything is then used in Preview and checked in the database; the pickers offer related
data (object relationships' fields, array relationships' totals).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import (
    action_group,
    add_action,
    add_component,
    add_field,
    add_table,
    commit,
    project_definition,
    props_tab,
    saved,
    set_value,
    shot,
    tab,
)
from tests.conftest import LiveServer

SLUG = "helpdesk"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_detail"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_page(browser, server, "Helpdesk", SLUG, origin="") as page:
        yield page


def definition(page: Page) -> dict[str, Any]:
    return project_definition(page, SLUG)


def gql(page: Page, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    return steps.admin_graphql(page, SLUG, query, variables)


def add_page(page: Page, name: str) -> None:
    page.get_by_label("New page name").fill(name)
    page.get_by_role("button", name="Add page").click()
    expect(page.get_by_label("Page name", exact=True)).to_have_value(name)


def deselect(page: Page) -> None:
    button = page.get_by_role("button", name="Deselect (add at page level)")
    if button.count():
        button.click()


def props(page: Page) -> Locator:
    return page.get_by_role("complementary", name="Component properties")


def test_build_tables_and_permissions(page: Page) -> None:
    add_table(page, "ticket")
    add_field(page, "title", "text", required=True)
    add_field(page, "status", "text")
    add_field(page, "due", "date")
    add_table(page, "comment")
    add_field(page, "body", "text")
    page.get_by_label("Relation: one side (has many)").select_option(label="ticket")
    page.get_by_label("Relation: many side (holds the foreign key)").select_option(label="comment")
    page.get_by_role("button", name="Add relation").click()
    tab(page, "permissions")
    page.get_by_role("button", name="Role anonymous").click()
    for op in ("Select", "Insert", "Update", "Delete"):
        page.get_by_label(f"{op} on ticket for anonymous").check()
    page.get_by_label("Select on comment for anonymous").check()
    saved(page)


def test_detail_page_with_a_parameter_and_a_record(page: Page) -> None:
    tab(page, "pages")
    add_page(page, "Tickets")
    add_page(page, "Ticket")
    commit(page.get_by_label("Page path"), "ticket")
    page.get_by_label("New page parameter name").fill("ticket_id")
    page.get_by_label("New page parameter type").select_option("bigint")
    page.get_by_role("button", name="Add parameter").click()
    expect(page.get_by_text("Its address: /ticket?ticket_id=…")).to_be_visible()
    box = add_component(page, "Container", "Ticket Box")
    props_tab(box, "Data")
    box.get_by_label("Load one record").check()
    box.get_by_label("Record table").select_option(label="ticket")
    box.get_by_label("Record request type").select_option("subscription")
    expect(box.get_by_label("Record id source")).to_have_value("ref")
    expect(box.get_by_label("Record id", exact=True)).to_have_value("param.ticket_id")
    text = add_component(page, "Text", "Detail Title")  # into the container
    props_tab(text, "Data")
    set_value(text, "Value", "ref", "record.ticket_box.title")
    # An edit form inside the record: its input's default is bound to the record, Save updates the row.
    edit = add_component(page, "Text input", "Edit Title")
    props_tab(edit, "Data")
    set_value(edit, "Default", "ref", "record.ticket_box.title")
    save = add_component(page, "Button", "Save")
    set_value(save, "Label", "text", "Save")
    props_tab(save, "Action")
    add_action(page, "onClick", "update_row")
    write = action_group(page, 1, "onClick")
    write.get_by_label("Table", exact=True).select_option(label="ticket")
    set_value(write, "Row id", "ref", "param.ticket_id")
    write.get_by_label("Values: field to add").select_option("title")
    write.get_by_role("button", name="Add to values").click()
    set_value(write, "Values: title", "ref", "Edit Title.value")
    add_action(page, "onClick › on success", "show_toast")
    set_value(action_group(page, 1, "onClick › on success"), "Message", "text", "Saved")
    # Clear puts the input back to its default after setting it; Remove deletes the row, then goes back.
    clear = add_component(page, "Button", "Clear")
    set_value(clear, "Label", "text", "Clear")
    props_tab(clear, "Action")
    add_action(page, "onClick", "set_input_value")
    setter = action_group(page, 1, "onClick")
    setter.get_by_label("Input to set").select_option(label="Edit Title")
    set_value(setter, "Value", "text", "typed by the action")
    add_action(page, "onClick", "reset_inputs")
    action_group(page, 2, "onClick").get_by_label("Reset Edit Title").check()
    remove = add_component(page, "Button", "Remove")
    set_value(remove, "Label", "text", "Remove")
    props_tab(remove, "Action")
    add_action(page, "onClick", "delete_row")
    deleting = action_group(page, 1, "onClick")
    deleting.get_by_label("Table", exact=True).select_option(label="ticket")
    set_value(deleting, "Row id", "ref", "param.ticket_id")
    add_action(page, "onClick › on success", "go_back")
    expect(action_group(page, 1, "onClick › on success")).to_contain_text("Back to the previous page")
    saved(page)
    box_children = next(p for p in definition(page)["pages"] if p["name"] == "Ticket")["components"][0]["children"]
    by_name = {c["name"]: c for c in box_children}
    assert [a["type"] for a in by_name["Clear"]["events"]["onClick"]] == ["set_input_value", "reset_inputs"]
    assert by_name["Clear"]["events"]["onClick"][1]["components"] == [by_name["Edit Title"]["id"]]
    deletion = by_name["Remove"]["events"]["onClick"][0]
    assert (deletion["row_id"], [a["type"] for a in deletion["on_success"]]) == ({"ref": "param.ticket_id"}, ["go_back"])
    page.get_by_role("button", name="Select Ticket Box", exact=True).click()
    props_tab(props(page), "Data")
    shot(page, "designer-record.png")
    page.get_by_role("button", name="Select Detail Title", exact=True).click()
    # The related data of the record: its comments' count, a total of an array relationship.
    offered = text.get_by_label("Value", exact=True).locator("option").all_inner_texts()
    assert "Ticket Box record → comments → count" in offered, offered
    saved(page)
    ticket_page = next(p for p in definition(page)["pages"] if p["name"] == "Ticket")
    assert ticket_page["params"] == [{"name": "ticket_id", "type": "bigint", "required": True}]
    container = ticket_page["components"][0]
    assert container["record"]["row_id"] == {"ref": "param.ticket_id"} and container["record"]["request"] == "subscription"
    assert container["children"][0]["value"] == {"ref": "record.ticket_box.title"}
    assert container["not_found"][0]["type"] == "text"
    # The not-found state is designed like any component: select it in the tree, change its text.
    page.get_by_role("button", name="Select Ticket Box not found", exact=True).click()
    props_tab(props(page), "Data")
    set_value(props(page), "Value", "text", "No such ticket.")
    saved(page)


def test_list_with_search_pages_and_go_to_detail(page: Page) -> None:
    page.get_by_role("button", name="Tickets (home)").click()
    page.get_by_label("New page variable name").fill("sort")
    page.get_by_label("New page variable type").select_option("text")
    page.get_by_role("button", name="Add variable").click()
    search = add_component(page, "Text input", "Search")
    props_tab(search, "Action")
    add_action(page, "onChange", "refresh")
    deselect(page)
    lst = add_component(page, "List", "Ticket List")
    props_tab(lst, "Data")
    lst.get_by_label("Data source table").select_option(label="ticket")
    lst.get_by_role("button", name="Add source filter", exact=True).click()
    lst.get_by_label("Source filter 1 field", exact=True).select_option("title")
    lst.get_by_label("Source filter 1 comparison", exact=True).select_option("_contains")
    set_value(lst, "Source filter 1 value", "ref", "Search.value")
    expect(lst.get_by_label("Source filter 1 ignore when empty")).to_be_checked()
    commit(lst.get_by_label("Page size"), "2")
    lst.get_by_label("Pager").select_option("numbered")
    lst.get_by_label("Sort by page variable").select_option("sort")
    shot(page, "designer-list-search.png")
    item = add_component(page, "Text", "Row Title")
    props_tab(item, "Data")
    set_value(item, "Value", "ref", "item.title")
    button = add_component(page, "Button", "Open")
    set_value(button, "Label", "text", "Open")
    props_tab(button, "Action")
    add_action(page, "onClick", "navigate")
    go = action_group(page, 1, "onClick")
    go.get_by_label("Page", exact=True).select_option(label="Ticket")
    set_value(go, "Parameters: ticket_id", "ref", "item.id")
    saved(page)
    source = next(p for p in definition(page)["pages"] if p["name"] == "Tickets")["components"][1]["source"]
    assert source["filter"] == {"title": {"_contains": {"ref": "component.search.value"}}}
    assert (source["page_size"], source["pager"], source["sort_variable"]) == (2, "numbered", "sort")


def test_form_inserts_and_goes_to_the_new_row(page: Page) -> None:
    add_page(page, "New Ticket")
    commit(page.get_by_label("Page path"), "new-ticket")
    title = add_component(page, "Text input", "Title")
    title.get_by_label("Required").check()
    commit(title.get_by_label("Max Length"), "20")
    status = add_component(page, "Select (dropdown)", "Status")
    props_tab(status, "Data")
    for label, value in (("Open", "open"), ("Closed", "closed")):
        status.get_by_label("New option label").fill(label)
        status.get_by_label("New option value").fill(value)
        status.get_by_role("button", name="Add option").click()
        expect(status.get_by_label(f"Option {1 if value == 'open' else 2} value")).to_have_value(value)
    add_component(page, "Date input", "Due")
    deselect(page)
    create = add_component(page, "Button", "Create")
    set_value(create, "Label", "text", "Create")
    props_tab(create, "Action")
    add_action(page, "onClick", "insert_row")
    write = action_group(page, 1, "onClick")
    write.get_by_label("Table", exact=True).select_option(label="ticket")
    write.get_by_label("Values: field to add").select_option("title")
    write.get_by_role("button", name="Add to values").click()
    set_value(write, "Values: title", "ref", "Title.value")
    for field_name, source in (("status", "Status.value"), ("due", "Due.value")):
        write.get_by_label("Values: field to add").select_option(field_name)
        write.get_by_role("button", name="Add to values").click()
        set_value(write, f"Values: {field_name}", "ref", source)
    add_action(page, "onClick › on success", "navigate")
    go = action_group(page, 1, "onClick › on success")
    go.get_by_label("Page", exact=True).select_option(label="Ticket")
    set_value(go, "Parameters: ticket_id", "ref", "result.id")
    add_action(page, "onClick › on failure", "show_toast")
    failed = action_group(page, 1, "onClick › on failure")
    set_value(failed, "Message", "ref", "error.message")
    failed.get_by_label("Level").select_option("error")
    saved(page)
    shot(page, "designer-form-insert.png")
    report = page.request.get(f"/api/projects/{SLUG}/definition").json()["report"]
    assert [p for p in report["problems"] if p["severity"] == "error"] == []
    steps.publish(page, 1)


def test_use_it_in_preview(page: Page) -> None:
    with page.expect_popup() as popup_info:
        page.locator("#preview-button").click()
    preview = popup_info.value
    preview.set_default_timeout(15_000)
    app = preview.frame_locator("#preview-frame")
    preview.get_by_label("Page").select_option(label="New Ticket")
    # A missing title is refused at the input; nothing is written.
    app.get_by_role("button", name="Create").click()
    expect(app.locator(".mm-field__error, [role=alert]").first).to_be_visible()
    assert gql(page, "{ ticket_aggregate { aggregate { count } } }")["ticket_aggregate"]["aggregate"]["count"] == 0
    app.get_by_label("Title").fill("Printer jam")
    app.get_by_label("Status").select_option("Closed")
    app.get_by_label("Due").fill("2026-12-24")
    app.get_by_role("button", name="Create").click()
    # Lands on the new ticket's detail page; the bar names it.
    expect(app.get_by_text("Printer jam")).to_be_visible()
    expect(preview.get_by_label("Page")).to_have_value(next(p["id"] for p in definition(page)["pages"] if p["name"] == "Ticket"))
    created = gql(page, "{ ticket { id title status due } }")["ticket"][0]
    assert (created["title"], created["status"], created["due"]) == ("Printer jam", "closed", "2026-12-24")  # typed end to end
    new_id = created["id"]
    assert preview.evaluate("document.querySelector('#preview-frame').contentWindow.location.search") == f"?ticket_id={new_id}"
    # The edit form is pre-filled from the record; Save writes and the live record shows it.
    expect(app.get_by_label("Edit Title")).to_have_value("Printer jam")
    app.get_by_label("Edit Title").fill("Printer fixed")
    app.get_by_role("button", name="Save").click()
    expect(app.get_by_text("Printer fixed", exact=True)).to_be_visible()
    assert gql(page, "{ ticket { title } }")["ticket"] == [{"title": "Printer fixed"}]
    # More tickets: the list shows them two by two in numbered pages, the search narrows it.
    for name in ("Screen flicker", "Mouse stuck", "Keyboard dead", "Printer low toner"):
        gql(page, "mutation ($t: String!) { insert_ticket_one(object: {title: $t}) { id } }", {"t": name})
    preview.get_by_label("Page").select_option(label="Tickets")
    expect(app.get_by_text("Screen flicker")).to_be_visible()
    expect(app.get_by_role("button", name="Open")).to_have_count(2)
    pages = app.get_by_role("navigation", name="Pages of Ticket List")
    expect(pages.get_by_role("button", name="3", exact=True)).to_be_visible()
    pages.get_by_role("button", name="3", exact=True).click()
    expect(app.get_by_text("Printer low toner")).to_be_visible()
    expect(app.get_by_role("button", name="Open")).to_have_count(1)
    app.get_by_label("Search").fill("printer")
    app.get_by_label("Search").press("Tab")
    expect(app.get_by_text("Printer low toner")).to_be_visible()
    expect(app.get_by_text("Printer fixed")).to_be_visible()
    expect(app.get_by_text("Screen flicker")).to_have_count(0)
    app.get_by_role("button", name="Open").first.click()
    expect(preview.get_by_label("Page")).to_have_value(next(p["id"] for p in definition(page)["pages"] if p["name"] == "Ticket"))
    # Remove deletes the shown ticket and goes back to the list.
    shown = int(preview.evaluate("new URLSearchParams(document.querySelector('#preview-frame').contentWindow.location.search).get('ticket_id')"))
    app.get_by_role("button", name="Remove").click()
    expect(app.get_by_label("Search")).to_be_visible()
    assert gql(page, "query ($id: bigint!) { ticket_by_pk(id: $id) { id } }", {"id": shown})["ticket_by_pk"] is None
    # A ticket that does not exist shows the designed not-found state.
    preview.evaluate("document.querySelector('#preview-frame').src = location.origin + '/p/helpdesk/ticket?ticket_id=999999'")
    expect(app.get_by_text("No such ticket.")).to_be_visible()
    shot(preview, "designer-preview-detail.png")
    preview.close()
