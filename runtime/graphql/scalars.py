"""The scalars of the generated schema, named as in Hasura: bigint, numeric, timestamptz, date, jsonb, JSON.

Each scalar is built per schema (graphql-core wants one instance per name inside
a schema; separate schemas may share them, but building is cheap and keeps
nothing global). Parsing is strict: a wrong type is a validation error naming the
value, never a database error later.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLScalarType,
    GraphQLString,
    ValueNode,
)
from graphql.language import FloatValueNode, IntValueNode, StringValueNode
from graphql.utilities import value_from_ast_untyped

from builder.definition import FieldType

BIGINT_RANGE = (-(2**63), 2**63 - 1)


def _bigint(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("bigint expects an integer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValueError(f"bigint expects an integer, got {value!r}") from None
    if not isinstance(value, int):
        raise ValueError(f"bigint expects an integer, got {value!r}")
    if not BIGINT_RANGE[0] <= value <= BIGINT_RANGE[1]:
        raise ValueError(f"{value} is out of the bigint range")
    return value


def _bigint_literal(node: ValueNode, _variables: Any = None) -> int:
    if isinstance(node, (IntValueNode, StringValueNode)):
        return _bigint(node.value)
    raise ValueError("bigint expects an integer")


def _numeric(value: Any) -> decimal.Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, decimal.Decimal)):
        raise ValueError(f"numeric expects a number, got {value!r}")
    try:
        result = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise ValueError(f"numeric expects a number, got {value!r}") from None
    if not result.is_finite():
        raise ValueError("numeric expects a finite number")
    return result


def _numeric_literal(node: ValueNode, _variables: Any = None) -> decimal.Decimal:
    if isinstance(node, (IntValueNode, FloatValueNode, StringValueNode)):
        return _numeric(node.value)
    raise ValueError("numeric expects a number")


def _temporal(parse: Callable[[str], Any], kind: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"{kind} expects an ISO-8601 string, got {value!r}")
        try:
            parse(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is not a valid {kind} (use ISO-8601)") from None
        return value

    return check


def _string_literal(check: Callable[[Any], str]) -> Callable[..., str]:
    def literal(node: ValueNode, _variables: Any = None) -> str:
        if isinstance(node, StringValueNode):
            return check(node.value)
        raise ValueError("expected a string")

    return literal


def _json_literal(node: ValueNode, variables: Any = None) -> Any:
    return value_from_ast_untyped(node, variables)


def _identity(value: Any) -> Any:
    return value


def _serialize_number(value: Any) -> Any:
    return value


def build_scalars() -> dict[str, GraphQLScalarType]:
    """Fresh instances of every scalar a schema may use, by name."""
    timestamptz = _temporal(datetime.datetime.fromisoformat, "timestamptz")
    date = _temporal(datetime.date.fromisoformat, "date")
    custom = {
        "bigint": GraphQLScalarType("bigint", serialize=_serialize_number, parse_value=_bigint, parse_literal=_bigint_literal,
                                    description="64-bit integer"),
        "numeric": GraphQLScalarType("numeric", serialize=_serialize_number, parse_value=_numeric, parse_literal=_numeric_literal,
                                     description="Exact decimal number"),
        "timestamptz": GraphQLScalarType("timestamptz", serialize=str, parse_value=timestamptz, parse_literal=_string_literal(timestamptz),
                                         description="Timestamp with time zone (ISO-8601)"),
        "date": GraphQLScalarType("date", serialize=str, parse_value=date, parse_literal=_string_literal(date),
                                  description="Calendar date (YYYY-MM-DD)"),
        "jsonb": GraphQLScalarType("jsonb", serialize=_identity, parse_value=_identity, parse_literal=_json_literal,
                                   description="Any JSON value, stored as jsonb"),
        "JSON": GraphQLScalarType("JSON", serialize=_identity, parse_value=_identity, parse_literal=_json_literal,
                                  description="Any JSON value"),
    }
    standard = {"String": GraphQLString, "Boolean": GraphQLBoolean, "Int": GraphQLInt, "Float": GraphQLFloat, "ID": GraphQLID}
    return {**custom, **standard}


# The GraphQL scalar of each field type of the definition.
FIELD_SCALARS: dict[FieldType, str] = {
    "text": "String",
    "bigint": "bigint",
    "decimal": "numeric",
    "boolean": "Boolean",
    "timestamptz": "timestamptz",
    "date": "date",
    "jsonb": "jsonb",
}

NUMERIC_TYPES: frozenset[str] = frozenset({"bigint", "decimal"})
ORDERED_TYPES: frozenset[str] = frozenset({"bigint", "decimal", "text", "timestamptz", "date"})  # max/min make sense
