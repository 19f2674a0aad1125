"""Which actionflow nodes give one row, whose related data later nodes may read.

``node.q.product.name`` or ``node.q.orders_aggregate.aggregate.count`` read through the
relationships of the one row a node gives: a Query with *one*, an Insert (its new row)
or an Update by id (its row). The runtime returns those values from the node's own
statement (``runtime.data.related``); the designer's pickers offer them
(``designer_ui/js/refs.js``, same rule).
"""

from __future__ import annotations

from typing import Any


def by_id(condition: Any) -> bool:
    """A filter that names one row: ``{"id": {"_eq": ...}}``, alone or as a conjunct of a top-level ``_and``."""
    if not isinstance(condition, dict):
        return False
    if isinstance(condition.get("id"), dict) and "_eq" in condition["id"]:
        return True
    return any(by_id(part) for part in condition.get("_and") or [] if isinstance(condition.get("_and"), list))


def gives_one_row(node: Any) -> bool:
    """Nodes whose result is one row, so their row's related data may be read
    (``node.q.product.name``): Query with *one*, Insert, Update by id."""
    return (node.type == "query" and node.one) or node.type == "insert" or (node.type == "update" and by_id(node.filter))
