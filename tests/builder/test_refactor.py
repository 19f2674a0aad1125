"""Renames rewrite every by-name reference and keep the definition valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from builder.definition import Definition
from builder.errors import RefactorError
from builder.loader import load_definition
from builder.refactor import rename_field, rename_table
from builder.validation import validate_definition

SAMPLE = Path(__file__).resolve().parents[2] / "projects" / "inventory_deduction" / "app.json"


def sample() -> Definition:
    return load_definition(json.loads(SAMPLE.read_text(encoding="utf-8")))


def dump(definition: Definition) -> dict[str, Any]:
    return definition.model_dump(mode="json")


def test_rename_stock_rewrites_flow_page_and_seed() -> None:
    before = sample()
    after = rename_field(before, "tbl_product", "fld_product_stock", "quantity_left")
    assert validate_definition(after) == []
    data = dump(after)
    product = data["tables"][1]
    assert [f["name"] for f in product["fields"]] == ["product_name", "price", "quantity_left"]
    assert product["fields"][2]["id"] == "fld_product_stock"  # ids never change
    update = data["actionflows"][0]["nodes"][1]["branches"][0]["nodes"][0]
    assert update["filter"]["_and"][1] == {"quantity_left": {"_gte": {"ref": "input.quantity"}}}
    assert update["decrement"] == {"quantity_left": {"ref": "input.quantity"}}
    stock_text = data["pages"][0]["components"][1]["item"][0]["children"][2]
    assert stock_text["value"] == {"ref": "item.quantity_left"}
    assert [set(row) for row in data["seed"][0]["rows"]] == [{"product_name", "price", "quantity_left"}] * 3
    assert "\"stock\"" not in json.dumps(data) and "item.stock" not in json.dumps(data)
    # Pure: the input is unchanged.
    assert dump(before)["tables"][1]["fields"][2]["name"] == "stock"


def test_rename_rewrites_node_outputs_conditions_and_order_by() -> None:
    data = dump(sample())
    flow = data["actionflows"][0]
    flow["nodes"].insert(1, {"id": "find", "name": "Find", "type": "query", "table": "tbl_product", "one": True,
                             "filter": {"stock": {"_gt": 0}}, "order_by": [{"field": "stock", "direction": "desc"}]})
    flow["nodes"][2]["branches"][0]["condition"] = {"_and": [{"node.find.stock": {"_gt": 0}}, {"input.quantity": {"_gt": 0}}]}
    flow["output"]["left"] = {"ref": "node.find.stock"}
    flow["output"]["who"] = {"ref": "node.get_id.account_id"}
    definition = Definition.model_validate(data)
    after = dump(rename_field(definition, "tbl_product", "fld_product_stock", "quantity_left"))
    find = after["actionflows"][0]["nodes"][1]
    assert find["filter"] == {"quantity_left": {"_gt": 0}}
    assert find["order_by"] == [{"field": "quantity_left", "direction": "desc"}]
    assert after["actionflows"][0]["nodes"][2]["branches"][0]["condition"]["_and"][0] == {"node.find.quantity_left": {"_gt": 0}}
    assert after["actionflows"][0]["output"] == {
        "status": {"ref": "var.status"}, "left": {"ref": "node.find.quantity_left"}, "who": {"ref": "node.get_id.account_id"}}


def test_rename_through_relationships_permissions_and_constraints() -> None:
    data = dump(sample())
    data["constraints"].append({"id": "uq_qty", "name": "uq_qty", "table": "tbl_order", "fields": ["quantity", "product_id"]})
    data["roles"].append({"id": "role_editor", "name": "editor"})
    data["permissions"]["tables"].append({"role": "editor", "table": "tbl_product", "update": {
        "columns": ["stock", "price"], "filter": {"orders": {"quantity": {"_gt": 0}}}, "presets": {"price": 1}}})
    data["pages"][0]["components"].append({
        "id": "orders", "name": "Orders", "type": "list",
        "source": {"table": "tbl_order", "filter": {"product": {"stock": {"_gt": 0}}}},
        "item": [{"id": "product_stock", "name": "Product Stock", "type": "text", "value": {"ref": "item.product.stock"}},
                 {"id": "qty", "name": "Qty", "type": "text", "value": {"ref": "item.quantity"}}]})
    definition = Definition.model_validate(data)
    assert validate_definition(definition) == []
    after = dump(rename_field(definition, "tbl_order", "fld_order_quantity", "amount"))
    assert after["constraints"][0]["fields"] == ["amount", "product_id"]
    assert after["permissions"]["tables"][-1]["update"]["filter"] == {"orders": {"amount": {"_gt": 0}}}
    assert after["pages"][0]["components"][2]["item"][1]["value"] == {"ref": "item.amount"}
    create = after["actionflows"][0]["nodes"][1]["branches"][0]["nodes"][1]["branches"][1]["nodes"][0]
    assert set(create["values"]) == {"account_id", "product_id", "amount"}
    after2 = dump(rename_field(definition, "tbl_product", "fld_product_price", "cost"))
    assert after2["permissions"]["tables"][-1]["update"]["columns"] == ["stock", "cost"]
    assert after2["permissions"]["tables"][-1]["update"]["presets"] == {"cost": 1}
    after3 = dump(rename_field(definition, "tbl_product", "fld_product_stock", "left"))
    assert after3["pages"][0]["components"][2]["source"]["filter"] == {"product": {"left": {"_gt": 0}}}
    assert after3["pages"][0]["components"][2]["item"][0]["value"] == {"ref": "item.product.left"}
    assert validate_definition(Definition.model_validate(after3)) == []


def test_rename_field_follows_aggregation_predicates() -> None:
    data = dump(sample())
    data["permissions"]["tables"].append({"role": "anonymous", "table": "tbl_account", "select": {"columns": "*", "filter": {
        "orders_aggregate": {"sum": {"arguments": "quantity", "filter": {"quantity": {"_gt": 0}}, "predicate": {"_gte": 2}},
                             "count": {"arguments": ["quantity"], "distinct": True, "predicate": {"_gt": 1}}}}}})
    definition = Definition.model_validate(data)
    assert validate_definition(definition) == []
    after = dump(rename_field(definition, "tbl_order", "fld_order_quantity", "amount"))
    assert after["permissions"]["tables"][-1]["select"]["filter"] == {"orders_aggregate": {
        "sum": {"arguments": "amount", "filter": {"amount": {"_gt": 0}}, "predicate": {"_gte": 2}},
        "count": {"arguments": ["amount"], "distinct": True, "predicate": {"_gt": 1}}}}
    assert validate_definition(Definition.model_validate(after)) == []


def test_rename_foreign_key_column() -> None:
    after = rename_field(sample(), "tbl_order", "fld_order_account_id", "buyer_id")
    data = dump(after)
    assert data["relations"][0]["foreign_key"] == {"id": "fld_order_account_id", "name": "buyer_id"}
    user_orders = data["permissions"]["tables"][2]["select"]["filter"]
    assert user_orders == {"buyer_id": {"_eq": {"ref": "session.account_id"}}}
    create = data["actionflows"][0]["nodes"][1]["branches"][0]["nodes"][1]["branches"][1]["nodes"][0]
    assert create["values"]["buyer_id"] == {"ref": "node.get_id.account_id"}  # get_current_account keeps its keys
    assert validate_definition(after) == []


def test_rename_account_field_rewrites_current_account_bindings() -> None:
    data = dump(sample())
    data["tables"][0]["fields"].append({"id": "fld_nick", "name": "nick", "type": "text"})
    text = data["pages"][0]["components"][0]["children"][1]["branches"][0]["children"][0]
    text["value"] = {"ref": "global.current_account.nick"}
    after = dump(rename_field(Definition.model_validate(data), "tbl_account", "fld_nick", "nickname"))
    assert after["pages"][0]["components"][0]["children"][1]["branches"][0]["children"][0]["value"] == {
        "ref": "global.current_account.nickname"}


@pytest.mark.parametrize(
    ("table", "field", "name", "expected"),
    [
        ("tbl_product", "fld_product_stock", "price", "already has a field called `price`"),
        ("tbl_product", "fld_product_stock", "orders", "already has a field called `orders`"),
        ("tbl_product", "fld_product_stock", "created_at", "system field"),
        ("tbl_product", "fld_product_stock", "Stock", "not a valid field name"),
        ("tbl_product", "fld_nope", "x", "no field with id `fld_nope`"),
        ("tbl_nope", "fld_product_stock", "x", "Table `tbl_nope` does not exist"),
    ],
)
def test_rename_field_refusals(table: str, field: str, name: str, expected: str) -> None:
    with pytest.raises(RefactorError) as caught:
        rename_field(sample(), table, field, name)
    assert expected in caught.value.message


def test_rename_table() -> None:
    before = sample()
    after = rename_table(before, "tbl_order", "purchase")
    assert [t.name for t in after.tables] == ["account", "product", "purchase"]
    assert [t.name for t in before.tables] == ["account", "product", "order"]
    assert validate_definition(after) == []
    assert rename_table(before, "tbl_order", "order") is before
    for table_id, name, expected in (
        ("tbl_order", "product", "already called `product`"),
        ("tbl_order", "order_aggregate", "generated GraphQL names"),
        ("tbl_account", "member", "keeps its name"),
        ("tbl_order", "account", "keeps its name"),
        ("tbl_ghost", "x", "does not exist"),
    ):
        with pytest.raises(RefactorError, match=expected):
            rename_table(before, table_id, name)
