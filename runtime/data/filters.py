"""Compile a boolean expression (the shape of a GraphQL ``where``) into SQL.

One compiler for the API's ``where``, permission rules and actionflow filters.
Values must already be literals (``bind_refs`` resolves ``{"ref": ...}`` first).
Relationship keys become ``EXISTS`` subqueries and ``<array relationship>_aggregate``
keys compare a count or sum of related rows (``runtime.data.aggregate_filters``); the
related table's own row rule (``row_rule``) is applied inside them, so a filter cannot
reveal rows the caller may not see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from builder.expressions import is_ref
from builder.resolved import ResolvedProject, ResolvedTable
from runtime.data.aggregate_filters import aggregate_relationship, compile_aggregate
from runtime.data.sql import PG_TYPES, Params, VarRef, coerce_value, ident
from runtime.types import BadUserInput

RowRule = Callable[[ResolvedTable], "dict[str, Any] | None"]

def bind_refs(value: Any, resolve_ref: Callable[[str], Any]) -> Any:
    """Return ``value`` with every ``{"ref": path}`` replaced by ``resolve_ref(path)``."""
    if is_ref(value):
        return resolve_ref(value["ref"])
    if isinstance(value, dict):
        if len(value) == 1 and "literal" in value:
            return value["literal"]
        return {k: bind_refs(v, resolve_ref) for k, v in value.items()}
    if isinstance(value, list):
        return [bind_refs(v, resolve_ref) for v in value]
    return value


class FilterCompiler:
    """Compiles filters against one resolved project; aliases are generated per use."""

    def __init__(self, project: ResolvedProject, params: Params, row_rule: RowRule | None = None, columns_allowed: Callable[[ResolvedTable], frozenset[str] | None] | None = None):
        self.project = project
        self.params = params
        self.row_rule = row_rule
        self.columns_allowed = columns_allowed
        self._aliases = 0
        self._trusted = 0  # > 0 while compiling a permission rule
        # Table name -> what to read instead of the table (a statement that writes rows
        # and reads them back in the same statement points here at "table as written").
        self.sources: dict[str, sql.Composable] = {}

    def source(self, table: ResolvedTable) -> sql.Composable:
        """What ``FROM`` reads for ``table``: the table itself unless a statement overrides it."""
        return self.sources.get(table.name) or ident(table.name)

    def alias(self) -> str:
        self._aliases += 1
        return f"f{self._aliases}"

    def compile(self, table: ResolvedTable, alias: str, where: Mapping[str, Any] | None) -> sql.Composable:
        """SQL for ``where`` over ``table`` aliased ``alias``; ``TRUE`` when empty."""
        if not where:
            return sql.SQL("TRUE")
        if not isinstance(where, Mapping):
            raise BadUserInput(f"a filter on {table.name} must be an object, got {type(where).__name__}")
        parts = [self._key(table, alias, key, value) for key, value in where.items()]
        return _join(parts, "AND")

    def compile_rule(self, table: ResolvedTable, alias: str, rule: Mapping[str, Any] | None) -> sql.Composable:
        """SQL for a permission rule (the definition's own, not the client's): it may use
        columns the role cannot read, and sees every row of related tables."""
        self._trusted += 1
        try:
            return self.compile(table, alias, rule)
        finally:
            self._trusted -= 1

    def _key(self, table: ResolvedTable, alias: str, key: str, value: Any) -> sql.Composable:
        if key == "_and" or key == "_or":
            if not isinstance(value, list):
                raise BadUserInput(f"`{key}` on {table.name} expects a list of filters")
            parts = [self.compile(table, alias, part) for part in value]
            if not parts:
                return sql.SQL("TRUE")
            return _join(parts, "AND" if key == "_and" else "OR")
        if key == "_not":
            return sql.SQL("NOT ({})").format(self.compile(table, alias, value))
        if key in table.columns:
            self.check_column(table, key)
            return self._column(table, alias, key, value)
        if key in table.relationships:
            return self._relationship(table, alias, key, value)
        if (rel := aggregate_relationship(table, key)) is not None:
            return compile_aggregate(self, table, alias, rel, value)
        raise BadUserInput(f"field `{key}` does not exist on table {table.name}")

    def visible_rows(self, table: ResolvedTable) -> dict[str, Any] | None:
        """The row rule to AND in when reading related rows of ``table`` (none inside a permission rule)."""
        return self.row_rule(table) if self.row_rule and not self._trusted else None

    def check_column(self, table: ResolvedTable, column: str) -> None:
        if self.columns_allowed is None or self._trusted:
            return
        allowed = self.columns_allowed(table)
        if allowed is not None and column not in allowed:
            raise BadUserInput(f"field `{column}` does not exist on table {table.name}")

    def _column(self, table: ResolvedTable, alias: str, name: str, comparisons: Any) -> sql.Composable:
        if not isinstance(comparisons, Mapping):
            raise BadUserInput(f"filter on `{table.name}.{name}` must be an object of operators such as {{\"_eq\": ...}}")
        return self.compare_value(ident(alias, name), table.columns[name].type, f"filter on {table.name}.{name}", comparisons)

    def compare_value(self, target: sql.Composable, field_type: str, where: str, comparisons: Mapping[str, Any]) -> sql.Composable:
        """``target`` (a column, or an aggregate's subquery) against ``{"_gt": 2, ...}``."""
        column = Operand(target, field_type, where)
        parts: list[sql.Composable] = []
        for op, operand in comparisons.items():
            compile_op = OPERATORS.get(op)
            if compile_op is None:
                raise BadUserInput(f"{column.where}: unknown operator `{op}`")
            parts.append(compile_op(self.params, column, op, operand))
        return _join(parts, "AND") if parts else sql.SQL("TRUE")

    def _relationship(self, table: ResolvedTable, alias: str, name: str, where: Any) -> sql.Composable:
        rel = table.relationships[name]
        target = self.project.tables[rel.target]
        inner = self.alias()
        conditions = [
            sql.SQL("{} = {}").format(ident(inner, rel.remote_column), ident(alias, rel.local_column)),
            self.compile(target, inner, where),
        ]
        rule = self.visible_rows(target)
        if rule is not None:
            conditions.append(self.compile_rule(target, inner, rule))
        return sql.SQL("EXISTS (SELECT 1 FROM {} AS {} WHERE {})").format(self.source(target), ident(inner), _join(conditions, "AND"))


@dataclass(frozen=True)
class Operand:
    """The column an operator applies to: its SQL, field type, and a phrase for errors."""

    target: sql.Composable
    field_type: str
    where: str


OperatorCompiler = Callable[[Params, Operand, str, Any], sql.Composable]


def _compare(params: Params, column: Operand, op: str, operand: Any) -> sql.Composable:
    if operand is None:
        return sql.SQL("TRUE")  # Hasura/Momen: a comparison with null is no restriction
    value = params.add_input(operand, _coercer(column.field_type, column.where), PG_TYPES[column.field_type])
    return sql.SQL("{} {} {}").format(column.target, sql.SQL(_COMPARE[op]), value)


def _membership(params: Params, column: Operand, op: str, operand: Any) -> sql.Composable:
    if not isinstance(operand, (list, VarRef)):
        raise BadUserInput(f"{column.where}: `{op}` expects a list")
    array = params.add_input(operand, _list_coercer(column.field_type, column.where, op), PG_TYPES[column.field_type] + "[]")
    expr = sql.SQL("{} = ANY({})") if op == "_in" else sql.SQL("NOT ({} = ANY({}))")
    return expr.format(column.target, array)


def _is_null(params: Params, column: Operand, op: str, operand: Any) -> sql.Composable:
    if not isinstance(operand, bool):
        raise BadUserInput(f"{column.where}: `_is_null` expects true or false")
    return sql.SQL("{} IS NULL" if operand else "{} IS NOT NULL").format(column.target)


def _is_not_null(params: Params, column: Operand, op: str, operand: Any) -> sql.Composable:
    """Momen's ``_is_not_null: true``: the negation of ``_is_null``."""
    if not isinstance(operand, bool):
        raise BadUserInput(f"{column.where}: `_is_not_null` expects true or false")
    return sql.SQL("{} IS NOT NULL" if operand else "{} IS NULL").format(column.target)


def _cast(params: Params, column: Operand, op: str, operand: Any) -> sql.Composable:
    """Hasura's ``_cast: {String: {<text operators>}}``: a JSON column compared as its text."""
    if column.field_type != "jsonb":
        raise BadUserInput(f"{column.where}: `_cast` only applies to JSON fields")
    if not isinstance(operand, Mapping) or set(operand) != {"String"} or not isinstance(operand["String"], Mapping):
        raise BadUserInput(f"{column.where}: `_cast` expects {{String: {{<operators>}}}}")
    text = Operand(sql.SQL("({})::text").format(column.target), "text", f"{column.where} (cast to String)")
    parts = []
    for inner, value in operand["String"].items():
        compile_op = OPERATORS.get(inner)
        if compile_op is None or inner == "_cast":
            raise BadUserInput(f"{text.where}: unknown operator `{inner}`")
        parts.append(compile_op(params, text, inner, value))
    return _join(parts, "AND") if parts else sql.SQL("TRUE")


def _text_pattern(params: Params, column: Operand, op: str, operand: Any) -> sql.Composable:
    if column.field_type != "text":
        raise BadUserInput(f"{column.where}: `{op}` only applies to text fields")
    pattern = params.add_input(operand, _pattern(column.where, op), "text")
    return sql.SQL("{} {} {}").format(column.target, sql.SQL(_PATTERNS[op]), pattern)


def _jsonb_value(params: Params, column: Operand, op: str, operand: Any) -> sql.Composable:
    if column.field_type != "jsonb":
        raise BadUserInput(f"{column.where}: `{op}` only applies to JSON fields")
    if operand is None:
        raise BadUserInput(f"{column.where}: `{op}` expects a JSON value")
    value = params.add_input(operand, lambda v: coerce_value(v, "jsonb", column.where), "jsonb")
    return sql.SQL("{} {} {}").format(column.target, sql.SQL(_JSONB[op]), value)


def _jsonb_keys(params: Params, column: Operand, op: str, operand: Any) -> sql.Composable:
    if column.field_type != "jsonb":
        raise BadUserInput(f"{column.where}: `{op}` only applies to JSON fields")
    if op == "_has_key":
        key = params.add_input(operand, _pattern(column.where, op), "text")
        return sql.SQL("{} ? {}").format(column.target, key)
    keys = params.add_input(operand, _keys(column.where, op), "text[]")
    return sql.SQL("{} {} {}").format(column.target, sql.SQL(_JSONB[op]), keys)


_COMPARE = {"_eq": "=", "_neq": "<>", "_gt": ">", "_gte": ">=", "_lt": "<", "_lte": "<="}
_PATTERNS = {
    "_like": "LIKE", "_nlike": "NOT LIKE", "_ilike": "ILIKE", "_nilike": "NOT ILIKE",
    "_similar": "SIMILAR TO", "_nsimilar": "NOT SIMILAR TO",
    "_regex": "~", "_nregex": "!~", "_iregex": "~*", "_niregex": "!~*",
}
_JSONB = {"_contains": "@>", "_contained_in": "<@", "_has_keys_any": "?|", "_has_keys_all": "?&"}

# Every operator of a column filter, by name (values are always bind parameters).
OPERATORS: dict[str, OperatorCompiler] = {
    **{op: _compare for op in _COMPARE},
    "_in": _membership,
    "_nin": _membership,
    "_is_null": _is_null,
    "_is_not_null": _is_not_null,
    "_cast": _cast,
    **{op: _text_pattern for op in _PATTERNS},
    "_contains": _jsonb_value,
    "_contained_in": _jsonb_value,
    "_has_key": _jsonb_keys,
    "_has_keys_any": _jsonb_keys,
    "_has_keys_all": _jsonb_keys,
}


def _coercer(field_type: str, where: str) -> Callable[[Any], Any]:
    return lambda value: coerce_value(value, field_type, where)  # type: ignore[arg-type]


def _list_coercer(field_type: str, where: str, op: str) -> Callable[[Any], Any]:
    def convert(values: Any) -> list[Any]:
        if not isinstance(values, list):
            raise BadUserInput(f"{where}: `{op}` expects a list")
        return [coerce_value(v, field_type, where) for v in values]  # type: ignore[arg-type]

    return convert


def _pattern(where: str, op: str) -> Callable[[Any], Any]:
    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise BadUserInput(f"{where}: `{op}` expects a text pattern")
        return value

    return convert


def _keys(where: str, op: str) -> Callable[[Any], Any]:
    def convert(values: Any) -> list[str]:
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise BadUserInput(f"{where}: `{op}` expects a list of keys (strings)")
        return values

    return convert


def _join(parts: list[sql.Composable], word: str) -> sql.Composable:
    if len(parts) == 1:
        return parts[0]
    return sql.SQL("(") + sql.SQL(f" {word} ").join(sql.SQL("({})").format(p) for p in parts) + sql.SQL(")")
