"""Compile a boolean expression (the shape of a GraphQL ``where``) into SQL.

One compiler for the API's ``where``, permission rules and actionflow filters.
Values must already be literals (``bind_refs`` resolves ``{"ref": ...}`` first).
Relationship keys become ``EXISTS`` subqueries; the related table's own row
rule (``row_rule``) is applied inside them, so a filter cannot reveal rows the
caller may not see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from psycopg import sql

from builder.expressions import is_ref
from builder.resolved import ResolvedProject, ResolvedTable
from runtime.data.sql import PG_TYPES, Params, VarRef, coerce_value, ident
from runtime.types import BadUserInput

RowRule = Callable[[ResolvedTable], "dict[str, Any] | None"]

_COMPARE = {"_eq": "=", "_neq": "<>", "_gt": ">", "_gte": ">=", "_lt": "<", "_lte": "<="}
_LIKE = {"_like": "LIKE", "_nlike": "NOT LIKE", "_ilike": "ILIKE", "_nilike": "NOT ILIKE"}


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
            self._check_column(table, key)
            return self._column(table, alias, key, value)
        if key in table.relationships:
            return self._relationship(table, alias, key, value)
        raise BadUserInput(f"field `{key}` does not exist on table {table.name}")

    def _check_column(self, table: ResolvedTable, column: str) -> None:
        if self.columns_allowed is None or self._trusted:
            return
        allowed = self.columns_allowed(table)
        if allowed is not None and column not in allowed:
            raise BadUserInput(f"field `{column}` does not exist on table {table.name}")

    def _column(self, table: ResolvedTable, alias: str, name: str, comparisons: Any) -> sql.Composable:
        if not isinstance(comparisons, Mapping):
            raise BadUserInput(f"filter on `{table.name}.{name}` must be an object of operators such as {{\"_eq\": ...}}")
        column = table.columns[name]
        target = ident(alias, name)
        pg_type = PG_TYPES[column.type]
        where = f"filter on {table.name}.{name}"
        parts: list[sql.Composable] = []
        for op, operand in comparisons.items():
            if op in _COMPARE:
                if operand is None:
                    # Hasura/Momen: a comparison with null is no restriction.
                    parts.append(sql.SQL("TRUE"))
                    continue
                value = self.params.add_input(operand, _coercer(column.type, where), pg_type)
                parts.append(sql.SQL("{} {} {}").format(target, sql.SQL(_COMPARE[op]), value))
            elif op in ("_in", "_nin"):
                if not isinstance(operand, (list, VarRef)):
                    raise BadUserInput(f"{where}: `{op}` expects a list")
                array = self.params.add_input(operand, _list_coercer(column.type, where, op), pg_type + "[]")
                expr = sql.SQL("{} = ANY({})") if op == "_in" else sql.SQL("NOT ({} = ANY({}))")
                parts.append(expr.format(target, array))
            elif op == "_is_null":
                if not isinstance(operand, bool):
                    raise BadUserInput(f"{where}: `_is_null` expects true or false")
                parts.append(sql.SQL("{} IS NULL" if operand else "{} IS NOT NULL").format(target))
            elif op in _LIKE:
                if column.type != "text":
                    raise BadUserInput(f"{where}: `{op}` only applies to text fields")
                pattern = self.params.add_input(operand, _pattern(where, op), "text")
                parts.append(sql.SQL("{} {} {}").format(target, sql.SQL(_LIKE[op]), pattern))
            else:
                raise BadUserInput(f"{where}: unknown operator `{op}`")
        return _join(parts, "AND") if parts else sql.SQL("TRUE")

    def _relationship(self, table: ResolvedTable, alias: str, name: str, where: Any) -> sql.Composable:
        rel = table.relationships[name]
        target = self.project.tables[rel.target]
        inner = self.alias()
        conditions = [
            sql.SQL("{} = {}").format(ident(inner, rel.remote_column), ident(alias, rel.local_column)),
            self.compile(target, inner, where),
        ]
        rule = self.row_rule(target) if self.row_rule and not self._trusted else None
        if rule is not None:
            conditions.append(self.compile_rule(target, inner, rule))
        return sql.SQL("EXISTS (SELECT 1 FROM {} AS {} WHERE {})").format(ident(target.name), ident(inner), _join(conditions, "AND"))


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


def _join(parts: list[sql.Composable], word: str) -> sql.Composable:
    if len(parts) == 1:
        return parts[0]
    return sql.SQL("(") + sql.SQL(f" {word} ").join(sql.SQL("({})").format(p) for p in parts) + sql.SQL(")")
