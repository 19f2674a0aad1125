"""A reference must end in a value: a related row (``node.q.product``) or a list of rows in a flow is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from builder.validation import validate

SAMPLE = Path(__file__).resolve().parents[2] / "projects" / "inventory_deduction" / "app.json"


def with_lookup(output: dict[str, Any]) -> dict[str, Any]:
    """The sample with a flow that finds one order and outputs ``output``."""
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["actionflows"].append({
        "id": "lookup", "name": "Lookup", "inputs": [{"name": "order_id", "type": "bigint", "required": True}],
        "nodes": [{"id": "q", "name": "Find Order", "type": "query", "table": "tbl_order", "one": True,
                   "filter": {"id": {"_eq": {"ref": "input.order_id"}}}},
                  {"id": "p", "name": "Find Product", "type": "query", "table": "tbl_product", "one": True}],
        "output": output,
    })
    return data


def messages(data: dict[str, Any]) -> dict[str, str]:
    return {p.path: p.message for p in validate(data).errors}


LOOKUP = f"actionflows[{len(json.loads(SAMPLE.read_text(encoding='utf-8'))['actionflows'])}]"  # the flow with_lookup appends


def test_a_flow_reference_ending_at_a_related_row_names_its_fields() -> None:
    found = messages(with_lookup({"product": {"ref": "node.q.product"}, "deep": {"ref": "node.q.account"}}))
    product = found[f"{LOOKUP}.output.product"]
    assert "`node.q.product` is a related product row, not a value; pick one of its fields" in product
    assert "e.g. `node.q.product.id`" in product and "product_name" in product and "stock" in product
    assert "`node.q.account` is a related account row" in found[f"{LOOKUP}.output.deep"]
    assert messages(with_lookup({"name": {"ref": "node.q.product.product_name"}, "buyer": {"ref": "node.q.account.username"}})) == {}


def test_a_flow_reference_to_a_list_of_related_rows_asks_for_a_total() -> None:
    found = messages(with_lookup({"orders": {"ref": "node.p.orders"}}))
    assert "`node.p.orders` is a list of order rows, not a value; use a total such as `node.p.orders_aggregate.aggregate.count`" in (
        found[f"{LOOKUP}.output.orders"])
    assert messages(with_lookup({"orders": {"ref": "node.p.orders_aggregate.aggregate.count"}})) == {}


def test_a_page_binding_ending_at_a_related_row_is_refused_too() -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["pages"][0]["components"].append({
        "id": "orders", "name": "Orders", "type": "list", "source": {"table": "tbl_order"},
        "item": [{"id": "ordered", "name": "Ordered", "type": "text", "value": {"ref": "item.product"}}],
    })
    found = messages(data)
    assert "`item.product` is a related product row, not a value" in found["pages[0].components[2].item[0].value"]
