"""The race linter: the guarded update is quiet, read-then-write patterns are warned about."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from builder.lint import lint_definition
from builder.loader import load_definition
from builder.validation import validate

SAMPLE = Path(__file__).resolve().parents[2] / "projects" / "inventory_deduction" / "app.json"


def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def read_then_write(lock: str = "none") -> dict[str, Any]:
    """The naive flash sale: read the stock, check it, write back ``stock - quantity``."""
    data = sample()
    flow = data["actionflows"][0]
    flow["nodes"] = [
        {"id": "get_id", "name": "Get ID", "type": "get_current_account"},
        {"id": "find_product", "name": "Find Product", "type": "query", "table": "tbl_product", "one": True, "lock": lock,
         "filter": {"id": {"_eq": {"ref": "input.product_id"}}}},
        {"id": "enough", "name": "Enough Stock?", "type": "condition", "branches": [
            {"id": "yes", "name": "Yes", "condition": {"node.find_product.stock": {"_gte": {"ref": "input.quantity"}}}, "nodes": [
                {"id": "write_stock", "name": "Write Stock", "type": "update", "table": "tbl_product",
                 "filter": {"id": {"_eq": {"ref": "input.product_id"}}},
                 "set": {"stock": {"sub": [{"ref": "node.find_product.stock"}, {"ref": "input.quantity"}]}}},
                {"id": "set_ok", "name": "OK", "type": "set_variable", "assignments": {"status": "Order placed successfully"}},
            ]},
            {"id": "no", "name": "No", "condition": None, "nodes": [
                {"id": "set_short", "name": "Short", "type": "set_variable", "assignments": {"status": "Stock shortage"}},
            ]},
        ]},
    ]
    return data


def test_sample_place_order_has_no_warnings() -> None:
    assert lint_definition(load_definition(sample())) == []


def test_read_then_write_is_warned_with_the_fix() -> None:
    data = read_then_write()
    report = validate(data)
    assert report.ok  # a warning, not an error
    (warning,) = report.warnings
    assert warning.severity == "warning"
    assert warning.path == "actionflows[0].nodes[2].branches[0].nodes[0].set.stock"
    assert warning.location == {"actionflow": "place_order", "node": "write_stock"}
    assert warning.message.startswith(
        "Actionflow Place Order, node Write Stock: reads `stock` in node Find Product and writes a value computed from it; "
        "two concurrent runs can both read the same value and oversell. Use Update with Decrease by and a filter "
        "`stock >= quantity`, then branch on the update's result."
    )


def test_locking_the_read_silences_the_warning() -> None:
    assert validate(read_then_write(lock="for_update")).warnings == []
    assert len(validate(read_then_write(lock="for_share")).warnings) == 1


def test_value_laundered_through_a_variable_is_still_a_race() -> None:
    data = read_then_write()
    data["actionflows"][0]["variables"].append({"name": "left", "type": "bigint"})
    yes = data["actionflows"][0]["nodes"][2]["branches"][0]["nodes"]
    yes.insert(0, {"id": "compute", "name": "Compute", "type": "set_variable",
                   "assignments": {"left": {"sub": [{"ref": "node.find_product.stock"}, {"ref": "input.quantity"}]}}})
    yes[1]["set"] = {"stock": {"ref": "var.left"}}
    (warning,) = validate(data).warnings
    assert "reads `stock` in node Find Product" in warning.message


def test_decrement_without_floor_is_warned() -> None:
    data = read_then_write()
    write = data["actionflows"][0]["nodes"][2]["branches"][0]["nodes"][0]
    del write["set"]
    write["decrement"] = {"stock": {"ref": "input.quantity"}}
    (warning,) = validate(data).warnings
    assert warning.path.endswith(".decrement.stock")
    assert "decreases `stock` without a filter on `stock`" in warning.message
    write["filter"] = {"_and": [write["filter"], {"stock": {"_gte": {"ref": "input.quantity"}}}]}
    assert validate(data).warnings == []


def test_guarded_decrement_of_a_read_value_is_fine() -> None:
    data = read_then_write()
    write = data["actionflows"][0]["nodes"][2]["branches"][0]["nodes"][0]
    del write["set"]
    write["decrement"] = {"stock": {"ref": "node.find_product.stock"}}
    write["filter"] = {"stock": {"_gte": {"ref": "node.find_product.stock"}}}
    assert validate(data).warnings == []


def test_insert_computed_from_an_unlocked_read_of_the_same_table() -> None:
    data = sample()
    flow = data["actionflows"][0]
    flow["nodes"].insert(1, {"id": "last_order", "name": "Last Order", "type": "query", "table": "tbl_order", "one": True,
                             "order_by": [{"field": "id", "direction": "desc"}]})
    create = flow["nodes"][2]["branches"][0]["nodes"][1]["branches"][1]["nodes"][0]
    create["values"]["quantity"] = {"add": [{"ref": "node.last_order.quantity"}, 1]}
    (warning,) = validate(data).warnings
    assert warning.location["node"] == "create_order"
    assert "reads `quantity` in node Last Order" in warning.message
    # Reading another table does not race with this write.
    flow["nodes"][1]["table"] = "tbl_product"
    create["values"]["quantity"] = {"ref": "node.last_order.stock"}
    assert validate(data).warnings == []
