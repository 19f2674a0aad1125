"""Building SQL safely: identifiers are always quoted, values are always parameters.

``Params`` hands out named placeholders; a value never becomes SQL text.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from builder.definition import FieldType
from runtime.types import BadUserInput

# Our UPDATEs keep updated_at current themselves: the row trigger (minimomen_touch_unset) then
# skips its function call. Every user table has the column.
TOUCH = sql.Composed([sql.SQL("updated_at = now()")])

PG_TYPES: dict[str, str] = {
    "text": "text",
    "bigint": "bigint",
    "decimal": "numeric",
    "boolean": "boolean",
    "timestamptz": "timestamptz",
    "date": "date",
    "jsonb": "jsonb",
}


@dataclass(frozen=True)
class VarRef:
    """A client value that comes from a request variable, bound anew on every execution.

    Compiled statements are cached per query text and variable *shape*; a value marked
    this way becomes a parameter whose value ``Params.bind`` recomputes from the
    variables of each request, so a cached statement never carries another request's values.
    """

    name: str


def has_var(value: Any) -> bool:
    if isinstance(value, VarRef):
        return True
    if isinstance(value, list):
        return any(has_var(v) for v in value)
    if isinstance(value, dict):
        return any(has_var(v) for v in value.values())
    return False


def substitute(value: Any, variables: Mapping[str, Any]) -> Any:
    """``value`` with every ``VarRef`` replaced by the variable's value."""
    if isinstance(value, VarRef):
        return variables.get(value.name)
    if isinstance(value, list):
        return [substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, variables) for k, v in value.items()}
    return value


class Params:
    """Collects parameter values and returns placeholders (``%(p0)s``) for them.

    ``variables`` are the request variables that ``VarRef`` values refer to.
    """

    def __init__(self, variables: Mapping[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = {}
        self.variables: Mapping[str, Any] = variables or {}
        self.late: dict[str, tuple[Any, Callable[[Any], Any]]] = {}

    def add(self, value: Any, pg_type: str | None = None) -> sql.Composable:
        name = f"p{len(self.values)}"
        self.values[name] = value
        placeholder = sql.Placeholder(name)
        if pg_type:
            return sql.SQL("{}::{}").format(placeholder, sql.SQL(pg_type))
        return placeholder

    def add_input(self, raw: Any, convert: Callable[[Any], Any], pg_type: str | None = None) -> sql.Composable:
        """A client value: ``convert`` checks and converts it; ``VarRef`` parts bind per execution."""
        if not has_var(raw):
            return self.add(convert(raw), pg_type)
        placeholder = self.add(convert(substitute(raw, self.variables)), pg_type)
        self.late[f"p{len(self.values) - 1}"] = (raw, convert)
        return placeholder

    def bind(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Parameter values for another execution of the same statement with ``variables``."""
        if not self.late:
            return self.values
        values = dict(self.values)
        for name, (raw, convert) in self.late.items():
            values[name] = convert(substitute(raw, variables))
        return values


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
            number = decimal.Decimal(str(value))
            if not number.is_finite():
                raise ValueError
            return number
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
