"""The five pages of the support desk, clicked together in the designer's Pages tab: a header
on every page, the searchable ticket list in numbered pages, the ticket's detail page with its
live comments, the forms that open and edit a ticket, and the staff-only board."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.designer_steps import add_component, commit, props_tab, saved, set_value, tab
from tests.browser.desk_steps import (
    act,
    button,
    container,
    deselect,
    design,
    failure_toast,
    formula,
    navigate,
    options,
    select_component,
    text,
    toast,
    write_row,
)

PAGES = ("Tickets", "Ticket", "New ticket", "Edit ticket", "Staff board")
STATUSES = [("Open", "open"), ("In progress", "in_progress"), ("Closed", "closed")]
PRIORITIES = [("Low", "low"), ("Normal", "normal"), ("High", "high")]


def open_page(page: Page, name: str) -> None:
    page.get_by_role("button", name=re.compile(rf"^{re.escape(name)} \([^)]+\)$")).click()
    expect(page.get_by_role("complementary", name="Page properties").get_by_label("Page name", exact=True)).to_have_value(name)


def page_settings(page: Page, *, path: str | None = None, param: bool = False, allow: str = "logged_in") -> None:
    settings = page.get_by_role("complementary", name="Page properties")
    if path is not None:
        commit(settings.get_by_label("Page path"), path)
    if param:
        settings.get_by_label("New page parameter name").fill("ticket_id")
        settings.get_by_label("New page parameter type").select_option("bigint")
        settings.get_by_role("button", name="Add parameter").click()
        expect(settings.get_by_text("ticket_id: bigint")).to_be_visible()
    settings.get_by_label("Who may open this page").select_option(allow)


def header(page: Page) -> None:
    """The bar every page starts with: brand, who is signed in, All tickets, Log out."""
    deselect(page)
    container(page, "Header", direction="row", variant="header", padding=12)
    text(page, "Brand", ("text", "Support desk"), variant="title")
    text(page, "Who", ("formula", {"concat": ["Signed in as ", {"ref": "global.current_account.username"}]}), variant="caption")
    button(page, "All tickets", "secondary")
    navigate(page, "onClick", "Tickets")
    button(page, "Log out", "secondary")
    act(page, "onClick", "logout")
    deselect(page)


def build_pages(page: Page) -> None:
    tab(page, "pages")
    for name in PAGES:  # all first: buttons go to pages that exist
        page.get_by_label("New page name").fill(name)
        page.get_by_role("button", name="Add page").click()
        expect(page.get_by_label("Page name", exact=True)).to_have_value(name)
    for name, param in (("Ticket", True), ("Edit ticket", True)):
        open_page(page, name)
        page_settings(page, param=param)
    tickets_page(page)
    ticket_page(page)
    new_ticket_page(page)
    edit_ticket_page(page)
    staff_page(page)
    saved(page)


def tickets_page(page: Page) -> None:
    open_page(page, "Tickets")
    page_settings(page, path="tickets")
    settings = page.get_by_role("complementary", name="Page properties")
    settings.get_by_label("New page variable name").fill("sort")
    settings.get_by_label("New page variable type").select_option("text")
    settings.get_by_role("button", name="Add variable").click()
    set_value(settings, "Variable sort default", "text", "id:desc")
    header(page)
    container(page, "Tools", direction="row")
    design(add_component(page, "Text input", "Search"), placeholder="Words in the title")
    status = add_component(page, "Select (dropdown)", "Status filter")
    design(status, label="Status", placeholder="Any status")
    options(status, STATUSES)
    sort = add_component(page, "Select (dropdown)", "Sort")
    design(sort, label="Sort by", placeholder="Newest first")
    options(sort, [("Oldest first", "id:asc"), ("Due date", "due_date:asc"), ("Title", "title:asc")])
    props_tab(sort, "Action")
    card = act(page, "onChange", "set_variable")
    card.get_by_label("Variable", exact=True).select_option("sort")
    formula(card, "Value", lambda picked: {"coalesce": [picked, "id:desc"]}, pick="Sort.value")
    button(page, "New ticket")
    navigate(page, "onClick", "New ticket")
    deselect(page)

    lst = add_component(page, "List", "Ticket list")
    props_tab(lst, "Data")
    lst.get_by_label("Data source table").select_option(label="ticket")
    lst.get_by_label("Request type").select_option("subscription")
    for n, (key, op, label) in enumerate((("title", "_contains", "Search.value"), ("status", "_eq", "Status filter.value")), 1):
        lst.get_by_role("button", name="Add source filter", exact=True).click()
        lst.get_by_label(f"Source filter {n} field", exact=True).select_option(key)
        lst.get_by_label(f"Source filter {n} comparison", exact=True).select_option(op)
        set_value(lst, f"Source filter {n} value", "ref", label)
    lst.get_by_role("button", name="Add sort").click()
    lst.get_by_label("Sort 1 direction").select_option("desc")
    commit(lst.get_by_label("Page size"), "5")
    lst.get_by_label("Pager").select_option("numbered")
    lst.get_by_label("Sort by page variable").select_option("sort")
    commit(lst.get_by_label("Text when empty"), "No tickets match.")
    container(page, "Ticket card", direction="row", variant="card", padding=12)
    text(page, "Title", ("ref", "List item.title"), variant="subtitle")
    text(page, "Status", ("ref", "List item.status"), variant="caption")
    text(page, "Priority", ("ref", "List item.priority"), variant="caption", prefix="Priority: ")
    text(page, "Due", ("ref", "List item.due_date"), variant="caption", format="date", prefix="Due ")
    text(page, "Requester", ("ref", "List item → requester.username"), variant="caption", prefix="by ")
    text(page, "Comments", ("ref", "List item → comments → count"), variant="caption", suffix=" comments")
    button(page, "Open", "secondary")
    navigate(page, "onClick", "Ticket", ticket_id="List item.id")
    for name in ("Search", "Status filter"):  # now that the list exists: refresh it on change
        props_tab(select_component(page, name), "Action")
        act(page, "onChange", "refresh").get_by_label("List to refresh").select_option(label="Ticket list")


def record_box(page: Page, name: str, request: str) -> None:
    """A card container loading the ticket of the page parameter."""
    deselect(page)
    box = container(page, name, variant="card", padding=16)
    props_tab(box, "Data")
    box.get_by_label("Load one record").check()
    box.get_by_label("Record table").select_option(label="ticket")
    box.get_by_label("Record request type").select_option(request)
    expect(box.get_by_label("Record id", exact=True)).to_have_value("param.ticket_id")


def not_found(page: Page, box: str, message: str) -> None:
    panel = select_component(page, f"{box} not found")
    props_tab(panel, "Design")
    commit(panel.get_by_label("Component name"), "Missing")
    expect(panel.get_by_role("heading", name="Missing")).to_be_visible()
    design(panel, variant="subtitle")
    props_tab(panel, "Data")
    set_value(panel, "Value", "text", message)


def ticket_page(page: Page) -> None:
    open_page(page, "Ticket")
    header(page)
    record_box(page, "Ticket", "subscription")
    rec = "Ticket record"
    text(page, "Title", ("ref", f"{rec}.title"), variant="title")
    text(page, "Status", ("ref", f"{rec}.status"), prefix="Status: ")
    text(page, "Priority", ("ref", f"{rec}.priority"), prefix="Priority: ")
    text(page, "Due", ("ref", f"{rec}.due_date"), format="date", prefix="Due: ")
    text(page, "Requester", ("ref", f"{rec} → requester.username"), prefix="Requested by ")
    text(page, "Description", ("ref", f"{rec}.description"))
    button(page, "Edit", "secondary")
    navigate(page, "onClick", "Edit ticket", ticket_id=f"{rec}.id")
    text(page, "Comments title", ("text", "Comments"), variant="subtitle")
    comment = add_component(page, "Multi-line text", "New comment")
    design(comment, label="Add a comment", required=True, max_length=2000)
    button(page, "Add comment")
    write_row(page, "onClick", "insert_row", "comment", {"body": "New comment.value", "ticket_id": "Page parameter: ticket_id"})
    act(page, "onClick › on success", "reset_inputs").get_by_label("Reset New comment").check()
    failure_toast(page, "onClick")

    select_component(page, "Comments title")  # the list goes between the title and the new comment
    lst = add_component(page, "List", "Comments")
    props_tab(lst, "Data")
    lst.get_by_label("Data source table").select_option(label="comment")
    lst.get_by_label("Request type").select_option("subscription")
    lst.get_by_role("button", name="Add source filter", exact=True).click()
    lst.get_by_label("Source filter 1 field", exact=True).select_option("ticket_id")
    set_value(lst, "Source filter 1 value", "ref", "Page parameter: ticket_id")
    lst.get_by_role("button", name="Add sort").click()
    commit(lst.get_by_label("Text when empty"), "No comments yet.")
    container(page, "Comment row", direction="row")
    text(page, "Comment", ("formula", {"concat": [{"ref": "item.author.username"}, ": ", {"ref": "item.body"}]}))
    button(page, "Delete", "secondary")
    write_row(page, "onClick", "delete_row", "comment", {}, row_id="List item.id")
    toast(page, "onClick › on success", ("text", "Comment deleted."), "success")
    failure_toast(page, "onClick")

    not_found(page, "Ticket", "This ticket does not exist, or you may not see it.")
    button(page, "Back to all tickets", "secondary")
    navigate(page, "onClick", "Tickets")


def ticket_inputs(page: Page, rec: str | None) -> None:
    """Title, description, priority and due date; in the edit form each starts from the record."""
    def default(panel: Any, field: str) -> None:
        if rec:
            props_tab(panel, "Data")
            set_value(panel, "Default", "ref", f"{rec}.{field}")

    default(design(add_component(page, "Text input", "Title"), required=True, max_length=120), "title")
    default(design(add_component(page, "Multi-line text", "Description"), max_length=2000), "description")
    priority = add_component(page, "Select (dropdown)", "Priority")
    design(priority, required=True)
    options(priority, PRIORITIES)
    if rec:
        default(priority, "priority")
    else:
        set_value(priority, "Default", "text", "normal")
    default(add_component(page, "Date input", "Due date"), "due_date")


def new_ticket_page(page: Page) -> None:
    open_page(page, "New ticket")
    page_settings(page)
    header(page)
    container(page, "Form", variant="card", padding=16)
    text(page, "Heading", ("text", "Open a ticket"), variant="title")
    ticket_inputs(page, None)
    button(page, "Create ticket")
    values = {"title": "Title.value", "description": "Description.value", "priority": "Priority.value", "due_date": "Due date.value"}
    write_row(page, "onClick", "insert_row", "ticket", values)
    navigate(page, "onClick › on success", "Ticket", ticket_id="Written row.id")
    failure_toast(page, "onClick")


def edit_ticket_page(page: Page) -> None:
    open_page(page, "Edit ticket")
    header(page)
    record_box(page, "Edit form", "query")
    rec = "Edit form record"
    heading = text(page, "Heading", variant="title")
    formula(heading, "Value", lambda picked: {"concat": ["Edit ticket #", picked]}, pick=f"{rec}.id")
    ticket_inputs(page, rec)
    button(page, "Save changes")
    values = {"title": "Title.value", "description": "Description.value", "priority": "Priority.value", "due_date": "Due date.value"}
    write_row(page, "onClick", "update_row", "ticket", values, row_id="Page parameter: ticket_id")
    toast(page, "onClick › on success", ("text", "Saved."), "success")
    navigate(page, "onClick › on success", "Ticket", ticket_id="Written row.id")
    failure_toast(page, "onClick")
    status = add_component(page, "Select (dropdown)", "Status")
    design(status, required=True)
    options(status, STATUSES)
    set_value(status, "Default", "ref", f"{rec}.status")
    button(page, "Change status", "secondary")
    write_row(page, "onClick", "update_row", "ticket", {"status": "Status.value"}, row_id="Page parameter: ticket_id")
    toast(page, "onClick › on success", ("text", "Status changed."), "success")
    failure_toast(page, "onClick")
    button(page, "Back", "secondary")
    act(page, "onClick", "go_back")
    not_found(page, "Edit form", "This ticket does not exist, or you may not edit it.")


def staff_page(page: Page) -> None:
    open_page(page, "Staff board")
    page_settings(page, path="staff", allow="roles")
    settings = page.get_by_role("complementary", name="Page properties")
    settings.get_by_label("Role staff may open this page").check()
    settings.get_by_label("Others").select_option("message")
    commit(settings.get_by_label("Message for others"), "This board is for staff only.")
    header(page)
    text(page, "Heading", ("text", "Open tickets"), variant="title")
    deselect(page)
    lst = add_component(page, "List", "Open tickets")
    props_tab(lst, "Data")
    lst.get_by_label("Data source table").select_option(label="ticket")
    lst.get_by_label("Request type").select_option("subscription")
    lst.get_by_role("button", name="Add source filter", exact=True).click()
    lst.get_by_label("Source filter 1 field", exact=True).select_option("status")
    set_value(lst, "Source filter 1 value", "text", "open")
    lst.get_by_role("button", name="Add sort").click()
    lst.get_by_label("Sort 1 field").select_option("due_date")
    commit(lst.get_by_label("Text when empty"), "Nothing open.")
    text(page, "Line", ("formula", {"concat": [{"ref": "item.title"}, " (", {"ref": "item.requester.username"}, ")"]}))
