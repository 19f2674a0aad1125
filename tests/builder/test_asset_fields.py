"""The image / file field types: validation, the designer registry, the migration plan."""

from __future__ import annotations

import copy
import json
from typing import Any

from builder.api.registry import registry
from builder.loader import load_definition
from builder.validation import validate
from runtime.migrations.diff import diff_schemas
from runtime.migrations.ops import AddForeignKey, DropColumn, RenameColumn, RenameConstraint
from runtime.migrations.spec import ASSET_TARGET, schema_spec
from tests.conftest import SAMPLES


def _sample(change: Any = None) -> dict[str, Any]:
    data = json.loads((SAMPLES / "inventory_deduction" / "app.json").read_text())
    product = next(t for t in data["tables"] if t["id"] == "tbl_product")
    product["fields"].append({"id": "fld_cover", "name": "cover", "type": "image"})
    if change:
        change(data, product)
    return data


def _errors(data: dict[str, Any]) -> list[str]:
    return [p.message for p in validate(data).problems if p.severity == "error"]


def test_image_and_file_are_field_types_everywhere() -> None:
    assert _errors(_sample()) == []
    assert {"image", "file"} <= set(registry()["field_types"])


def test_asset_fields_refuse_defaults_unique_and_unknown_upload_roles() -> None:
    def change(data: dict[str, Any], product: dict[str, Any]) -> None:
        product["fields"].append({"id": "fld_manual", "name": "manual", "type": "file", "required": True, "default": 3, "unique": True})
        data["permissions"]["uploads"] = ["user", "ghost"]

    errors = _errors(_sample(change))
    assert any("manual` cannot have a default" in e for e in errors), errors
    assert any("manual` cannot be unique" in e for e in errors), errors
    assert any("role `ghost` does not exist" in e.lower() for e in errors), errors


def test_asset_column_references_the_asset_table_and_renames_keep_it() -> None:
    before = load_definition(_sample())
    spec = schema_spec(before)
    product = spec.tables["tbl_product"]
    assert product.columns["fld_cover"].type == "bigint"
    fk = product.constraints["fa:fld_cover"]
    assert (fk.target, fk.on_delete, fk.name) == (ASSET_TARGET, "restrict", "product_cover_fkey")

    renamed = copy.deepcopy(_sample())
    next(f for t in renamed["tables"] for f in t["fields"] if f["id"] == "fld_cover")["name"] = "picture"
    steps = diff_schemas(spec, schema_spec(load_definition(renamed)))
    assert [type(s) for s in steps] == [RenameColumn, RenameConstraint]
    assert not any(isinstance(s, DropColumn) for s in steps)

    added = diff_schemas(schema_spec(load_definition(json.loads((SAMPLES / "inventory_deduction" / "app.json").read_text()))), spec)
    link = [s for s in added if isinstance(s, AddForeignKey)]
    assert len(link) == 1 and "referent_schema='minimomen'" in link[0].render()[0]
    assert link[0].describe() == "link `product.cover` to the stored files"
