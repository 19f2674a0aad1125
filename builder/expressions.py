"""JSON expressions and boolean expressions: the value language of a definition.

An *expression* is one of
  - a JSON literal (string, number, boolean, null, list of expressions);
  - ``{"ref": "<path>"}`` — a reference resolved in the evaluation scope, e.g.
    ``input.quantity``, ``var.status``, ``node.update_product_stock.id``,
    ``session.account_id``, ``item.stock``, ``global.is_logged_in``,
    ``component.quantity_input.value``, ``result.status``;
  - ``{"literal": <any JSON>}`` — a literal that would otherwise look like an operator;
  - ``{"<op>": [<expression>, ...]}`` for an operator of ``OPERATORS``.

A *boolean expression* has the shape of a GraphQL ``where``:
``{"<key>": {"_eq": <expression>, ...}, "_and": [...], "_or": [...], "_not": {...}}``.
In table filters the key is a column or relationship name, or
``<array relationship>_aggregate`` comparing a total of related rows
(``{"orders_aggregate": {"count": {"filter": {...}, "predicate": {"_gt": 0}}}}``);
in flow and page conditions the key is a reference path (``input.quantity``).

Nothing here is ever evaluated as code: runtimes interpret these trees.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Expression = Any
BoolExp = dict[str, Any]

# Operators of the value language, with their arity (None = variadic).
OPERATORS: dict[str, int | None] = {
    "concat": None,
    "add": None,
    "sub": 2,
    "mul": None,
    "div": 2,
    "neg": 1,
    "coalesce": None,
    "not": 1,
    "and": None,
    "or": None,
    "eq": 2,
    "neq": 2,
    "gt": 2,
    "gte": 2,
    "lt": 2,
    "lte": 2,
    "is_null": 1,
    "to_text": 1,
    "now": 0,
}

# Comparison operators of boolean expressions.
COMPARISONS = ("_eq", "_neq", "_gt", "_gte", "_lt", "_lte", "_in", "_nin", "_is_null", "_like", "_ilike", "_nlike", "_nilike")
LOGICAL = ("_and", "_or", "_not")
# Text searches of page list filters (any case); the page runtime turns them into
# ``_ilike`` with ``%`` and ``_`` of the visitor's text escaped (``runtime.pages.search``).
SEARCH_COMPARISONS = ("_contains", "_starts_with", "_ends_with")
# A flag next to the comparisons of a page list filter: true drops the condition while
# its value is empty (null, "" or []); absent means true when the value reads an input.
IGNORE_EMPTY = "_ignore_empty"
PAGE_COMPARISONS = (*COMPARISONS, *SEARCH_COMPARISONS)
# Aggregation predicates of table filters (Hasura's ``<array relationship>_aggregate``):
# ``count`` (optionally of distinct ``arguments``) and, over one number field, the rest.
AGGREGATE_PREDICATES = ("count", "sum", "avg", "min", "max")
AGGREGATE_SUFFIX = "_aggregate"


def is_ref(value: Any) -> bool:
    """True when ``value`` is a ``{"ref": path}`` expression."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("ref"), str)


def iter_refs(expression: Expression) -> Iterator[str]:
    """Yield every reference path used inside an expression."""
    if isinstance(expression, list):
        for item in expression:
            yield from iter_refs(item)
    elif isinstance(expression, dict):
        if is_ref(expression):
            yield expression["ref"]
        elif "literal" in expression and len(expression) == 1:
            return
        else:
            for value in expression.values():
                yield from iter_refs(value)


def iter_bool_exp_keys(condition: BoolExp | None) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(key, comparisons)`` for every non-logical key of a boolean expression.

    For relationship filters the comparisons mapping is itself a boolean expression.
    """
    if not condition:
        return
    for key, value in condition.items():
        if key in ("_and", "_or"):
            for part in value or []:
                yield from iter_bool_exp_keys(part)
        elif key == "_not":
            yield from iter_bool_exp_keys(value)
        else:
            yield key, value


def iter_bool_exp_refs(condition: BoolExp | None) -> Iterator[str]:
    """Yield every reference path used as a key or a value in a boolean expression."""
    if not condition:
        return
    for key, value in condition.items():
        if key in ("_and", "_or"):
            for part in value or []:
                yield from iter_bool_exp_refs(part)
        elif key == "_not":
            yield from iter_bool_exp_refs(value)
        elif isinstance(value, dict):
            for op, operand in value.items():
                if op.startswith("_") and op in PAGE_COMPARISONS:
                    yield from iter_refs(operand)
                elif not op.startswith("_"):
                    yield from iter_bool_exp_refs({op: operand})
