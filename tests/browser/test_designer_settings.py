"""Settings → Money, numbers and dates in real Chromium: pick currency, locale and time zone,
publish, and the app shows amounts that way, at first paint and after a live update.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import (
    admin_graphql,
    commit,
    project_definition,
    publish,
    saved,
    tab,
)
from tests.conftest import LiveServer

SLUG = "shop_euro"
SNEAKERS_PRICE = '[data-mm="product_list"] .mm-item:first-child [data-mm="price_text"]'
SET_PRICE = 'mutation { update_product(where: {product_name: {_eq: "Limited Sneakers"}}, _set: {price: "1234.5"}) { affected_rows } }'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_settings"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_page(browser, server, "Shop Euro", SLUG) as page:
        yield page


def text_is(page: Page, selector: str, expected: str) -> None:
    """Wait until the element's exact text (no-break spaces included) is ``expected``."""
    page.wait_for_function("([s, t]) => document.querySelector(s)?.textContent === t", arg=[selector, expected])


def test_time_zone_input_refuses_unknown_names(page: Page) -> None:
    tab(page, "settings")
    zone = page.get_by_label("Time zone", exact=True)
    expect(zone).to_have_value("UTC")
    commit(zone, "Mars/Olympus")
    alert = page.locator("#settings-time-zone-error")
    expect(alert).to_have_text("“Mars/Olympus” is not a time zone name. Pick one from the list, such as Europe/Berlin, America/New_York or UTC.")
    expect(page.get_by_label("Time zone", exact=True)).to_have_attribute("aria-invalid", "true")
    saved(page)
    assert project_definition(page, SLUG)["settings"]["time_zone"] == "UTC"  # nothing unknown was saved

    commit(page.get_by_label("Time zone", exact=True), "europe/berlin")  # any case: the real name is kept
    expect(alert).to_have_count(0)
    expect(page.get_by_label("Time zone", exact=True)).to_have_value("Europe/Berlin")
    saved(page)
    assert project_definition(page, SLUG)["settings"]["time_zone"] == "Europe/Berlin"


def test_currency_and_locale_are_published_to_the_app(page: Page) -> None:
    tab(page, "settings")
    currency = page.get_by_label("Currency", exact=True)
    expect(currency).to_have_value("USD")
    expect(currency.locator("option[value=JPY]")).to_have_text("JPY — Japanese yen (¥)")
    currency.select_option("EUR")
    page.get_by_label("Locale", exact=True).select_option("de-DE")
    saved(page)
    settings = project_definition(page, SLUG)["settings"]
    assert (settings["currency"], settings["locale"], settings["time_zone"]) == ("EUR", "de-DE", "Europe/Berlin")
    expect(page.locator("#problems-button")).to_have_count(0)  # the server agrees: nothing to fix

    publish(page, 1)
    app = page.context.new_page()
    app.goto(f"/p/{SLUG}/")
    expect(app.locator("html[data-mm-live=online]")).to_have_count(1)
    text_is(app, SNEAKERS_PRICE, "129,00\u00a0€")  # first paint, by the server
    admin_graphql(page, SLUG, SET_PRICE)
    text_is(app, SNEAKERS_PRICE, "1.234,50\u00a0€")  # live update, by the browser runtime
    app.close()

    tab(page, "settings")
    page.get_by_label("Currency", exact=True).select_option("JPY")
    page.get_by_label("Locale", exact=True).select_option("ja-JP")
    saved(page)
    publish(page, 2)
    app = page.context.new_page()
    app.goto(f"/p/{SLUG}/")
    text_is(app, SNEAKERS_PRICE, "¥1,235")  # yen: no minor unit, 1234.5 rounds half away from zero
    app.close()
