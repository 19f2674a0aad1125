"""Evaluate JSON expressions and value conditions (see ``builder.expressions``).

Shared by the actionflow engine and the page renderer (the page runtime has a
JavaScript twin in ``runtime/static``). Pure interpretation of a tree: nothing
is ever passed to ``eval``.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Mapping
from typing import Any

from builder.expressions import is_ref

ResolveRef = Callable[[str], Any]


class ExpressionError(ValueError):
    """An expression cannot be evaluated (unknown operator, wrong operand)."""


def lookup(scope: Mapping[str, Any], path: str) -> Any:
    """Follow a dotted path through nested mappings; missing keys give None."""
    value: Any = scope
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit():
            index = int(part)
            value = value[index] if index < len(value) else None
        else:
            return None
    return value


def _number(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        raise ExpressionError(f"{value!r} is not a number")
    if isinstance(value, (int, float, decimal.Decimal)):
        return value
    try:
        return decimal.Decimal(str(value))
    except decimal.InvalidOperation as exc:
        raise ExpressionError(f"{value!r} is not a number") from exc


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _compare(a: Any, b: Any) -> tuple[Any, Any]:
    if isinstance(a, (int, float, decimal.Decimal)) and not isinstance(a, bool) and isinstance(b, str):
        return _number(a), _number(b)
    if isinstance(b, (int, float, decimal.Decimal)) and not isinstance(b, bool) and isinstance(a, str):
        return _number(a), _number(b)
    if isinstance(a, float) and isinstance(b, decimal.Decimal):
        return decimal.Decimal(str(a)), b
    if isinstance(b, float) and isinstance(a, decimal.Decimal):
        return a, decimal.Decimal(str(b))
    return a, b


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return False
        x, y = _compare(a, b)
        try:
            return op(x, y)
        except TypeError as exc:
            raise ExpressionError(f"cannot compare {a!r} with {b!r}") from exc

    return compare


def _eq(a: Any, b: Any) -> bool:
    x, y = _compare(a, b)
    return x == y


def _div(a: Any, b: Any) -> Any:
    a, b = _number(a), _number(b)
    if b == 0:
        raise ExpressionError("division by zero")
    return decimal.Decimal(str(a)) / decimal.Decimal(str(b))


_OPERATORS: dict[str, Callable[[list[Any]], Any]] = {
    "concat": lambda args: "".join(_text(a) for a in args),
    "add": lambda args: sum((_number(a) for a in args), 0),
    "sub": lambda args: _number(args[0]) - _number(args[1]),
    "mul": lambda args: _product(args),
    "div": lambda args: _div(args[0], args[1]),
    "neg": lambda args: -_number(args[0]),
    "coalesce": lambda args: next((a for a in args if a is not None), None),
    "not": lambda args: not bool(args[0]),
    "and": lambda args: all(bool(a) for a in args),
    "or": lambda args: any(bool(a) for a in args),
    "eq": lambda args: _eq(args[0], args[1]),
    "neq": lambda args: not _eq(args[0], args[1]),
    "gt": lambda args: _ordered(lambda x, y: x > y)(args[0], args[1]),
    "gte": lambda args: _ordered(lambda x, y: x >= y)(args[0], args[1]),
    "lt": lambda args: _ordered(lambda x, y: x < y)(args[0], args[1]),
    "lte": lambda args: _ordered(lambda x, y: x <= y)(args[0], args[1]),
    "is_null": lambda args: args[0] is None,
    "to_text": lambda args: _text(args[0]),
    "now": lambda args: dt.datetime.now(dt.UTC),
}


def _product(args: list[Any]) -> Any:
    result: Any = 1
    for a in args:
        result = result * _number(a)
    return result


def evaluate(expression: Any, resolve: ResolveRef) -> Any:
    """The value of ``expression``; refs are looked up with ``resolve``."""
    if is_ref(expression):
        return resolve(expression["ref"])
    if isinstance(expression, list):
        return [evaluate(item, resolve) for item in expression]
    if isinstance(expression, dict):
        if len(expression) == 1 and "literal" in expression:
            return expression["literal"]
        if len(expression) != 1:
            raise ExpressionError(f"an expression object must have exactly one operator, got {sorted(expression)}")
        ((op, args),) = expression.items()
        if op not in _OPERATORS:
            raise ExpressionError(f"unknown operator `{op}`")
        values = [evaluate(a, resolve) for a in (args if isinstance(args, list) else [args])]
        return _OPERATORS[op](values)
    return expression


_CONDITION_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "_eq": lambda a, b: _eq(a, b),
    "_neq": lambda a, b: not _eq(a, b),
    "_gt": _ordered(lambda x, y: x > y),
    "_gte": _ordered(lambda x, y: x >= y),
    "_lt": _ordered(lambda x, y: x < y),
    "_lte": _ordered(lambda x, y: x <= y),
    "_in": lambda a, b: any(_eq(a, x) for x in (b or [])),
    "_nin": lambda a, b: not any(_eq(a, x) for x in (b or [])),
    "_is_null": lambda a, b: (a is None) == bool(b),
}


def holds(condition: Mapping[str, Any] | None, resolve: ResolveRef) -> bool:
    """Whether a value condition holds; keys are reference paths (``input.quantity``).

    An empty condition holds. Unlike table filters, comparing with null is false
    (``_is_null`` tests for null), so "quantity > 0" is false for a missing quantity.
    """
    if not condition:
        return True
    for key, value in condition.items():
        if key == "_and":
            if not all(holds(part, resolve) for part in value or []):
                return False
        elif key == "_or":
            if not any(holds(part, resolve) for part in value or []):
                return False
        elif key == "_not":
            if holds(value, resolve):
                return False
        else:
            actual = resolve(key)
            for op, operand in (value or {}).items():
                check = _CONDITION_OPS.get(op)
                if check is None:
                    raise ExpressionError(f"unknown operator `{op}` in a condition")
                expected = evaluate(operand, resolve)
                if op not in ("_is_null", "_eq", "_neq") and (actual is None or expected is None):
                    return False
                if not check(actual, expected):
                    return False
    return True
