"""The row an Insert or an Update by id writes offers its related data, as a Query with *one* does:
``node.ins.product.product_name``, ``node.upd.orders_aggregate.aggregate.sum.quantity``,
returned by the write's own statement, on real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from builder.loader import load_definition
from builder.validation import validate_definition
from runtime.actionflows.engine import Trace
from tests.runtime.actionflows.conftest import FlowProject, publish_flow_project
from tests.runtime.actionflows.flows import test_definition as flow_test_definition

# Order a product, then take the stock by id; say what the order and the product look like afterwards.
WRITE_FLOW: dict[str, Any] = {
    "id": "order_and_report", "name": "Order And Report",
    "inputs": [{"name": "product_id", "type": "bigint", "required": True}, {"name": "quantity", "type": "bigint", "required": True}],
    "variables": [],
    "nodes": [
        {"id": "rw_ins", "name": "Create Order", "type": "insert", "table": "tbl_order",
         "values": {"product_id": {"ref": "input.product_id"}, "quantity": {"ref": "input.quantity"}}},
        {"id": "rw_upd", "name": "Take Stock", "type": "update", "table": "tbl_product",
         "filter": {"_and": [{"id": {"_eq": {"ref": "node.rw_ins.product_id"}}}]}, "decrement": {"stock": {"ref": "input.quantity"}}},
        {"id": "rw_tag", "name": "Tag", "type": "insert", "table": "tbl_tag",
         "values": {"name": {"ref": "node.rw_ins.product.product_name"}, "hits": {"ref": "node.rw_upd.orders_aggregate.aggregate.count"}}},
    ],
    "output": {"name": {"ref": "node.rw_ins.product.product_name"}, "stock_before": {"ref": "node.rw_ins.product.stock"},
               "stock_after": {"ref": "node.rw_upd.stock"}, "ordered": {"ref": "node.rw_upd.orders_aggregate.aggregate.sum.quantity"},
               "affected": {"ref": "node.rw_upd.affected_rows"}, "tag": {"ref": "node.rw_tag.name"}},
}


def _definition() -> dict[str, Any]:
    data = flow_test_definition()
    data["actionflows"].append(dict(WRITE_FLOW))
    return data


@pytest.fixture
def write_project(db_server, tmp_path: Path) -> Iterator[FlowProject]:  # type: ignore[no-untyped-def]
    project = publish_flow_project(db_server, tmp_path, _definition(), prefix="afw_")
    yield project
    db_server.drop_database(project.dbname)


@pytest.mark.parametrize("use_sql", [True, False])
def test_insert_and_update_by_id_offer_their_rows_related_data(write_project: FlowProject, use_sql: bool) -> None:
    p = write_project
    product = p.product_id()
    (stock, name), = p.sql("SELECT stock, product_name FROM product WHERE id = %s", (product,))
    p.sql('INSERT INTO "order" (product_id, quantity) VALUES (%s, 2)', (product,))
    trace = Trace()
    out = asyncio.run(p.run("order_and_report", {"product_id": product, "quantity": 3}, use_sql=use_sql, trace=trace))
    assert not trace.compiled  # related paths run in the interpreter
    assert out == {"name": name, "stock_before": stock, "stock_after": stock - 3, "ordered": 5, "affected": 1, "tag": name}
    assert p.sql("SELECT name, hits FROM tag") == [(name, 2)]  # the new order counts: it was written before the update


def test_validator_offers_related_data_only_for_one_written_row() -> None:
    data = _definition()
    flow = data["actionflows"][-1]
    flow["nodes"].append({"id": "rw_all", "name": "Touch All", "type": "update", "table": "tbl_product",
                          "filter": {"stock": {"_gte": 0}}, "increment": {"stock": 0}})
    flow["output"]["many"] = {"ref": "node.rw_all.orders_aggregate.aggregate.count"}  # not by id: many rows
    flow["output"]["row"] = {"ref": "node.rw_ins.product"}  # a related row, not a value
    flow["output"]["bad"] = {"ref": "node.rw_ins.product.colour"}
    messages = {p.path: p.message for p in validate_definition(load_definition(data)) if p.severity == "error"}
    base = f"actionflows[{len(data['actionflows']) - 1}].output"
    assert "node Touch All has no result `orders_aggregate`" in messages[f"{base}.many"]
    assert "`node.rw_ins.product` is a related product row, not a value" in messages[f"{base}.row"]
    assert "field `colour` does not exist on table product" in messages[f"{base}.bad"]
    assert set(messages) == {f"{base}.many", f"{base}.row", f"{base}.bad"}
