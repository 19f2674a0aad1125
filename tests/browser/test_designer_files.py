"""The designer with image fields, in real Chromium: the Data tab offers image and file, publishing
adds the column, the rows grid uploads a picture into a row and shows its thumbnail."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser import designer_steps as steps
from tests.browser.designer_steps import add_field, saved, tab
from tests.conftest import LiveServer
from tests.runtime.files.harness import png

SLUG = "gallery"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_server) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with steps.designer_server(tmp_path_factory.mktemp("designer_files"), db_server) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer, browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with steps.designer_page(browser, server, "Gallery", SLUG) as page:
        yield page


def test_image_column_in_the_rows_grid(page: Page, server: LiveServer, tmp_path: Path) -> None:
    tab(page, "data")
    page.get_by_role("button", name="product", exact=True).click()
    options = page.get_by_label("New field type").locator("option")
    expect(options.filter(has_text="image")).to_have_count(1)
    expect(options.filter(has_text="file")).to_have_count(1)
    add_field(page, "photo", "image")
    saved(page)
    steps.publish(page, 1)

    picture = tmp_path / "boots.png"
    picture.write_bytes(png(120, 90, (30, 90, 160)))
    page.get_by_role("tab", name="Rows (database)").click()
    grid = page.get_by_role("table", name="Rows of product")
    grid.get_by_label("Upload photo of row 1").set_input_files(str(picture))
    thumb = grid.get_by_role("img", name="boots.png")
    expect(thumb).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth === 64", arg=thumb.element_handle())
    stored = steps.admin_graphql(page, SLUG, "{ product_by_pk(id: 1) { photo { filename width height url } } }")["product_by_pk"]["photo"]
    assert (stored["filename"], stored["width"], stored["height"]) == ("boots.png", 120, 90)
    full = httpx.get(server.url + stored["url"], timeout=30)
    assert Image.open(io.BytesIO(full.content)).size == (120, 90)


def test_upload_right_and_limit_are_edited_in_the_designer(page: Page) -> None:
    tab(page, "permissions")
    page.get_by_role("button", name="Role user", exact=True).click()
    page.get_by_label("user may upload files and images").check()
    saved(page)
    tab(page, "settings")
    limit = page.get_by_label("Largest upload (MB)")
    limit.fill("25")
    limit.press("Tab")
    saved(page)
    definition = steps.project_definition(page, SLUG)
    assert definition["permissions"]["uploads"] == ["user"]
    assert definition["settings"]["max_upload_mb"] == 25
