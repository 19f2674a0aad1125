"""The support_desk sample opened in the designer (real Chromium, 1280 px): every page and
every component's Design / Data / Action tab draws without a script error, and every
binding the sample uses — page parameters, records, related fields, array totals, written
rows, search comparisons — is one the pickers offer there (none shows "not available
here" or "unknown"), so each could have been made by clicking.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import props_tab, tab
from tests.conftest import LiveServer

SLUG = "desk"
SAMPLE = Path(__file__).resolve().parents[2] / "projects" / "support_desk" / "app.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_desk"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_page(browser, server, "Support Desk", SLUG, origin="sample:support_desk") as page:
        yield page


def components(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for c in items:
        yield c
        for key in ("children", "item", "not_found"):
            yield from components(c.get(key) or [])
        for branch in c.get("branches") or []:
            yield from components(branch.get("children") or [])


def test_every_binding_of_the_sample_is_pickable(page: Page) -> None:
    sample = json.loads(SAMPLE.read_text())
    assert [p["id"] for p in steps.project_definition(page, SLUG)["pages"]] == [p["id"] for p in sample["pages"]]
    tab(page, "pages")
    props = page.get_by_role("complementary", name="Component properties")
    checked = 0
    for p in sample["pages"]:
        page.get_by_role("button", name=f"{p['name']} ({'/' + p['path'] if p['path'] else 'home'})", exact=True).click()
        settings = page.get_by_role("complementary", name="Page properties")
        expect(settings.get_by_label("Page name", exact=True)).to_have_value(p["name"])
        for param in p.get("params", []):
            expect(settings.get_by_text(f"{param['name']}: {param['type']}")).to_be_visible()
        expect(settings.get_by_label("Who may open this page")).to_have_value(p["access"]["allow"])
        for c in components(p["components"]):
            page.locator(f"#tree-{c['id']}").click()
            expect(props.get_by_role("heading", name=c["name"])).to_be_visible()
            for name in ("Design", "Data", "Action"):
                props_tab(props, name)
                stale = props.locator("option", has_text="not available here").all_inner_texts() + props.locator("option", has_text="(unknown)").all_inner_texts()
                assert stale == [], (p["name"], c["name"], name, stale)
            checked += 1
    assert checked > 40
    report = page.request.get(f"/api/projects/{SLUG}/definition").json()["report"]
    assert report["ok"], report["problems"]
