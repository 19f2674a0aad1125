"""Actionflows → Run on a schedule in real Chromium: add a schedule, see its next runs, a bad cron explained, remove it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import commit, project_definition, saved, tab
from tests.conftest import LiveServer

SLUG = "scheduled_shop"
FLOW = "Nightly Restock"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_schedules"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_page(browser, server, "Scheduled Shop", SLUG) as page:
        yield page


def flow(page: Page) -> dict[str, Any]:
    return next(f for f in project_definition(page, SLUG)["actionflows"] if f["name"] == FLOW)


def test_a_schedule_is_added_previewed_checked_and_removed(page: Page) -> None:
    tab(page, "actionflows")
    page.get_by_label("New actionflow name", exact=True).fill(FLOW)
    page.locator("#add-flow").click()
    section = page.get_by_role("region", name="Run on a schedule")
    section.get_by_role("button", name="Add a schedule").click()
    saved(page)
    assert flow(page)["schedule"]["cron"] == "0 9 * * *" and flow(page)["schedule"]["enabled"] is True

    hint = section.locator("p[aria-live=polite]")
    expect(hint).to_have_text(re.compile(r"^Next runs: \d{4}-\d\d-\d\dT09:00:00\+00:00, .+, .+$"))  # the project's zone: UTC

    commit(section.get_by_label("Cron", exact=True), "0 25 * * *")
    expect(hint).to_contain_text("Not a valid cron expression")
    expect(section.locator(".problem-error")).to_contain_text("cron", timeout=10_000)  # the server's validation too

    commit(section.get_by_label("Cron", exact=True), "30 6 * * 1-5")
    commit(section.get_by_label("Schedule time zone", exact=True), "Europe/Berlin")
    expect(hint).to_have_text(re.compile(r"^Next runs: \d{4}-\d\d-\d\dT06:30:00\+0[12]:00, "))
    saved(page)
    schedule = flow(page)["schedule"]
    assert (schedule["cron"], schedule["time_zone"]) == ("30 6 * * 1-5", "Europe/Berlin")
    expect(section.locator(".problem-error")).to_have_count(0)

    section.get_by_role("button", name="Remove schedule").click()
    saved(page)
    assert flow(page).get("schedule") is None
