"""Pages with files, in real Chromium: a form with an image picker uploads a picture (progress,
preview), creates the row and goes to its detail page (the full image); the catalog list shows
the thumbnail."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import expect

from tests.browser.pages_shop import running_shop, sign_up
from tests.runtime.files.harness import SLUG, files_workspace, png

TEXT = "text"


def _pages(data: dict[str, Any]) -> None:
    data["permissions"]["tables"].append({"role": "user", "table": "tbl_product", "insert": {"columns": ["product_name", "cover"]}})
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for rule in data["permissions"]["tables"]:
        merged.setdefault((rule["role"], rule["table"]), {}).update({k: v for k, v in rule.items() if v is not None})
    data["permissions"]["tables"] = list(merged.values())
    data["pages"] += [
        {"id": "page_new_product", "name": "New product", "path": "new-product", "components": [
            {"id": "name_in", "name": "Name", "type": "text_input", "label": "Name", "required": True},
            {"id": "pic_in", "name": "Picture", "type": "file_input", "label": "Picture", "kind": "image", "required": True},
            {"id": "create", "name": "Create", "type": "button", "label": "Create", "events": {"onClick": [
                {"id": "write", "type": "insert_row", "table": "tbl_product",
                 "values": {"product_name": {"ref": "component.name_in.value"}, "cover": {"ref": "component.pic_in.value"}},
                 "on_success": [{"id": "go", "type": "navigate", "page": "page_product", "params": {"product_id": {"ref": "result.id"}}}],
                 "on_failure": [{"id": "oops", "type": "show_toast", "level": "error", "message": {"ref": "error.message"}}]}]}},
        ]},
        {"id": "page_product", "name": "Product", "path": "product", "params": [{"name": "product_id", "type": "bigint", "required": True}],
         "components": [
             {"id": "box", "name": "Product", "type": "container", "record": {"table": "tbl_product", "request": "query", "row_id": {"ref": "param.product_id"}},
              "children": [
                  {"id": "detail_name", "name": "Detail name", "type": "text", "variant": "title", "value": {"ref": "record.box.product_name"}},
                  {"id": "detail_image", "name": "Detail image", "type": "image", "src": {"ref": "record.box.cover"}, "alt": "Full picture"},
              ],
              "not_found": [{"id": "nf", "name": "Missing", "type": "text", "value": "No such product."}]},
         ]},
        {"id": "page_catalog", "name": "Catalog", "path": "catalog", "components": [
            {"id": "catalog", "name": "Catalog", "type": "list", "source": {"table": "tbl_product", "request": "subscription",
                                                                          "order_by": [{"field": "id", "direction": "asc"}]},
             "item": [
                 {"id": "row_name", "name": "Row name", "type": "text", "value": {"ref": "item.product_name"}},
                 {"id": "thumb", "name": "Thumbnail", "type": "image", "src": {"ref": "item.cover"}, "alt": {"ref": "item.product_name"},
                  "width": 48, "height": 48, "fit": "cover"},
             ]},
        ]},
    ]


def _workspace(tmp_path: Path) -> Path:
    workspace = files_workspace(tmp_path)
    app = workspace / SLUG / "app.json"
    data = json.loads(app.read_text())
    _pages(data)
    app.write_text(json.dumps(data, indent=2))
    return workspace


def _size(url: str) -> tuple[int, int]:
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, response.text
    return Image.open(io.BytesIO(response.content)).size


def test_form_uploads_a_picture_list_shows_thumbnail_detail_full_image(tmp_path: Path, db_server: Any, contexts: Any) -> None:
    picture = tmp_path / "red-shoe.png"
    picture.write_bytes(png(320, 240, (220, 20, 60)))
    with running_shop(_workspace(tmp_path), db_server) as shop:
        context = contexts(base_url=shop.server.url)
        page = sign_up(context, "picture_maker")
        page.goto(f"/p/{SLUG}/new-product")
        expect(page.locator("html[data-mm-ready]")).to_have_count(1)

        page.get_by_label("Name").fill("Red shoe")
        page.get_by_label("Picture", exact=True).set_input_files(str(picture))
        preview = page.locator(".mm-file__preview")
        expect(preview).to_be_visible()
        expect(page.locator(".mm-file__progress")).to_be_hidden()
        expect(page.locator(".mm-file__name")).to_have_text("red-shoe.png")
        assert _size(shop.server.url + preview.get_attribute("src")) == (320, 240)  # type: ignore[operator]

        page.get_by_role("button", name="Create").click()
        page.wait_for_url("**/product?product_id=*")
        expect(page.locator("h1, .mm-text").filter(has_text="Red shoe").first).to_be_visible()
        full = page.get_by_role("img", name="Full picture")
        expect(full).to_be_visible()
        src = full.get_attribute("src") or ""
        assert "v=&" in src and _size(shop.server.url + src) == (320, 240)  # the full image, not a variant
        assert page.evaluate("(img) => img.naturalWidth", full.element_handle()) == 320

        page.goto(f"/p/{SLUG}/catalog")
        expect(page.locator("html[data-mm-ready]")).to_have_count(1)
        thumb = page.get_by_role("img", name="Red shoe")
        expect(thumb).to_be_visible()
        thumb_src = thumb.get_attribute("src") or ""
        assert "v=w48-h48-cover" in thumb_src and _size(shop.server.url + thumb_src) == (48, 48)
        page.wait_for_function("(img) => img.complete && img.naturalWidth === 48", arg=thumb.element_handle())

        # Nothing else was stored: one asset, attached to the new row.
        rows = shop.sql("SELECT p.product_name, a.filename, a.width, a.height FROM product p JOIN minimomen.asset a ON a.id = p.cover")
        assert rows == [("Red shoe", "red-shoe.png", 320, 240)]
