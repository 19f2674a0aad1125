"""The edit operations on their own (no database): renames follow every reference, moves keep the tree, all or nothing."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from runtime.mcp.edits import Operation, apply
from tests.conftest import SAMPLES

OPS: TypeAdapter[Any] = TypeAdapter(list[Operation])


def sample() -> dict[str, Any]:
    return dict(json.loads((SAMPLES / "inventory_deduction" / "app.json").read_text()))


def run(*operations: dict[str, Any]) -> Any:
    return apply(sample(), OPS.validate_python(list(operations)))


def test_rename_field_rewrites_filters_bindings_and_permissions() -> None:
    result = run({"op": "rename_field", "table": "product", "field": "stock", "name": "in_stock"})
    assert result.applied, result.problems
    text = json.dumps(result.draft)
    assert '"stock"' not in text and '"in_stock": {"_gte"' in text and "item.in_stock" in text


def test_move_node_into_another_branch_is_validated() -> None:
    # The insert reads node.get_id: moved before Get ID it would run first, which validation reports.
    result = run({"op": "move_node", "actionflow": "place_order", "node": "create_order", "position": {"index": 0}})
    assert not result.applied and any("get_id" in p.message or "Get ID" in p.message for p in result.problems)
    moved = run({"op": "move_node", "actionflow": "Place Order", "node": "set_status_invalid",
                 "position": {"parent": "check_stock_deduction", "branch": "stock_shortage"}})
    assert moved.applied, moved.problems
    flow = moved.draft["actionflows"][0]
    shortage = flow["nodes"][1]["branches"][0]["nodes"][1]["branches"][0]["nodes"]
    assert [n["id"] for n in shortage] == ["set_status_shortage", "set_status_invalid"]
    assert flow["nodes"][1]["branches"][1]["nodes"] == []


def test_roles_and_permissions_follow_a_rename_and_a_removal() -> None:
    added = run({"op": "add_role", "name": "vip"},
                {"op": "set_permission", "role": "vip", "table": "order", "operation": "select", "rule": {"columns": "*"}},
                {"op": "set_actionflow_permission", "role": "vip", "actionflow": "place_order", "allowed": True},
                {"op": "rename_role", "role": "vip", "name": "gold"})
    assert added.applied, added.problems
    perms = added.draft["permissions"]
    assert "gold" in perms["actionflows"] and any(p["role"] == "gold" for p in perms["tables"])
    removed = apply(added.draft, OPS.validate_python([{"op": "remove_role", "role": "gold"}]))
    assert removed.applied and "gold" not in json.dumps(removed.draft["permissions"])


def test_a_component_cannot_move_inside_itself_and_nothing_changes() -> None:
    result = run({"op": "add_field", "table": "product", "name": "color", "type": "text"},
                 {"op": "move_component", "page": "page_order_inventory_deduction", "component": "product_card",
                  "position": {"parent": "quantity_input"}})
    assert not result.applied and result.draft is None
    assert result.problems[0].path == "operations[1].position" or result.problems[0].path.startswith("operations[1]")


def test_a_record_container_takes_components_in_its_children_or_its_not_found() -> None:
    desk = json.loads((SAMPLES / "support_desk" / "app.json").read_text())
    text = {"id": "td_hint", "name": "Hint", "type": "text", "value": "Try another ticket."}
    placed = apply(desk, OPS.validate_python([
        {"op": "add_component", "page": "page_ticket", "component": text, "position": {"parent": "ticket_box", "branch": "not_found", "index": 1}}]))
    assert placed.applied, placed.problems
    box = next(c for c in placed.draft["pages"] if c["id"] == "page_ticket")
    found = json.dumps(box)
    assert found.index('"td_missing"') < found.index('"td_hint"') < found.index('"td_back"')
    wrong = apply(desk, OPS.validate_python([
        {"op": "add_component", "page": "page_ticket", "component": text, "position": {"parent": "ticket_box", "branch": "elsewhere"}}]))
    assert not wrong.applied and "not_found" in wrong.problems[0].message
