"""The sample's integration parts (issue 16) built by clicking, after the tutorial's own steps.

The order's ``paid`` field; Place Order And Notify (Run actionflow → Condition → a Call API
node sending after commit, its URL and token secret references); Payment Confirmed (an
update, started by a webhook verified by HMAC with the secret ``payment_webhook_key``);
the user's right to run the new flow and the fulfilment host in Settings. Every step goes
through the designer's visible, labelled controls, as ``designer_steps`` does.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.designer_steps import (
    add_condition,
    add_field,
    add_flow_item,
    add_node,
    add_to_map,
    commit,
    name_branch,
    saved,
    set_value,
    tab,
)

FULFILMENT_HOST = "fulfilment.example.com"


def build_paid_field(page: Page) -> None:
    tab(page, "data")
    page.get_by_role("button", name="order", exact=True).click()
    expect(page.get_by_role("heading", name="Table order")).to_be_visible()
    add_field(page, "paid", "boolean", required=True, default=("bool", False))
    saved(page)


def _new_flow(page: Page, name: str) -> None:
    tab(page, "actionflows")
    page.get_by_label("New actionflow name").fill(name)
    page.get_by_role("button", name="Add actionflow").click()
    expect(page.get_by_role("complementary", name="Actionflows").get_by_role("button", name=name, exact=True)).to_have_attribute("aria-current", "true")


def _flow_output(page: Page, key: str, ref: str) -> Locator:
    page.locator("#flow-panel-flow").click()
    panel = page.get_by_role("complementary", name="Actionflow properties")
    panel.get_by_label("Output: new key").fill(key)
    panel.get_by_role("button", name="Add to output").click()
    set_value(panel, f"Output: {key}", "ref", ref)
    return panel


def _add_free_key(panel: Locator, label: str, key: str) -> None:
    panel.get_by_label(f"{label}: new key", exact=True).fill(key)
    panel.get_by_role("button", name=f"Add to {label.lower()}").click()


def build_notify_flow(page: Page) -> None:
    _new_flow(page, "Place Order And Notify")
    add_flow_item(page, "input", "product_id", "bigint")
    add_flow_item(page, "input", "quantity", "bigint")

    panel = add_node(page, "flow", "run_actionflow", "Place")
    panel.get_by_label("Actionflow", exact=True).select_option(label="Place Order")
    add_to_map(panel, "Arguments", "product_id", "ref", "input.product_id")
    add_to_map(panel, "Arguments", "quantity", "ref", "input.quantity")

    panel = add_node(page, "flow", "condition", "Check Placed")
    name_branch(panel, 1, "Placed")
    add_condition(panel, "Condition 1", 1, "node.place.status", "_eq", "text", "Order placed successfully")
    panel.get_by_role("button", name="Delete branch Otherwise").click()
    expect(panel.get_by_label("Branch 2 name", exact=True)).to_have_count(0)

    panel = add_node(page, "branch Placed", "call_api", "Notify Fulfilment")
    expect(panel.get_by_label("Mode", exact=True)).to_have_value("after_commit")
    expect(panel.locator("#call-mode-hint")).to_contain_text("After commit")
    expect(panel.get_by_label("Method", exact=True)).to_have_value("POST")
    expect(panel.get_by_label("Body Type", exact=True)).to_have_value("json")
    set_value(panel, "Url", "text", "{{secret:fulfilment_url}}")
    _add_free_key(panel, "Headers", "Authorization")
    set_value(panel, "Headers: Authorization", "text", "Bearer {{secret:fulfilment_token}}")
    for key, ref in (("product_id", "input.product_id"), ("quantity", "input.quantity"), ("account_id", "session.account_id")):
        _add_free_key(panel, "Body", key)
        set_value(panel, f"Body: {key}", "ref", ref)
    commit(panel.get_by_label("Retries", exact=True), "5")
    saved(page)
    expect(page.locator("#node-notify_fulfilment")).to_contain_text("POST {{secret:fulfilment_url}} — after commit")

    _flow_output(page, "status", "node.place.status")
    saved(page)


def build_payment_webhook(page: Page, slug: str) -> None:
    _new_flow(page, "Payment Confirmed")
    add_flow_item(page, "input", "order_id", "bigint")
    panel = add_node(page, "flow", "update", "Mark Paid")
    panel.get_by_label("Table", exact=True).select_option(label="order")
    add_condition(panel, "Filter", 1, "id", "_eq", "ref", "input.order_id")
    add_to_map(panel, "Set to", "paid", "bool", True)
    _flow_output(page, "paid", "node.mark_paid.affected_rows")

    hook = page.get_by_role("region", name="Run on a webhook")
    hook.get_by_role("button", name="Add a webhook").click()
    expect(hook.get_by_label("Verification", exact=True)).to_have_value("hmac")
    expect(hook.get_by_label("Answer", exact=True)).to_have_value("sync")
    commit(hook.get_by_label("Signing secret (project secret name)", exact=True), "payment_webhook_key")
    expect(hook.get_by_label("Tolerance (seconds)", exact=True)).to_have_value("300")
    saved(page)
    expect(hook.get_by_label("Webhook URL")).to_have_value(re.compile(f"/p/{slug}/webhooks/payment_confirmed$"))


def build_permission_and_host(page: Page) -> None:
    tab(page, "permissions")
    page.get_by_role("button", name="Role user").click()
    page.get_by_label("user may run Place Order And Notify").check()
    saved(page)
    tab(page, "settings")
    commit(page.get_by_role("region", name="Integrations").get_by_label("Outbound hosts", exact=True), FULFILMENT_HOST)
    saved(page)


def build(page: Page, slug: str) -> None:
    """Everything the sample has beyond the tutorial; the tutorial's own steps must have run."""
    build_paid_field(page)
    build_notify_flow(page)
    build_payment_webhook(page, slug)
    build_permission_and_host(page)
