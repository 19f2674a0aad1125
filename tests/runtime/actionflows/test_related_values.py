"""Flow values read through relationships: ``node.q.product.product_name`` and totals such as
``node.q.orders_aggregate.aggregate.sum.quantity``, in node values, conditions and the output."""

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

# Find an order; tag its product's name with how many of it were ordered, and say whether
# the product is popular (two orders or more) — all read through the order's relationships.
RELATED_FLOW: dict[str, Any] = {
    "id": "order_summary", "name": "Order Summary",
    "inputs": [{"name": "order_id", "type": "bigint", "required": True}],
    "variables": [{"name": "verdict", "type": "text"}],
    "nodes": [
        {"id": "rv_find", "name": "Find Order", "type": "query", "table": "tbl_order", "one": True,
         "filter": {"id": {"_eq": {"ref": "input.order_id"}}}},
        {"id": "rv_product", "name": "Find Product", "type": "query", "table": "tbl_product", "one": True,
         "filter": {"id": {"_eq": {"ref": "node.rv_find.product_id"}}}},
        {"id": "rv_tag", "name": "Tag", "type": "insert", "table": "tbl_tag",
         "values": {"name": {"ref": "node.rv_find.product.product_name"}, "hits": {"ref": "node.rv_product.orders_aggregate.aggregate.sum.quantity"}}},
        {"id": "rv_judge", "name": "Popular?", "type": "condition", "branches": [
            {"id": "rv_popular", "name": "Popular", "condition": {"node.rv_product.orders_aggregate.aggregate.count": {"_gte": 2}},
             "nodes": [{"id": "rv_yes", "name": "Yes", "type": "set_variable", "assignments": {"verdict": "popular"}}]},
            {"id": "rv_quiet", "name": "Quiet", "condition": None,
             "nodes": [{"id": "rv_no", "name": "No", "type": "set_variable", "assignments": {"verdict": "quiet"}}]},
        ]},
    ],
    "output": {"verdict": {"ref": "var.verdict"}, "buyer": {"ref": "node.rv_find.account.username"},
               "stock": {"ref": "node.rv_find.product.stock"}, "most": {"ref": "node.rv_product.orders_aggregate.aggregate.max.quantity"}},
}


# A filter with a total of related rows, in a flow that compiles to one SQL function.
POPULAR_FLOW: dict[str, Any] = {
    "id": "popular_count", "name": "Popular Count",
    "inputs": [{"name": "least", "type": "bigint", "required": True}],
    "variables": [],
    "nodes": [
        {"id": "pc_find", "name": "Popular Products", "type": "query", "table": "tbl_product", "one": True,
         "filter": {"orders_aggregate": {"sum": {"arguments": "quantity", "filter": {"quantity": {"_gt": 0}},
                                                 "predicate": {"_gte": {"ref": "input.least"}}}}}},
    ],
    "output": {"name": {"ref": "node.pc_find.product_name"}, "found": {"ref": "node.pc_find.found"}},
}


def _definition() -> dict[str, Any]:
    data = flow_test_definition()
    data["actionflows"].extend([dict(RELATED_FLOW), dict(POPULAR_FLOW)])
    return data


@pytest.fixture
def related_project(db_server, tmp_path: Path) -> Iterator[FlowProject]:  # type: ignore[no-untyped-def]
    project = publish_flow_project(db_server, tmp_path, _definition(), prefix="afr_")
    yield project
    db_server.drop_database(project.dbname)


@pytest.mark.parametrize("use_sql", [True, False])
def test_flow_reads_related_fields_and_totals(related_project: FlowProject, use_sql: bool) -> None:
    p = related_project
    product = p.product_id()
    p.sql("INSERT INTO account (username) VALUES ('dora'), ('eli')")
    p.sql('INSERT INTO "order" (account_id, product_id, quantity) SELECT a.id, %s, q FROM account a, (VALUES (3)) v(q) WHERE a.username = %s',
          (product, "dora"))
    first = p.sql('SELECT id FROM "order"')[0][0]
    trace = Trace()
    out = asyncio.run(p.run("order_summary", {"order_id": first}, use_sql=use_sql, trace=trace))
    assert not trace.compiled  # related paths run in the interpreter (no SQL function reads them)
    (stock, name), = p.sql("SELECT stock, product_name FROM product WHERE id = %s", (product,))
    assert out == {"verdict": "quiet", "buyer": "dora", "stock": stock, "most": 3}
    assert p.sql("SELECT name, hits FROM tag") == [(name, 3)]
    p.sql('INSERT INTO "order" (account_id, product_id, quantity) SELECT id, %s, 4 FROM account WHERE username = %s', (product, "eli"))
    p.sql("DELETE FROM tag")
    out = asyncio.run(p.run("order_summary", {"order_id": first}, use_sql=use_sql))
    assert out["verdict"] == "popular" and out["most"] == 4
    assert p.sql("SELECT name, hits FROM tag") == [(name, 7)]


@pytest.mark.parametrize("use_sql", [True, False])
def test_flow_filter_compares_a_total_of_related_rows(related_project: FlowProject, use_sql: bool) -> None:
    p = related_project
    product = p.product_id()
    p.sql('INSERT INTO "order" (product_id, quantity) VALUES (%s, 2), (%s, 3)', (product, product))
    (name,), = p.sql("SELECT product_name FROM product WHERE id = %s", (product,))
    trace = Trace()
    assert asyncio.run(p.run("popular_count", {"least": 5}, use_sql=use_sql, trace=trace)) == {"name": name, "found": True}
    assert trace.compiled is use_sql  # a total in a filter has an exact SQL form
    assert asyncio.run(p.run("popular_count", {"least": 6}, use_sql=use_sql)) == {"name": None, "found": False}


def test_validator_checks_related_paths_of_flow_values() -> None:
    data = _definition()
    flow = data["actionflows"][-2]
    flow["output"]["bad"] = {"ref": "node.rv_find.product.colour"}
    flow["output"]["worse"] = {"ref": "node.rv_product.orders_aggregate.aggregate.sum.created_at"}
    flow["output"]["many"] = {"ref": "node.rv_find.product.orders_aggregate.aggregate.count"}  # fine: any depth
    messages = {p.path: p.message for p in validate_definition(load_definition(data)) if p.severity == "error"}
    base = f"actionflows[{len(data['actionflows']) - 2}].output"
    assert "field `colour` does not exist on table product" in messages[f"{base}.bad"]
    assert "`sum` needs a number field; `created_at` is timestamptz" in messages[f"{base}.worse"]
    assert set(messages) == {f"{base}.bad", f"{base}.worse"}
