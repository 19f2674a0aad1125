"""Server rendering with explicit data: escaping, first-paint values, branches, styles, spec JSON."""

from __future__ import annotations

import json
import re

import pytest

from builder.definition import Definition
from builder.resolved import ResolvedProject, resolve
from runtime.pages.components.base import ListData, PageData
from runtime.pages.components.image import safe_src
from runtime.pages.cookies import safe_next
from runtime.pages.rendering import PageRenderer, page_queries, script_json
from runtime.pages.styles import inline_style
from tests.conftest import SAMPLES

HOSTILE = '</script><img src=x onerror="window.__xss=1">'


@pytest.fixture(scope="module")
def resolved() -> ResolvedProject:
    return resolve(Definition.model_validate(json.loads((SAMPLES / "inventory_deduction" / "app.json").read_text())))


def _render(resolved: ResolvedProject, rows: list[dict], logged_in: bool = False, error: str | None = None) -> str:
    page = resolved.page_by_path("")
    assert page is not None
    account = {"id": 1, "username": "ann<b>"} if logged_in else None
    data = PageData(globals={"is_logged_in": logged_in, "current_account": account}, variables={}, lists={"product_list": ListData(rows=rows, error=error)})
    return PageRenderer().render_page("inventory_deduction", resolved, page, data, page_queries(page, resolved))


def test_first_paint_shows_rows_formatted_and_escaped(resolved: ResolvedProject) -> None:
    html = _render(resolved, [{"id": 1, "product_name": HOSTILE, "price": "1234.5", "stock": 2}])
    assert "<img src=x" not in html and "</script><img" not in html
    assert "&lt;/script&gt;&lt;img src=x onerror=&#34;window.__xss=1&#34;&gt;" in html
    assert "$1,234.50" in html and "stock: 2" in html
    assert 'data-mm-key="1"' in html
    spec = json.loads(re.search(r'<script type="application/json" id="mm-page">(.*?)</script>', html, re.DOTALL).group(1))
    assert spec["lists"]["product_list"]["rows"][0]["product_name"] == HOSTILE
    assert spec["lists"]["product_list"]["query"].startswith("subscription { product(")
    assert "children" not in json.dumps(spec["components"]) and "item" not in spec["components"]["product_list"]


def test_login_state_picks_the_branch(resolved: ResolvedProject) -> None:
    anonymous = _render(resolved, [])
    assert re.search(r'data-mm-branch="signed_in" hidden', anonymous)
    assert re.search(r'data-mm-branch="signed_out">', anonymous)
    user = _render(resolved, [], logged_in=True)
    assert re.search(r'data-mm-branch="signed_out" hidden', user)
    assert "Signed in as ann&lt;b&gt;" in user


def test_empty_and_error_states(resolved: ResolvedProject) -> None:
    empty = _render(resolved, [])
    assert '<p class="mm-list__empty">No products yet.</p>' in empty
    failed = _render(resolved, [], error="Could not load this list: no <permission>")
    assert '<p class="mm-list__empty" hidden>' in failed
    assert "Could not load this list: no &lt;permission&gt;" in failed


def test_script_json_cannot_close_the_script_tag() -> None:
    text = str(script_json({"a": "</script><!-- \u2028 & >"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- \u2028 & >"}


def test_style_allow_list() -> None:
    style = {"color": "#fff", "background": "url(javascript:alert(1))", "position": "fixed", "width": "calc(100% - 2px)", "font-size": "12px; color: red"}
    assert inline_style(style, {"gap": "8px"}) == "gap: 8px; color: #fff; width: calc(100% - 2px)"


@pytest.mark.parametrize(
    "value,expected",
    [
        ("/p/shop/orders?id=1", "/p/shop/orders?id=1"),
        ("/p/shop/", "/p/shop/"),
        ("//evil.example/p/shop/", "/p/shop/"),
        ("https://evil.example/p/shop/", "/p/shop/"),
        ("/p/other/", "/p/shop/"),
        ("/p/shop/login", "/p/shop/"),
        ("/p/shop\\@evil", "/p/shop/"),
        ("javascript:alert(1)", "/p/shop/"),
        (None, "/p/shop/"),
    ],
)
def test_next_is_a_relative_path_inside_the_app(value: str | None, expected: str) -> None:
    assert safe_next("shop", value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [("https://cdn.example/a.png", "https://cdn.example/a.png"), ("/p/_static/x.png", "/p/_static/x.png"),
     ("javascript:alert(1)", ""), ("//evil/x.png", ""), ('x" onerror="1', ""), (None, "")],
)
def test_image_sources(value: str | None, expected: str) -> None:
    assert safe_src(value) == expected


def _with_nested(resolved: ResolvedProject, inner_filter: dict) -> ResolvedProject:
    data = resolved.definition.model_dump(mode="json")
    product_list = next(c for c in data["pages"][0]["components"] if c["id"] == "product_list")
    product_list["item"][0]["children"].append({
        "id": "mine", "name": "Mine", "type": "list", "empty_text": "None of yours.",
        "source": {"table": "tbl_order", "filter": inner_filter},
        "item": [{"id": "mine_q", "name": "Q", "type": "text", "prefix": "qty ", "value": {"ref": "item.quantity"}}],
    })
    return resolve(Definition.model_validate(data))


def test_a_nested_list_renders_the_rows_of_its_item(resolved: ResolvedProject) -> None:
    nested = _with_nested(resolved, {"product_id": {"_eq": {"ref": "item.id"}}})
    rows = [
        {"id": 1, "product_name": "A", "price": "1", "stock": 1, "_list_mine": [{"id": 7, "quantity": 2}, {"id": 8, "quantity": HOSTILE}]},
        {"id": 2, "product_name": "B", "price": "1", "stock": 1, "_list_mine": []},
    ]
    html = _render(nested, rows)
    assert html.count('data-mm-key="7"') == 1 and "qty 2" in html
    assert "<img src=x" not in html and "qty &lt;/script&gt;" in html
    assert '<p class="mm-list__empty">None of yours.</p>' in html  # product B
    spec = json.loads(re.search(r'<script type="application/json" id="mm-page">(.*?)</script>', html, re.DOTALL).group(1))
    assert spec["lists"]["product_list"]["children"] == {"mine": "_list_mine"}
    assert spec["nested"] == {"mine": {"children": {}}}
    assert list(spec["lists"]) == ["product_list"]


def test_a_nested_list_that_cannot_load_says_why(resolved: ResolvedProject) -> None:
    html = _render(_with_nested(resolved, {}), [{"id": 1, "product_name": "A", "price": "1", "stock": 1}])
    assert re.search(r'<p class="mm-list__error" role="alert">list Mine is inside a list of product: its filter must link it', html)
