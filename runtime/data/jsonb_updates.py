"""Hasura's jsonb operators of ``update_T``: ``_append``, ``_prepend``, ``_delete_key``, ``_delete_elem``, ``_delete_at_path``.

``assignments(params, table, changes, what)`` turns the operators present in ``changes``
(operator -> {column: value}) into ``column = <expression>`` SQL, every value a bind
parameter: ``||`` to append or prepend a JSON value, ``-`` a key or an array element,
``#-`` a path. A column that is not JSON, or named by two operators, is a BadUserInput.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from psycopg import sql

from builder.resolved import ResolvedTable
from runtime.data.sql import Params, coerce_value, ident
from runtime.types import BadUserInput


def _json(where: str) -> Callable[[Any], Any]:
    return lambda value: coerce_value(value, "jsonb", where)


def _key(where: str) -> Callable[[Any], Any]:
    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise BadUserInput(f"{where} expects a key (a string)")
        return value

    return convert


def _index(where: str) -> Callable[[Any], Any]:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadUserInput(f"{where} expects an array index (an integer)")
        return value

    return convert


def _path(where: str) -> Callable[[Any], Any]:
    def convert(value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadUserInput(f"{where} expects a path (a list of strings)")
        return value

    return convert


# operator -> (coercer, PostgreSQL type of the parameter, SQL template with {column} and {value})
OPERATORS: dict[str, tuple[Callable[[str], Callable[[Any], Any]], str, str]] = {
    "_append": (_json, "jsonb", "{column} || {value}"),
    "_prepend": (_json, "jsonb", "{value} || {column}"),
    "_delete_key": (_key, "text", "{column} - {value}"),
    "_delete_elem": (_index, "integer", "{column} - {value}"),
    "_delete_at_path": (_path, "text[]", "{column} #- {value}"),
}


def assignments(params: Params, table: ResolvedTable, changes: Mapping[str, Any], what: str, taken: set[str]) -> list[sql.Composable]:
    """``column = expression`` for every jsonb operator in ``changes``; ``taken`` holds columns set already (and is updated)."""
    out: list[sql.Composable] = []
    for op, (coercer, pg_type, template) in OPERATORS.items():
        for column, raw in (changes.get(op) or {}).items():
            found = table.columns.get(column)
            if found is None or found.type != "jsonb":
                raise BadUserInput(f"{what}: `{op}` only applies to JSON fields; `{column}` is not one")
            if column in taken:
                raise BadUserInput(f"{what}: field `{column}` appears in more than one of _set, _inc and the JSON operators")
            taken.add(column)
            where = f"{what}, `{op}` on field {column}"
            value = params.add_input(raw, coercer(where), pg_type)
            out.append(sql.SQL("{} = ").format(ident(column)) + sql.SQL(template).format(column=ident("t", column), value=value))
    return out
