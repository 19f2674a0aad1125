"""Flow expressions and value conditions as SQL, with the interpreter's semantics.

Only what maps exactly is compiled: references, constants, and conditions
between values of compatible types (numbers with numbers, text with text,
booleans with booleans). Comparisons follow ``runtime.expressions.holds``: a
comparison with null is false except ``_eq``/``_neq``/``_is_null``, text orders
by code point (``COLLATE "C"``). Anything else raises ``NotCompilable``.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from builder.expressions import is_ref
from runtime.actionflows.sqlflow.scope import SQL_TYPES, Scope
from runtime.actionflows.sqlflow.types import NotCompilable, Slot
from runtime.actionflows.values import coerce
from runtime.types import BadUserInput

NUMBERS = frozenset({"bigint", "decimal"})
_ORDERED = {"_gt": ">", "_gte": ">=", "_lt": "<", "_lte": "<="}
# Conversions to a variable's type that ``values.coerce`` makes exactly as a SQL cast does.
_TO_VARIABLE = {("bigint", "decimal"), ("bigint", "text"), ("decimal", "text"), ("boolean", "text")}
_MISSING = object()


@dataclass(frozen=True)
class Value:
    """A compiled expression: a slot, or a constant known at compile time."""

    slot: Slot | None = None
    constant: Any = _MISSING

    @property
    def is_constant(self) -> bool:
        return self.slot is None


def value_of(expression: Any, scope: Scope) -> Value:
    if is_ref(expression):
        return Value(slot=scope.resolve(expression["ref"]))
    if isinstance(expression, dict):
        if len(expression) == 1 and "literal" in expression:
            return Value(constant=expression["literal"])
        raise NotCompilable("an operator expression")
    if isinstance(expression, list):
        items = [value_of(item, scope) for item in expression]
        if not all(item.is_constant for item in items):
            raise NotCompilable("a list of flow values")
        return Value(constant=[item.constant for item in items])
    return Value(constant=expression)


def typed(value: Value, type_: str, scope: Scope, what: str) -> sql.Composable:
    """``value`` converted to a variable of ``type_`` as ``values.coerce`` would."""
    if value.slot is None:
        try:
            converted = coerce(value.constant, type_, False, what)  # type: ignore[arg-type]
        except BadUserInput as exc:
            raise NotCompilable(exc.message) from None
        return sql.SQL("{}::{}").format(scope.constant(converted, SQL_TYPES[type_]), sql.SQL(SQL_TYPES[type_]))
    slot = value.slot
    if slot.type == type_:
        return slot.sql
    if (slot.type, type_) in _TO_VARIABLE:
        return sql.SQL("({})::{}").format(slot.sql, sql.SQL(SQL_TYPES[type_]))
    raise NotCompilable(f"a {slot.type} value for {what} of type {type_}")


def message_text(value: Value, scope: Scope) -> sql.Composable:
    """A ``raise_error`` message as the interpreter renders it (null: empty)."""
    if value.slot is None:
        constant = value.constant
        text = constant if isinstance(constant, str) else "" if constant is None else json.dumps(constant, default=str)
        return scope.constant(text, "text")
    if value.slot.type == "text":
        return sql.SQL("coalesce({}, '')").format(value.slot.sql)
    if value.slot.type in ("bigint", "boolean"):
        return sql.SQL("coalesce(({})::text, '')").format(value.slot.sql)
    raise NotCompilable(f"a {value.slot.type} error message")


# ---------------------------------------------------------------- conditions


def condition_sql(condition: Mapping[str, Any] | None, scope: Scope) -> sql.Composable:
    """A boolean expression that is never null, true exactly when ``holds`` is."""
    if not condition:
        return sql.SQL("TRUE")
    if not isinstance(condition, Mapping):
        raise NotCompilable("a condition that is not an object")
    parts: list[sql.Composable] = []
    for key, value in condition.items():
        if key in ("_and", "_or"):
            if value is not None and not isinstance(value, list):
                raise NotCompilable(f"`{key}` without a list")
            inner = [condition_sql(part, scope) for part in value or []]
            empty = "TRUE" if key == "_and" else "FALSE"
            parts.append(_join(inner, "AND" if key == "_and" else "OR", empty))
        elif key == "_not":
            parts.append(sql.SQL("NOT ({})").format(condition_sql(value, scope)))
        else:
            actual = scope.resolve(key)
            if value is not None and not isinstance(value, Mapping):
                raise NotCompilable(f"a condition on `{key}` that is not an object of operators")
            for op, operand in (value or {}).items():
                parts.append(_comparison(op, actual, value_of(operand, scope), scope))
    return _join(parts, "AND", "TRUE")


def _comparison(op: str, actual: Slot, expected: Value, scope: Scope) -> sql.Composable:
    a = actual.sql
    if op == "_is_null":
        if not expected.is_constant:
            raise NotCompilable("`_is_null` with a flow value")
        return sql.SQL("({} IS NULL)" if bool(expected.constant) else "({} IS NOT NULL)").format(a)
    if op in ("_eq", "_neq"):
        if expected.is_constant and expected.constant is None:
            return sql.SQL("({} IS NULL)" if op == "_eq" else "({} IS NOT NULL)").format(a)
        b = _operand(actual, expected, scope)
        return sql.SQL("({} IS NOT DISTINCT FROM {})" if op == "_eq" else "({} IS DISTINCT FROM {})").format(a, b)
    if op in _ORDERED:
        if expected.is_constant and expected.constant is None:
            return sql.SQL("FALSE")
        b = _operand(actual, expected, scope)
        if actual.type == "text":
            a = sql.SQL('{} COLLATE "C"').format(a)
        return sql.SQL("coalesce({} {} {}, FALSE)").format(a, sql.SQL(_ORDERED[op]), b)
    if op in ("_in", "_nin"):
        items = expected.constant if expected.is_constant else None
        if not isinstance(items, list) or any(item is None for item in items):
            raise NotCompilable(f"`{op}` without a list of values")
        converted = [_constant_for(actual, item) for item in items]
        if actual.type in NUMBERS:  # one element type for the array parameter
            converted = [decimal.Decimal(item) if isinstance(item, int) else item for item in converted]
        array_type = ("numeric" if actual.type in NUMBERS else SQL_TYPES[actual.type]) + "[]"
        array = sql.SQL("{}::{}").format(scope.constant(converted, array_type), sql.SQL(array_type))
        form = "coalesce({} = ANY({}), FALSE)" if op == "_in" else "coalesce({} <> ALL({}), FALSE)"
        return sql.SQL(form).format(a, array)
    raise NotCompilable(f"operator `{op}`")


def _operand(actual: Slot, expected: Value, scope: Scope) -> sql.Composable:
    """The compared value, of a type that compares with ``actual`` as Python's comparison does."""
    if expected.slot is not None:
        other = expected.slot
        if (actual.type in NUMBERS and other.type in NUMBERS) or (actual.type == other.type and actual.type in ("text", "boolean")):
            return other.sql
        raise NotCompilable(f"comparing {actual.type} with {other.type}")
    value = _constant_for(actual, expected.constant)
    if actual.type in NUMBERS:
        small = isinstance(value, int) and -(2**63) <= value < 2**63
        sql_type = "bigint" if small and actual.type == "bigint" else "numeric"
    else:
        sql_type = SQL_TYPES[actual.type]
    return sql.SQL("{}::{}").format(scope.constant(value, sql_type), sql.SQL(sql_type))


def _constant_for(actual: Slot, constant: Any) -> Any:
    """``constant`` as a value comparable with ``actual`` in SQL, when Python compares them alike."""
    if actual.type in NUMBERS:
        if isinstance(constant, bool):
            raise NotCompilable("comparing a number with true/false")
        if isinstance(constant, int):
            return constant
        if isinstance(constant, (float, str, decimal.Decimal)):
            try:
                number = decimal.Decimal(str(constant).strip() if isinstance(constant, str) else str(constant))
            except decimal.InvalidOperation:
                raise NotCompilable(f"comparing a number with {constant!r}") from None
            if not number.is_finite():
                raise NotCompilable("comparing with a number that is not finite")
            return number
        raise NotCompilable(f"comparing a number with {constant!r}")
    if actual.type == "text" and isinstance(constant, str):
        return constant
    if actual.type == "boolean" and isinstance(constant, bool):
        return constant
    raise NotCompilable(f"comparing a {actual.type} value with {constant!r}")


def _join(parts: list[sql.Composable], word: str, empty: str) -> sql.Composable:
    if not parts:
        return sql.SQL(empty)
    if len(parts) == 1:
        return parts[0]
    return sql.SQL("(") + sql.SQL(f" {word} ").join(parts) + sql.SQL(")")
