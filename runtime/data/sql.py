"""Building SQL safely: identifiers are always quoted, values are always parameters.

``Params`` hands out named placeholders; a value never becomes SQL text.
"""

from __future__ import annotations

import decimal
import json
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from builder.definition import FieldType
from runtime.types import BadUserInput

PG_TYPES: dict[str, str] = {
    "text": "text",
    "bigint": "bigint",
    "decimal": "numeric",
    "boolean": "boolean",
    "timestamptz": "timestamptz",
    "date": "date",
    "jsonb": "jsonb",
}


class Params:
    """Collects parameter values and returns placeholders (``%(p0)s``) for them."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any, pg_type: str | None = None) -> sql.Composable:
        name = f"p{len(self.values)}"
        self.values[name] = value
        placeholder = sql.Placeholder(name)
        if pg_type:
            return sql.SQL("{}::{}").format(placeholder, sql.SQL(pg_type))
        return placeholder


def ident(*parts: str) -> sql.Composable:
    """A quoted, possibly qualified identifier (``"order"``, ``t0."stock"``)."""
    return sql.Identifier(*parts)


def coerce_value(value: Any, field_type: FieldType, where: str) -> Any:
    """Convert a JSON value to what psycopg sends for a column of ``field_type``.

    ``where`` names the offending field in the error message.
    """
    if value is None:
        return None
    try:
        if field_type == "bigint":
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValueError
                value = int(value)
            result = int(str(value).strip()) if isinstance(value, str) else int(value)
            if not -(2**63) <= result < 2**63:
                raise ValueError
            return result
        if field_type == "decimal":
            if isinstance(value, bool):
                raise ValueError
            result = decimal.Decimal(str(value))
            if not result.is_finite():
                raise ValueError
            return result
        if field_type == "boolean":
            if isinstance(value, bool):
                return value
            raise ValueError
        if field_type == "jsonb":
            return Jsonb(value)
        if field_type in ("text", "timestamptz", "date"):
            if isinstance(value, (dict, list)):
                raise ValueError
            return str(value) if not isinstance(value, str) else value
    except (ValueError, TypeError, decimal.InvalidOperation):
        pass
    raise BadUserInput(f"{where}: {json.dumps(value, default=str)[:80]} is not a valid {field_type} value")
