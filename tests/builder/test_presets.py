"""Every Common UI preset is a valid component subtree that renders, and the sample page is built from them."""

from __future__ import annotations

import json

import pytest

from builder.definition import Definition
from builder.pages import COMPONENT_TYPES, Page, walk_components
from builder.presets import PRESETS_DIR, PresetError, list_presets, load_preset
from builder.resolved import resolve
from runtime.pages.components.base import PageData
from runtime.pages.rendering import PageRenderer, page_queries
from tests.conftest import SAMPLES

EXPECTED = {"page_header", "product_card", "list_row", "primary_button", "labelled_input", "empty_state"}


def _sample() -> Definition:
    return Definition.model_validate(json.loads((SAMPLES / "inventory_deduction" / "app.json").read_text()))


def test_index_lists_every_preset_file() -> None:
    presets = list_presets()
    assert {p["id"] for p in presets} == EXPECTED
    assert all(p["name"] and p["description"] and p["category"] for p in presets)
    listed = {e["file"] for e in json.loads((PRESETS_DIR / "index.json").read_text())["presets"]}
    assert listed == {p.name for p in PRESETS_DIR.glob("*.json")} - {"index.json"}


@pytest.mark.parametrize("preset_id", sorted(EXPECTED))
def test_preset_is_valid_styled_and_unbound(preset_id: str) -> None:
    components = load_preset(preset_id)
    assert components
    every = list(walk_components(components))
    assert all(c.type in COMPONENT_TYPES for c in every)
    ids = [c.id for c in every]
    assert len(ids) == len(set(ids)), "component ids repeat inside the preset"
    text = json.dumps([c.model_dump(mode="json") for c in components])
    assert '"ref"' not in text and all(not c.events for c in every), "presets carry looks only, no bindings or actions"
    # It renders with the page renderer.
    definition = _sample()
    page = Page(id="preview", name="Preview", path="preview", components=components)
    resolved = resolve(definition.model_copy(update={"pages": [page]}))
    html = PageRenderer().render_page("inventory_deduction", resolved, page, PageData(globals={}, variables={}, lists={}), page_queries(page, resolved))
    assert all(f'data-mm="{i}"' in html for i in ids)


def test_sample_page_uses_the_header_and_product_card_presets() -> None:
    page = _sample().pages[0]
    by_id = {c.id: c for c in walk_components(page.components)}
    for preset_id, component_id in (("page_header", "header"), ("product_card", "product_card")):
        (preset,) = load_preset(preset_id)
        used = by_id[component_id]
        looks = ("type", "variant", "direction", "gap", "padding")
        assert {k: getattr(used, k) for k in looks} == {k: getattr(preset, k) for k in looks}


def test_unknown_preset_is_a_clear_error() -> None:
    with pytest.raises(PresetError, match="no preset called `nope`"):
        load_preset("nope")
