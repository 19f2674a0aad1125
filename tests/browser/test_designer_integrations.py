"""The designer's integration parts in real Chromium: Settings → Integrations (hosts, secrets never shown),
a Call API node's form and mode explanation, Run Code's editor, data-change and webhook trigger sections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import add_node, commit, project_definition, saved, tab
from tests.conftest import LiveServer

SLUG = "integrated_shop"
FLOW = "Notify Shop"
SECRET_VALUE = "sk_browser_" + "Mn3" * 8


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_integrations"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_page(browser, server, "Integrated Shop", SLUG) as page:
        yield page


def flow(page: Page) -> dict[str, Any]:
    return next(f for f in project_definition(page, SLUG)["actionflows"] if f["name"] == FLOW)


def test_settings_keep_hosts_in_the_definition_and_secrets_out_of_sight(page: Page) -> None:
    tab(page, "settings")
    section = page.get_by_role("region", name="Integrations")
    commit(section.get_by_label("Outbound hosts", exact=True), "127.0.0.1\n*.example.com")
    saved(page)
    assert project_definition(page, SLUG)["settings"]["outbound_hosts"] == ["127.0.0.1", "*.example.com"]
    steps.publish(page, 1)  # secrets live in the app's database
    tab(page, "settings")
    section = page.get_by_role("region", name="Integrations")
    section.get_by_label("Secret name", exact=True).fill("api_key")
    section.get_by_label("Secret value", exact=True).fill(SECRET_VALUE)
    section.get_by_role("button", name="Save secret").click()
    row = section.get_by_role("table", name="Secrets").locator("tr", has_text="api_key")
    expect(row).to_contain_text("••••••••" + SECRET_VALUE[-2:])
    expect(section.get_by_label("Secret value", exact=True)).to_have_value("")
    assert SECRET_VALUE not in page.content()
    assert "api_key" not in str(project_definition(page, SLUG))  # never in app.json


def test_a_call_api_node_explains_its_mode_and_run_code_gets_a_code_editor(page: Page) -> None:
    tab(page, "actionflows")
    page.get_by_label("New actionflow name", exact=True).fill(FLOW)
    page.locator("#add-flow").click()
    panel = add_node(page, "flow", "call_api", "Tell Shop")
    expect(panel.locator("#call-mode-hint")).to_contain_text("After commit")
    panel.get_by_label("Mode", exact=True).select_option("inline")
    expect(panel.locator("#call-mode-hint")).to_contain_text("stays open")
    panel.get_by_label("Headers: new key", exact=True).fill("Authorization")
    panel.get_by_role("button", name="Add to headers").click()
    saved(page)
    node = flow(page)["nodes"][0]
    assert (node["type"], node["mode"], node["method"]) == ("call_api", "inline", "POST")
    assert "Authorization" in node["headers"]
    expect(page.locator(".inline-problems")).to_contain_text("keeps the flow's transaction open", timeout=10_000)  # the validator's warning

    panel = add_node(page, "flow", "run_code", "Compute")
    code = panel.get_by_label("Code", exact=True)
    expect(code).to_have_js_property("tagName", "TEXTAREA")
    commit(code, "context.setResult({ total: 2 });")
    saved(page)
    assert flow(page)["nodes"][1]["code"] == "context.setResult({ total: 2 });"


def test_trigger_sections_add_a_data_change_trigger_and_a_webhook_with_a_secret_shown_once(page: Page) -> None:
    tab(page, "actionflows")
    page.get_by_role("complementary", name="Actionflows").get_by_role("button", name=FLOW, exact=True).click()
    page.locator("#flow-panel-flow").click()
    change = page.get_by_role("region", name="Run when data changes")
    change.get_by_role("button", name="Add a data-change trigger").click()
    saved(page)
    assert flow(page)["on_change"]["events"] == ["insert"]
    hook = page.get_by_role("region", name="Run on a webhook")
    hook.get_by_role("button", name="Add a webhook").click()
    saved(page)
    expect(hook.locator(".problem-error")).to_contain_text("already starts by on change; give it one trigger", timeout=10_000)
    change.get_by_role("button", name="Remove trigger").click()
    saved(page)
    expect(hook.locator(".problem-error")).to_have_count(0, timeout=10_000)
    assert "on_change" not in flow(page)
    flow_id = flow(page)["id"]
    assert hook.get_by_label("Webhook URL").input_value().endswith(f"/p/{SLUG}/webhooks/{flow_id}")
    secret_name = hook.get_by_label("Signing secret (project secret name)", exact=True)
    commit(secret_name, "Shop Key")
    expect(hook.locator(".problem-error")).to_contain_text("Field `secret` of actionflow Notify Shop: must be lower_snake_case", timeout=10_000)
    commit(secret_name, "shop_hook_key")
    commit(hook.get_by_label("Tolerance (seconds)", exact=True), "120")
    saved(page)
    expect(hook.locator(".problem-error")).to_have_count(0, timeout=10_000)
    assert (flow(page)["webhook"]["secret"], flow(page)["webhook"]["tolerance_seconds"]) == ("shop_hook_key", 120)
    expect(hook).to_contain_text("more than 120 s old")
    hook.get_by_role("button", name="Generate new secret").click()
    page.get_by_role("dialog").get_by_role("button", name="Generate secret").click()
    shown = hook.locator(f"#webhook-secret-{flow_id} code")
    expect(shown).to_have_count(1)
    assert len(shown.inner_text()) >= 32


def test_run_asks_before_calling_a_real_api(page: Page) -> None:
    from tests.runtime.integrations.receiver import receiver

    with receiver() as api:
        tab(page, "actionflows")
        page.get_by_role("complementary", name="Actionflows").get_by_role("button", name=FLOW, exact=True).click()
        page.get_by_role("button", name="Edit node Tell Shop").click()
        panel = page.get_by_role("complementary", name="Actionflow properties")
        steps.set_value(panel, "Url", "text", f"{api.url}/hook")
        saved(page)
        assert flow(page)["nodes"][0]["url"] == f"{api.url}/hook"
        steps.publish(page, 2)
        page.locator("#flow-panel-run").click()
        page.locator("#run-flow").click()
        dialog = page.get_by_role("dialog", name="Call real APIs?")
        expect(dialog).to_contain_text(f"Tell Shop: POST {api.url}/hook (inline)")
        dialog.get_by_role("button", name="Cancel").click()
        result = page.get_by_role("status", name="Run result")
        expect(result).to_contain_text("CONFIRM_CALLS")
        assert api.received == []  # nothing left before the builder agreed
