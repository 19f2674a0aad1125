"""A page list filter with its values filled in: search comparisons and empty conditions.

``where_value(condition, resolve)`` turns a page filter (``builder.expressions``)
into the ``where`` GraphQL receives:

- each compared expression becomes its value;
- ``_contains`` / ``_starts_with`` / ``_ends_with`` become ``_ilike`` with the
  visitor's ``%``, ``_`` and ``\\`` escaped, so they match as typed, in any case;
- a condition whose value is empty (null, ``""``, ``[]``) is left out when its
  ``_ignore_empty`` says so (absent: when the value reads an input).

``runtime/static/mm-expressions.js`` (``whereValue``) is the browser's twin; a
browser test checks both on the same filters.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any

from builder.expressions import IGNORE_EMPTY, PAGE_COMPARISONS, iter_refs
from runtime.expressions import evaluate

SEARCHES = {"_contains": ("%", "%"), "_starts_with": ("", "%"), "_ends_with": ("%", "")}


def escape_like(text: str) -> str:
    """``text`` as a LIKE pattern matching exactly itself (backslash is PostgreSQL's escape)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _reads_input(comparisons: dict[str, Any]) -> bool:
    return any(path.startswith("component.") for op, operand in comparisons.items() if op != IGNORE_EMPTY for path in iter_refs(operand))


def _comparisons(value: dict[str, Any], resolve: Callable[[str], Any]) -> dict[str, Any] | None:
    """The filled-in comparisons of one field; None when the condition is left out."""
    flag = value.get(IGNORE_EMPTY)
    ignore = flag if isinstance(flag, bool) else _reads_input(value)
    result: dict[str, Any] = {}
    for op, operand in value.items():
        if op == IGNORE_EMPTY:
            continue
        filled = _json_value(evaluate(operand, resolve))
        if ignore and is_empty(filled):
            continue
        if op in SEARCHES:
            before, after = SEARCHES[op]
            result["_ilike"] = None if filled is None else f"{before}{escape_like(str(filled))}{after}"
        else:
            result[op] = filled
    return result or None


def where_value(condition: Any, resolve: Callable[[str], Any]) -> Any:
    """A page filter with every compared expression replaced by its value (see the module doc)."""
    if not isinstance(condition, dict):
        return condition
    result: dict[str, Any] = {}
    for key, value in condition.items():
        if key in ("_and", "_or"):
            result[key] = [where_value(part, resolve) for part in value or []]
        elif key == "_not":
            result[key] = where_value(value, resolve)
        elif isinstance(value, dict) and any(op in PAGE_COMPARISONS or op == IGNORE_EMPTY for op in value):
            filled = _comparisons(value, resolve)
            if filled is not None:
                result[key] = filled
        elif isinstance(value, dict):
            nested = where_value(value, resolve)  # a relationship: its own bool-exp
            # an aggregate whose predicate was left out (empty value) is left out whole
            if nested and not ("predicate" in value and "predicate" not in nested):
                result[key] = nested
        else:
            result[key] = value
    return result


def _json_value(value: Any) -> Any:
    """Decimals from arithmetic become JSON numbers (integral) or decimal text."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value
