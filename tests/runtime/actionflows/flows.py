"""Test flows added to a copy of the sample definition (rollback, timeout, loops, sub-flows, tasks)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

SAMPLE = Path(__file__).resolve().parents[3] / "projects" / "inventory_deduction" / "app.json"

TAG_TABLE = {
    "id": "tbl_tag",
    "name": "tag",
    "description": "A table with a unique field, for on_conflict.",
    "fields": [
        {"id": "fld_tag_name", "name": "name", "type": "text", "required": True, "default": "", "unique": True},
        {"id": "fld_tag_hits", "name": "hits", "type": "bigint", "required": True, "default": 0},
    ],
}


def _order(node_id: str, quantity: Any = 1) -> dict[str, Any]:
    return {
        "id": node_id,
        "name": "Create Order",
        "type": "insert",
        "table": "tbl_order",
        "values": {"product_id": {"ref": "input.product_id"}, "quantity": quantity},
    }


def _touch_product(node_id: str, name: str = "Touch Product") -> dict[str, Any]:
    return {
        "id": node_id,
        "name": name,
        "type": "update",
        "table": "tbl_product",
        "filter": {"id": {"_eq": {"ref": "input.product_id"}}},
        "increment": {"stock": 0},
    }


PRODUCT_INPUT = [{"name": "product_id", "type": "bigint", "required": True}]

def _status(node_id: str, status: str) -> dict[str, Any]:
    return {"id": node_id, "name": f"Status {status}", "type": "set_variable", "assignments": {"status": status}}


# One compiled flow with every kind of outcome, for group commit batches: a refused quantity
# (an error before any write), a shortage (a status), an order, and a raise after the order
# (``explode``) whose writes must roll back alone.
BUY_FLOW: dict[str, Any] = {
    "id": "buy",
    "name": "Buy",
    "inputs": [*PRODUCT_INPUT, {"name": "quantity", "type": "bigint", "required": True}, {"name": "explode", "type": "boolean", "required": False}],
    "variables": [{"name": "status", "type": "text"}],
    "nodes": [
        {"id": "buy_check", "name": "Check Quantity", "type": "condition", "branches": [
            {"id": "buy_bad", "name": "Bad Quantity", "condition": {"input.quantity": {"_lte": 0}},
             "nodes": [{"id": "buy_refuse", "name": "Refuse", "type": "raise_error", "message": "quantity must be positive"}]},
        ]},
        {"id": "buy_deduct", "name": "Deduct", "type": "update", "table": "tbl_product",
         "filter": {"_and": [{"id": {"_eq": {"ref": "input.product_id"}}}, {"stock": {"_gte": {"ref": "input.quantity"}}}]},
         "decrement": {"stock": {"ref": "input.quantity"}}},
        {"id": "buy_branch", "name": "Deducted?", "type": "condition", "branches": [
            {"id": "buy_short", "name": "Short", "condition": {"node.buy_deduct.id": {"_is_null": True}},
             "nodes": [_status("buy_status_short", "Stock shortage")]},
            {"id": "buy_ok", "name": "Deducted", "condition": None, "nodes": [
                _order("buy_order", {"ref": "input.quantity"}),
                _status("buy_status_ok", "Order placed successfully"),
                {"id": "buy_maybe", "name": "Maybe Explode", "type": "condition", "branches": [
                    {"id": "buy_explode", "name": "Explode", "condition": {"input.explode": {"_eq": True}},
                     "nodes": [{"id": "buy_boom", "name": "Boom", "type": "raise_error", "message": "exploded after ordering"}]},
                ]},
            ]},
        ]},
    ],
    "output": {"status": {"ref": "var.status"}},
}

TEST_FLOWS: list[dict[str, Any]] = [
    BUY_FLOW,
    {
        "id": "order_then_raise",
        "name": "Order Then Raise",
        "inputs": PRODUCT_INPUT,
        "nodes": [_order("otr_order"), {"id": "otr_fail", "name": "Fail", "type": "raise_error", "message": "Something went wrong"}],
        "output": {"id": {"ref": "node.otr_order.id"}},
    },
    {
        "id": "deduct_then_bad_insert",
        "name": "Deduct Then Bad Insert",
        "inputs": PRODUCT_INPUT,
        "nodes": [
            {
                "id": "dbi_deduct",
                "name": "Deduct Stock",
                "type": "update",
                "table": "tbl_product",
                "filter": {"id": {"_eq": {"ref": "input.product_id"}}},
                "decrement": {"stock": 1},
            },
            {
                "id": "dbi_order",
                "name": "Create Order",
                "type": "insert",
                "table": "tbl_order",
                "values": {"product_id": 987654321, "quantity": 1},
            },
        ],
    },
    {
        # Blocks on a row lock held elsewhere after its first insert: timeouts and crashes.
        "id": "order_then_wait",
        "name": "Order Then Wait",
        "inputs": PRODUCT_INPUT,
        "timeout_ms": 800,
        "nodes": [_order("otw_order"), _touch_product("otw_touch", "Touch Locked Product")],
        "output": {"order_id": {"ref": "node.otw_order.id"}},
    },
    {
        "id": "order_then_wait_long",
        "name": "Order Then Wait Long",
        "inputs": PRODUCT_INPUT,
        "timeout_ms": 120000,
        "nodes": [_order("otwl_order"), _touch_product("otwl_touch", "Touch Locked Product")],
        "output": {"order_id": {"ref": "node.otwl_order.id"}},
    },
    {
        "id": "sum_items",
        "name": "Sum Items",
        "inputs": [{"name": "items", "type": "bigint", "list": True, "required": True}],
        "variables": [{"name": "total", "type": "bigint", "default": 0}, {"name": "last_index", "type": "bigint"}],
        "nodes": [
            {
                "id": "each",
                "name": "Each Item",
                "type": "loop",
                "over": {"ref": "input.items"},
                "max_iterations": 5,
                "nodes": [
                    {
                        "id": "accumulate",
                        "name": "Accumulate",
                        "type": "set_variable",
                        "assignments": {
                            "total": {"add": [{"ref": "var.total"}, {"ref": "loop.each.item"}]},
                            "last_index": {"ref": "loop.each.index"},
                        },
                    }
                ],
            }
        ],
        "output": {"total": {"ref": "var.total"}, "last_index": {"ref": "var.last_index"}},
    },
    {
        "id": "spin",
        "name": "Spin",
        "timeout_ms": 100,
        "inputs": [{"name": "items", "type": "bigint", "list": True, "required": True}],
        "variables": [{"name": "total", "type": "bigint", "default": 0}],
        "nodes": [
            {
                "id": "spin_each",
                "name": "Each",
                "type": "loop",
                "over": {"ref": "input.items"},
                "max_iterations": 100000,
                "nodes": [
                    {"id": "spin_add", "name": "Add", "type": "set_variable", "assignments": {"total": {"add": [{"ref": "var.total"}, 1]}}},
                    {"id": "spin_add_again", "name": "Add Again", "type": "set_variable", "assignments": {"total": {"add": [{"ref": "var.total"}, {"ref": "loop.spin_each.item"}]}}},
                ],
            }
        ],
        "output": {"total": {"ref": "var.total"}},
    },
    {
        "id": "wrap_place_order",
        "name": "Wrap Place Order",
        "inputs": [
            {"name": "product_id", "type": "bigint", "required": True},
            {"name": "quantity", "type": "bigint", "required": True},
            {"name": "fail_after", "type": "boolean", "required": False},
        ],
        "nodes": [
            {
                "id": "wpo_inner",
                "name": "Run Place Order",
                "type": "run_actionflow",
                "actionflow": "place_order",
                "args": {"product_id": {"ref": "input.product_id"}, "quantity": {"ref": "input.quantity"}},
            },
            {
                "id": "wpo_maybe_fail",
                "name": "Maybe Fail",
                "type": "condition",
                "branches": [
                    {
                        "id": "wpo_do_fail",
                        "name": "Fail",
                        "condition": {"input.fail_after": {"_eq": True}},
                        "nodes": [{"id": "wpo_fail", "name": "Fail", "type": "raise_error", "message": {"concat": ["after: ", {"ref": "node.wpo_inner.status"}]}}],
                    }
                ],
            },
        ],
        "output": {"inner_status": {"ref": "node.wpo_inner.status"}},
    },
    {
        "id": "product_info",
        "name": "Product Info",
        "inputs": PRODUCT_INPUT,
        "nodes": [
            {"id": "me", "name": "Me", "type": "get_current_account"},
            {
                "id": "find",
                "name": "Find Product",
                "type": "query",
                "table": "tbl_product",
                "filter": {"id": {"_eq": {"ref": "input.product_id"}}},
                "one": True,
            },
            {
                "id": "all",
                "name": "All Products",
                "type": "query",
                "table": "tbl_product",
                "order_by": [{"field": "stock", "direction": "desc"}],
                "limit": 2,
            },
        ],
        "output": {
            "found": {"ref": "node.find.found"},
            "stock": {"ref": "node.find.stock"},
            "name": {"ref": "node.find.product_name"},
            "top": {"ref": "node.all.rows"},
            "me": {"ref": "node.me.username"},
            "account_id": {"ref": "node.me.account_id"},
        },
    },
    {
        "id": "tag_hit",
        "name": "Tag Hit",
        "inputs": [{"name": "name", "type": "text", "required": True}],
        "variables": [{"name": "hits", "type": "bigint"}],
        "nodes": [
            {
                "id": "add_tag",
                "name": "Add Tag",
                "type": "insert",
                "table": "tbl_tag",
                "values": {"name": {"ref": "input.name"}, "hits": 1},
                "on_conflict": {"constraint": "field:name", "action": "nothing"},
            },
            {
                "id": "count_hit",
                "name": "Count Hit",
                "type": "condition",
                "branches": [
                    {
                        "id": "existed",
                        "name": "Existed",
                        "condition": {"node.add_tag.affected_rows": {"_eq": 0}},
                        "nodes": [
                            {
                                "id": "bump",
                                "name": "Bump",
                                "type": "update",
                                "table": "tbl_tag",
                                "filter": {"name": {"_eq": {"ref": "input.name"}}},
                                "increment": {"hits": 1},
                            },
                            {"id": "keep_bumped", "name": "Keep Hits", "type": "set_variable", "assignments": {"hits": {"ref": "node.bump.hits"}}},
                        ],
                    },
                    {
                        "id": "inserted",
                        "name": "Inserted",
                        "condition": None,
                        "nodes": [
                            {"id": "keep_inserted", "name": "Keep Hits", "type": "set_variable", "assignments": {"hits": {"ref": "node.add_tag.hits"}}},
                        ],
                    },
                ],
            },
        ],
        "output": {"inserted": {"ref": "node.add_tag.affected_rows"}, "hits": {"ref": "var.hits"}},
    },
    {
        "id": "drop_tag",
        "name": "Drop Tag",
        "inputs": [{"name": "name", "type": "text", "required": True}],
        "nodes": [{"id": "remove", "name": "Remove", "type": "delete", "table": "tbl_tag", "filter": {"name": {"_eq": {"ref": "input.name"}}}}],
        "output": {"deleted": {"ref": "node.remove.affected_rows"}},
    },
    {
        "id": "async_order",
        "name": "Async Order",
        "mode": "async",
        "inputs": PRODUCT_INPUT,
        "nodes": [_order("ao_order"), _touch_product("ao_touch", "Touch Locked Product")],
        "output": {"order_id": {"ref": "node.ao_order.id"}},
    },
    {
        "id": "async_fail",
        "name": "Async Fail",
        "mode": "async",
        "inputs": PRODUCT_INPUT,
        "nodes": [_order("af_order"), {"id": "af_fail", "name": "Fail", "type": "raise_error", "message": "async boom"}],
    },
]


def _set(node_id: str, **assignments: Any) -> dict[str, Any]:
    return {"id": node_id, "name": f"Set {node_id}", "type": "set_variable", "assignments": assignments}


# Flows for the differential test (compiled SQL function vs node by node): optional filter
# values (statement variants), every condition operator, branch outputs, row lists, updates
# with set + increment, on_conflict update, a raise_error message from an input.
DIFF_FLOWS: list[dict[str, Any]] = [
    {
        "id": "diff_lookup",
        "name": "Diff Lookup",
        "inputs": [{"name": "name", "type": "text"}, {"name": "min_stock", "type": "bigint"}, {"name": "price", "type": "decimal"}],
        "variables": [
            {"name": "label", "type": "text", "default": "none"},
            {"name": "count", "type": "bigint", "default": 0},
            {"name": "copy", "type": "text"},
            {"name": "cheap", "type": "boolean"},
        ],
        "nodes": [
            {
                "id": "dl_find",
                "name": "Find By Name",
                "type": "query",
                "table": "tbl_product",
                "filter": {"product_name": {"_eq": {"ref": "input.name"}}, "stock": {"_gte": {"ref": "input.min_stock"}}},
                "order_by": [{"field": "id"}],
                "limit": 5,
            },
            {
                "id": "dl_one",
                "name": "Dearest Below Price",
                "type": "query",
                "table": "tbl_product",
                "filter": {"price": {"_lte": {"ref": "input.price"}}},
                "order_by": [{"field": "price", "direction": "desc"}],
                "one": True,
            },
            {
                "id": "dl_branch",
                "name": "Classify",
                "type": "condition",
                "branches": [
                    {"id": "dl_cheap", "name": "Cheap", "condition": {"node.dl_one.price": {"_lt": 30, "_gte": "0.5"}},
                     "nodes": [_set("dl_set_cheap", label="cheap", cheap=True)]},
                    {"id": "dl_named", "name": "Named",
                     "condition": {"_or": [{"input.name": {"_in": ["Vinyl Record", "Festival Ticket"]}}, {"input.name": {"_gt": "M", "_neq": "Zebra"}}]},
                     "nodes": [_set("dl_set_named", label={"ref": "node.dl_one.product_name"})]},
                    {"id": "dl_missing", "name": "Missing", "condition": {"_not": {"node.dl_one.found": {"_eq": True}}},
                     "nodes": [_set("dl_set_missing", label="missing", cheap=False)]},
                    {"id": "dl_other", "name": "Other", "condition": {"input.min_stock": {"_nin": [1, 2]}, "input.price": {"_is_null": False}},
                     "nodes": [_set("dl_set_other", copy="other")]},
                ],
            },
            _set("dl_swap", count={"ref": "node.dl_one.stock"}, copy={"ref": "var.label"}, label={"ref": "node.dl_one.id"}),
        ],
        "output": {
            "rows": {"ref": "node.dl_find.rows"},
            "first_stock": {"ref": "node.dl_find.rows.0.stock"},
            "one_name": {"ref": "node.dl_one.product_name"},
            "one_price": {"ref": "node.dl_one.price"},
            "one_created": {"ref": "node.dl_one.created_at"},
            "found": {"ref": "node.dl_one.found"},
            "label": {"ref": "var.label"},
            "copy": {"ref": "var.copy"},
            "count": {"ref": "var.count"},
            "cheap": {"ref": "var.cheap"},
            "echo": {"concat": [{"ref": "input.name"}, "/", {"ref": "var.label"}]},
        },
    },
    {
        "id": "diff_restock",
        "name": "Diff Restock",
        "inputs": [
            {"name": "product_id", "type": "bigint", "required": True},
            {"name": "add", "type": "bigint"},
            {"name": "price", "type": "decimal"},
            {"name": "tag", "type": "text"},
            {"name": "fail", "type": "text"},
        ],
        "nodes": [
            {
                "id": "dr_update",
                "name": "Restock",
                "type": "update",
                "table": "tbl_product",
                "filter": {"id": {"_eq": {"ref": "input.product_id"}}},
                "set": {"price": {"ref": "input.price"}},
                "increment": {"stock": {"ref": "input.add"}},
            },
            {
                "id": "dr_tag",
                "name": "Tag Restock",
                "type": "insert",
                "table": "tbl_tag",
                "values": {"name": {"ref": "input.tag"}, "hits": {"ref": "node.dr_update.stock"}},
                "on_conflict": {"constraint": "field:name", "action": "update", "update_fields": ["hits"]},
            },
            {
                "id": "dr_check",
                "name": "Maybe Fail",
                "type": "condition",
                "branches": [{"id": "dr_fail", "name": "Fail", "condition": {"input.fail": {"_is_null": False}},
                              "nodes": [{"id": "dr_raise", "name": "Raise", "type": "raise_error", "message": {"ref": "input.fail"}}]}],
            },
        ],
        "output": {
            "returning": {"ref": "node.dr_update.returning"},
            "affected": {"ref": "node.dr_update.affected_rows"},
            "tag_id": {"ref": "node.dr_tag.id"},
            "hits": {"ref": "node.dr_tag.hits"},
        },
    },
    {
        "id": "diff_cleanup",
        "name": "Diff Cleanup",
        "inputs": [{"name": "name", "type": "text"}],
        "nodes": [
            {"id": "dc_me", "name": "Me", "type": "get_current_account"},
            {"id": "dc_delete", "name": "Delete Tags", "type": "delete", "table": "tbl_tag", "filter": {"name": {"_eq": {"ref": "input.name"}}}},
        ],
        "output": {"deleted": {"ref": "node.dc_delete.affected_rows"}, "returning": {"ref": "node.dc_delete.returning"},
                   "who": {"ref": "node.dc_me.username"}, "role": {"ref": "session.role"}},
    },
]


def test_definition(*, user_flows: tuple[str, ...] = ("place_order", "product_info", "async_order")) -> dict[str, Any]:
    """The sample definition plus the test flows; ``user`` may invoke ``user_flows``, ``anonymous`` async_order."""
    data = copy.deepcopy(json.loads(SAMPLE.read_text()))
    data["tables"].append(copy.deepcopy(TAG_TABLE))
    data["actionflows"].extend(copy.deepcopy(TEST_FLOWS + DIFF_FLOWS))
    data["permissions"]["actionflows"] = {"user": list(user_flows), "anonymous": ["async_order"]}
    return data


def write_test_project(project_dir: Path) -> None:
    """Overwrite ``project_dir/app.json`` with the test definition."""
    (project_dir / "app.json").write_text(json.dumps(test_definition(), indent=2))
