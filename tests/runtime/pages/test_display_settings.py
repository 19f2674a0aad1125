"""A real server renders amounts in the app's currency and locale, and hands the browser the same conventions."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import httpx
import pytest

from builder.display_formats import display_for
from tests.conftest import LiveServer, copy_sample, start_server

SLUG = "inventory_deduction"


@pytest.fixture(scope="module")
def euro_server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """The sample shop set to de-DE / EUR / Europe/Berlin, with a product costing 1234.50."""
    workspace = tmp_path_factory.mktemp("display_ws")
    app_json = copy_sample(workspace) / "app.json"
    data = json.loads(app_json.read_text(encoding="utf-8"))
    data["settings"].update(currency="EUR", locale="de-DE", time_zone="Europe/Berlin")
    data["seed"][0]["rows"][0]["price"] = "1234.50"
    app_json.write_text(json.dumps(data), encoding="utf-8")
    server = start_server(workspace, db_server)
    yield server
    server.stop()


def _embedded(page: str, element_id: str) -> object:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.DOTALL)
    assert match, f"no #{element_id} in the page"
    return json.loads(match.group(1))


def test_first_paint_shows_euros_the_german_way(euro_server: LiveServer) -> None:
    response = httpx.get(f"{euro_server.url}/p/{SLUG}/")
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert "1.234,50\u00a0€" in text  # the seeded 1234.50
    assert "59,50\u00a0€" in text and "24,99\u00a0€" in text
    assert "$" not in re.sub(r"<script.*?</script>", "", text, flags=re.DOTALL)


def test_the_browser_gets_the_same_conventions(euro_server: LiveServer) -> None:
    page = httpx.get(f"{euro_server.url}/p/{SLUG}/").text
    assert _embedded(page, "mm-display") == display_for("EUR", "de-DE", "Europe/Berlin").to_json()
    assert _embedded(page, "mm-page")["lists"]  # type: ignore[index]  # the page spec is still there beside it


def test_an_app_without_display_settings_keeps_dollars(module_server: LiveServer) -> None:
    page = httpx.get(f"{module_server.url}/p/{SLUG}/").text
    assert "$129.00" in page
    assert _embedded(page, "mm-display") == display_for().to_json()

