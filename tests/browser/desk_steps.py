"""Clicking the support desk together in the designer: small steps a builder takes, and the
data model, roles and permissions of ``projects/support_desk`` made with them.

Component steps add into the selected container (or after the selected component), as the
palette does; values are picked from the designer's lists by their labels, never typed as paths.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.designer_steps import (
    action_group,
    add_action,
    add_component,
    add_field,
    add_table,
    commit,
    props_tab,
    saved,
    set_value,
    tab,
)

Value = tuple[str, Any]  # (kind, value) of an expression editor: ("text", "…"), ("ref", "<label>")


def props(page: Page) -> Locator:
    return page.get_by_role("complementary", name="Component properties")


def select_component(page: Page, name: str) -> Locator:
    page.get_by_role("button", name=f"Select {name}", exact=True).click()
    panel = props(page)
    expect(panel.get_by_role("heading", name=name)).to_be_visible()
    return panel


def deselect(page: Page) -> None:
    button = page.get_by_role("button", name="Deselect (add at page level)")
    if button.count():
        button.click()


def design(panel: Locator, **options: Any) -> Locator:
    """Design-tab settings by their labels: selects picked, checkboxes ticked, text committed."""
    props_tab(panel, "Design")
    for key, value in options.items():
        label = {"max_length": "Max Length"}.get(key, key.replace("_", " ").capitalize())
        control = panel.get_by_label(label, exact=True)
        if isinstance(value, bool):
            control.set_checked(value)
        elif control.evaluate("el => el.tagName") == "SELECT":
            control.select_option(str(value))
        else:
            commit(control, str(value))
    return panel


def formula(panel: Locator, label: str, build: Any, *, pick: str | None = None) -> None:
    """A Formula (JSON) value; with ``pick``, the data is picked first and the formula written around it."""
    if pick:
        set_value(panel, label, "ref", pick)
    panel.get_by_label(f"{label} source", exact=True).select_option("json")
    area = panel.get_by_label(label, exact=True)
    picked = json.loads(area.input_value())["coalesce"][0] if pick else None
    commit(area, json.dumps(build(picked) if pick else build))


def text(page: Page, name: str, value: Value | None = None, *, variant: str | None = None, **data: str) -> Locator:
    """A Text component: its value (text, a picked field or a formula), variant, prefix / suffix / format."""
    panel = add_component(page, "Text", name)
    if variant:
        design(panel, variant=variant)
    props_tab(panel, "Data")
    if value and value[0] == "formula":
        formula(panel, "Value", value[1])
    elif value:
        set_value(panel, "Value", *value)
    for key, v in data.items():
        control = panel.get_by_label(key.capitalize(), exact=True)
        if key == "format":
            control.select_option(v)
        else:
            commit(control, v)
    return panel


def container(page: Page, name: str, **options: Any) -> Locator:
    panel = add_component(page, "Container", name)
    design(panel, **options)
    return panel


def button(page: Page, name: str, variant: str | None = None) -> Locator:
    panel = add_component(page, "Button", name)  # its label is its name
    if variant:
        design(panel, variant=variant)
    props_tab(panel, "Action")
    return panel


def options(panel: Locator, pairs: list[tuple[str, str]]) -> None:
    props_tab(panel, "Data")
    for n, (label, value) in enumerate(pairs, 1):
        panel.get_by_label("New option label").fill(label)
        panel.get_by_label("New option value").fill(value)
        panel.get_by_role("button", name="Add option").click()
        expect(panel.get_by_label(f"Option {n} value")).to_have_value(value)


# ------------------------------------------------------------ actions

def act(page: Page, chain: str, type_: str) -> Locator:
    """Add an action of ``type_`` at the end of ``chain``; returns its card."""
    add_action(page, chain, type_)
    cards = page.get_by_role("group", name=f"Actions of {chain}", exact=True).locator(":scope > .action-card")
    return action_group(page, cards.count(), chain)


def navigate(page: Page, chain: str, target: str, **params: str) -> None:
    card = act(page, chain, "navigate")
    card.get_by_label("Page", exact=True).select_option(label=target)
    for name, label in params.items():
        set_value(card, f"Parameters: {name}", "ref", label)


def toast(page: Page, chain: str, message: Value, level: str) -> None:
    card = act(page, chain, "show_toast")
    set_value(card, "Message", *message)
    card.get_by_label("Level").select_option(level)


def write_row(page: Page, chain: str, type_: str, table: str, values: dict[str, str], row_id: str | None = None) -> Locator:
    """Insert / update / delete row with values picked by label; returns its card."""
    card = act(page, chain, type_)
    card.get_by_label("Table", exact=True).select_option(label=table)
    if row_id:
        set_value(card, "Row id", "ref", row_id)
    for key, label in values.items():
        card.get_by_label("Values: field to add").select_option(key)
        card.get_by_role("button", name="Add to values").click()
        set_value(card, f"Values: {key}", "ref", label)
    return card


def failure_toast(page: Page, chain: str) -> None:
    toast(page, f"{chain} › on failure", ("ref", "Error message"), "error")


# ------------------------------------------------------------ data model

def build_data_model(page: Page) -> None:
    page.get_by_role("complementary", name="Tables").get_by_role("button", name="account", exact=True).click()
    commit(page.get_by_label("Table description"), "Built-in: one row per login.")
    add_table(page, "ticket")
    commit(page.get_by_label("Table description"), "A request for help.")
    add_field(page, "title", "text", required=True, default=("text", ""))
    add_field(page, "description", "text")
    add_field(page, "status", "text", required=True, default=("text", "open"))
    commit(page.get_by_label("Description status"), "open, in_progress or closed")
    add_field(page, "priority", "text", required=True, default=("text", "normal"))
    commit(page.get_by_label("Description priority"), "low, normal or high")
    add_field(page, "due_date", "date")
    add_table(page, "comment")
    commit(page.get_by_label("Table description"), "A comment on a ticket.")
    add_field(page, "body", "text", required=True, default=("text", ""))
    relate(page, "account", "ticket", "requester_id", "tickets", "requester", "set_null")
    relate(page, "ticket", "comment", "ticket_id", "comments", "ticket", "cascade", required=True)
    relate(page, "account", "comment", "author_id", "comments", "author", "set_null")
    expect(page.get_by_role("region", name="Relations")).to_contain_text("ticket has many comment — foreign key comment.ticket_id")
    saved(page)


def relate(page: Page, one: str, many: str, fk: str, one_field: str, many_field: str, on_delete: str, *, required: bool = False) -> None:
    """Add a relation from the many side's table (which then lists it)."""
    page.get_by_role("complementary", name="Tables").get_by_role("button", name=many, exact=True).click()
    expect(page.get_by_role("heading", name=f"Table {many}")).to_be_visible()
    page.get_by_label("Relation: one side (has many)").select_option(label=one)
    page.get_by_label("Relation: many side (holds the foreign key)").select_option(label=many)
    page.get_by_label("Foreign key column").fill(fk)
    page.get_by_label("Field on the one side").fill(one_field)
    page.get_by_label("Field on the many side").fill(many_field)
    page.get_by_label("On delete").select_option(on_delete)
    page.get_by_label("Relation required (every row must have one)").set_checked(required)
    page.get_by_role("button", name="Add relation").click()
    expect(page.get_by_role("region", name="Relations")).to_contain_text(f"foreign key {many}.{fk}; fields {one}.{one_field} and {many}.{many_field}")


# ------------------------------------------------------------ roles and permissions

def allow(page: Page, role: str, op: str, table: str) -> Locator:
    page.get_by_label(f"{op} on {table} for {role}").check()
    return page.get_by_role("region", name=f"{op} rule")


def columns(rule: Locator, op: str, drop: tuple[str, ...] = (), add: tuple[str, ...] = ()) -> None:
    """Untick "all columns", then untick ``drop`` and tick ``add`` (a ticked column goes last)."""
    rule.get_by_label(f"{op}: all columns").uncheck()
    for name in drop:
        rule.get_by_label(f"{op} column {name}", exact=True).uncheck()
    for name in add:
        rule.get_by_label(f"{op} column {name}", exact=True).check()


def preset(rule: Locator, op: str, column: str, value: Value) -> None:
    label = f"{op} column presets"
    rule.get_by_label(f"{label}: field to add").select_option(column)
    rule.get_by_role("button", name=f"Add to {label.lower()}").click()
    set_value(rule, f"{label}: {column}", *value)


def own_ticket(rule: Locator, label: str) -> None:
    """A condition over the related ticket: "ticket has a related record where requester_id = current account"."""
    rule.get_by_role("button", name=f"Add {label.lower()}", exact=True).click()
    rule.get_by_label(f"{label} 1 field", exact=True).select_option("ticket")
    rule.get_by_label(f"{label} 1.1 field", exact=True).select_option("requester_id")
    rule.get_by_label(f"{label} 1.1 comparison", exact=True).select_option("_eq")
    set_value(rule, f"{label} 1.1 value", "ref", "Current account id")


def build_permissions(page: Page) -> None:
    tab(page, "permissions")
    page.get_by_label("New role name").fill("staff")
    page.get_by_role("button", name="Add role").click()
    commit(page.get_by_label("Description of role staff"), "Handles every ticket and may change its status.")

    page.get_by_role("button", name="Role user", exact=True).click()
    rule = allow(page, "user", "Select", "account")
    columns(rule, "Select", drop=("created_at", "updated_at"))
    rule.get_by_role("button", name="Select: only their own rows").click()
    rule.get_by_label("Select: allow aggregates (count, sum…)").uncheck()
    allow(page, "user", "Select", "ticket").get_by_role("button", name="Select: only their own rows").click()
    rule = allow(page, "user", "Insert", "ticket")
    columns(rule, "Insert", drop=("status", "requester_id"))
    preset(rule, "Insert", "requester_id", ("ref", "Current account id"))
    preset(rule, "Insert", "status", ("text", "open"))
    rule = allow(page, "user", "Update", "ticket")
    columns(rule, "Update", drop=("status", "requester_id"))
    rule.get_by_role("button", name="Update: only their own rows").click()
    own_ticket(allow(page, "user", "Select", "comment"), "Select row condition")
    rule = allow(page, "user", "Insert", "comment")
    columns(rule, "Insert", drop=("author_id",))
    own_ticket(rule, "Insert check")
    preset(rule, "Insert", "author_id", ("ref", "Current account id"))
    allow(page, "user", "Delete", "comment").get_by_role("button", name="Delete: only their own rows").click()

    page.get_by_role("button", name="Role staff", exact=True).click()
    rule = allow(page, "staff", "Select", "account")
    columns(rule, "Select", drop=("created_at", "updated_at"))
    rule.get_by_label("Select: allow aggregates (count, sum…)").uncheck()
    allow(page, "staff", "Select", "ticket")
    columns(allow(page, "staff", "Update", "ticket"), "Update", drop=("status", "requester_id"), add=("status",))
    allow(page, "staff", "Select", "comment")
    rule = allow(page, "staff", "Insert", "comment")
    columns(rule, "Insert", drop=("author_id",))
    preset(rule, "Insert", "author_id", ("ref", "Current account id"))
    saved(page)


def build_settings(page: Page, description: str) -> None:
    tab(page, "settings")
    area = page.get_by_label("App description")
    area.fill(description)
    area.press("Tab")
    saved(page)
