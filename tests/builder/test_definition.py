"""The definition format: the sample round-trips, the JSON Schema exports, the loader upgrades."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder import loader
from builder.definition import FORMAT_VERSION, Definition, json_schema
from builder.errors import DefinitionError
from builder.flows import NODE_TYPES
from builder.lint import LINTERS
from builder.loader import load_definition, upgrade
from builder.pages import ACTION_TYPES, COMPONENT_TYPES
from builder.refactor import ACTION_REWRITES, NODE_REWRITES
from builder.validation.actionflows import NODE_CHECKS, NODE_OUTPUTS
from builder.validation.pages import ACTION_CHECKS, COMPONENT_CHECKS

SAMPLE = Path(__file__).resolve().parents[2] / "projects" / "inventory_deduction" / "app.json"


def sample_data() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def test_sample_round_trips_through_the_model() -> None:
    definition = load_definition(sample_data())
    dumped = definition.model_dump(mode="json")
    again = Definition.model_validate(json.loads(json.dumps(dumped)))
    assert again == definition
    assert again.model_dump(mode="json") == dumped
    assert [t.name for t in definition.tables] == ["account", "product", "order"]
    assert definition.actionflows[0].id == "place_order"


def test_json_schema_exports_every_node_component_and_action_type() -> None:
    schema = json_schema()
    assert schema["title"] == "Definition"
    assert {"tables", "relations", "actionflows", "pages", "permissions", "settings"} <= set(schema["properties"])
    text = json.dumps(schema)
    for kind in (*NODE_TYPES, *COMPONENT_TYPES, *ACTION_TYPES):
        assert f'"const": "{kind}"' in text or f'"enum": ["{kind}"]' in text, kind
    # The schema is plain JSON (the designer fetches it).
    assert json.loads(text) == schema


def test_registries_agree_across_validator_runtime_and_refactor() -> None:
    assert set(NODE_CHECKS) == set(NODE_OUTPUTS) == set(NODE_REWRITES) == set(NODE_TYPES)
    assert set(ACTION_CHECKS) == set(ACTION_REWRITES) == set(ACTION_TYPES)
    assert set(COMPONENT_CHECKS) == set(COMPONENT_TYPES)
    assert set(LINTERS) <= set(NODE_TYPES)


def test_current_format_loads_unchanged() -> None:
    data = sample_data()
    assert upgrade(data) is data
    data_without_format = {k: v for k, v in data.items() if k != "format"}
    assert load_definition(data_without_format).format == FORMAT_VERSION


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        (FORMAT_VERSION + 1, "newer minimomen"),
        (0, "Format 0 is unknown"),
        ("1", "must be a whole number"),
    ],
)
def test_unknown_formats_are_refused_clearly(version: object, expected: str) -> None:
    data = {**sample_data(), "format": version}
    with pytest.raises(DefinitionError) as caught:
        load_definition(data)
    assert expected in caught.value.message
    assert caught.value.problems[0].path == "format"


def test_upgraders_run_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """An older format is upgraded step by step (simulated with a format 0 upgrader)."""

    def from_zero(data: dict) -> dict:
        data["name"] = data.pop("title")
        return data

    monkeypatch.setitem(loader.UPGRADERS, 0, from_zero)
    monkeypatch.setattr(loader, "FIRST_FORMAT", 0)
    old = {k: v for k, v in sample_data().items() if k != "name"} | {"format": 0, "title": "Old shop"}
    definition = load_definition(old)
    assert definition.name == "Old shop"
    assert definition.format == FORMAT_VERSION
    assert old["format"] == 0 and "title" in old  # the caller's data is not changed


def test_load_definition_reports_structural_problems_as_sentences() -> None:
    data = sample_data()
    data["tables"][1]["fields"][2]["type"] = "integer"
    with pytest.raises(DefinitionError) as caught:
        load_definition(data)
    (problem,) = caught.value.problems
    assert problem.path == "tables[1].fields[2].type"
    assert problem.message == (
        "Field `type` of table product, field stock: must be one of text, bigint, decimal, boolean, timestamptz, date, jsonb, image, file."
    )
    assert problem.location == {"table": "tbl_product", "field": "fld_product_stock"}


def test_strict_load_refuses_cross_reference_errors() -> None:
    data = sample_data()
    data["settings"]["home_page"] = "nowhere"
    assert load_definition(data).settings.home_page == "nowhere"
    with pytest.raises(DefinitionError) as caught:
        load_definition(data, strict=True)
    assert caught.value.problems[0].path == "settings.home_page"
