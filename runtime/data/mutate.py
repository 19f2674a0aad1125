"""INSERT / UPDATE / DELETE as one statement each, with the response built in PostgreSQL.

The data-modifying statement runs in a CTE ``m``; the outer SELECT returns two
columns: how many written rows break the role's ``check`` (the caller rolls back
when that is not zero) and the JSON response (``affected_rows``, ``returning``
rows filtered by the role's select rule, or the single row of a ``*_one`` /
``*_by_pk`` field). Relationships in ``returning`` are correlated subqueries, so
the whole mutation field is still one statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from psycopg import sql

from builder.asset_types import ASSET_SCHEMA
from builder.resolved import ResolvedTable
from runtime.data import jsonb_updates
from runtime.data.select import Output, SelectCompiler, json_object
from runtime.data.sql import PG_TYPES, TOUCH, coerce_value, ident
from runtime.types import BadUserInput

BoolExp = dict[str, Any]
SYSTEM_COLUMNS = frozenset({"id", "created_at", "updated_at"})


@dataclass
class Written:
    """What to answer: a ``T_mutation_response`` object (``response``) or one row (``one``)."""

    kind: Literal["response", "one"]
    fields: list[Output] = field(default_factory=list)  # response: affected_rows = fn count, returning = nodes


@dataclass(frozen=True)
class Conflict:
    columns: tuple[str, ...]
    update_columns: tuple[str, ...] = ()
    where: BoolExp | None = None


class MutationCompiler:
    """Builds mutation statements for one role: ``rule`` filters what ``returning`` shows."""

    def __init__(self, select: SelectCompiler, id_writable: Callable[[ResolvedTable], bool] | None = None):
        self.select = select
        self.params = select.params
        # Tables whose inserts may give ``id`` (the role's insert rule allows it); the sequence then moves past them.
        self.id_writable = id_writable or (lambda table: False)

    def _value(self, table: ResolvedTable, column: str, raw: Any, what: str) -> sql.Composable:
        if column == "id" and self.id_writable(table):
            return self.params.add_input(raw, lambda v: coerce_value(v, "bigint", f"{what}, field id"), PG_TYPES["bigint"])
        if column not in table.columns or column in SYSTEM_COLUMNS:
            raise BadUserInput(f"{what}: field `{column}` does not exist on table {table.name} or cannot be written")
        field_type = table.columns[column].type
        where = f"{what}, field {column}"
        value = self.params.add_input(raw, lambda v: coerce_value(v, field_type, where), PG_TYPES[field_type])
        writer = self.select.asset_writer
        if table.columns[column].asset and writer is not None:
            return sql.SQL("{}.own_asset({}, {})").format(ident(ASSET_SCHEMA), value, sql.Literal(writer[0]))
        return value

    def insert(self, table: ResolvedTable, rows: Sequence[Mapping[str, Any]], presets: Mapping[str, Any], conflict: Conflict | None,
               conflict_filter: BoolExp | None, check: BoolExp | None, written: Written) -> sql.Composable:
        moved = any("id" in row for row in rows) and self.id_writable(table)
        return self._statement(table, self.insert_dml(table, rows, presets, conflict, conflict_filter), check, written,
                               sequence_past=moved)

    def insert_dml(self, table: ResolvedTable, rows: Sequence[Mapping[str, Any]], presets: Mapping[str, Any], conflict: Conflict | None,
                   conflict_filter: BoolExp | None, links: Mapping[str, sql.Composable] | None = None) -> sql.Composable:
        """``INSERT INTO table AS t ... [ON CONFLICT ...]``; ``links`` are SQL values set in every row
        (a foreign key taken from a row inserted earlier in the same statement)."""
        what = f"insert into {table.name}"
        links = links or {}
        rows = [{**row, **presets} for row in rows]
        columns = list(dict.fromkeys([*(c for row in rows for c in row if c not in links), *links])) or ["id"]
        tuples = []
        for row in rows:
            cells = [links[c] if c in links else self._value(table, c, row[c], what) if c in row else sql.SQL("DEFAULT") for c in columns]
            tuples.append(sql.SQL("({})").format(sql.SQL(", ").join(cells)))
        dml = sql.SQL("INSERT INTO {} AS t ({}) VALUES {}").format(
            ident(table.name), sql.SQL(", ").join(ident(c) for c in columns), sql.SQL(", ").join(tuples))
        if conflict is not None:
            target = sql.SQL(", ").join(ident(c) for c in conflict.columns)
            if conflict.update_columns:
                sets = sql.SQL(", ").join(sql.SQL("{} = EXCLUDED.{}").format(ident(c), ident(c)) for c in conflict.update_columns)
                conditions = [self.select.filters.compile(table, "t", conflict.where), self.select.filters.compile_rule(table, "t", conflict_filter)]
                dml += sql.SQL(" ON CONFLICT ({}) DO UPDATE SET {} WHERE {}").format(target, sets, sql.SQL(" AND ").join(conditions))
            else:
                dml += sql.SQL(" ON CONFLICT ({}) DO NOTHING").format(target)
        return dml

    def update(self, table: ResolvedTable, where: BoolExp | None, set_values: Mapping[str, Any], increment: Mapping[str, Any],
               presets: Mapping[str, Any], row_filter: BoolExp | None, check: BoolExp | None, written: Written,
               json_changes: Mapping[str, Any] | None = None) -> sql.Composable:
        """``json_changes``: Hasura's jsonb operators (``_append`` ...: ``runtime.data.jsonb_updates``)."""
        what = f"update of {table.name}"
        both = set(set_values) & set(increment)
        if both:
            raise BadUserInput(f"{what}: field `{sorted(both)[0]}` appears in both _set and _inc")
        assignments: list[sql.Composable] = [sql.SQL("{} = {}").format(ident(c), self._value(table, c, v, what)) for c, v in {**set_values, **presets}.items()
                       if c not in increment]
        for column, delta in increment.items():
            if column in table.columns and table.columns[column].type not in ("bigint", "decimal"):
                raise BadUserInput(f"{what}: field `{column}` is not a number and cannot be incremented")
            assignments.append(sql.SQL("{} = {} + {}").format(ident(column), ident("t", column), self._value(table, column, delta, what)))
        if json_changes:
            taken = {*set_values, *presets, *increment}
            assignments.extend(jsonb_updates.assignments(self.params, table, json_changes, what, taken))
        conditions = [self.select.filters.compile(table, "t", where), self.select.filters.compile_rule(table, "t", row_filter)]
        if not assignments:
            # Nothing to change (an empty _set, as Hasura): a no-op answering the rows it would have updated.
            rows = sql.SQL("SELECT t.* FROM {} AS t WHERE {}").format(ident(table.name), sql.SQL(" AND ").join(conditions))
            return self.finish(table, [("m", rows)], sql.SQL("0"), sql.SQL("0"), written)
        assignments.append(TOUCH)
        dml = sql.SQL("UPDATE {} AS t SET {} WHERE {}").format(ident(table.name), sql.SQL(", ").join(assignments), sql.SQL(" AND ").join(conditions))
        return self._statement(table, dml, check, written)

    def delete(self, table: ResolvedTable, where: BoolExp | None, row_filter: BoolExp | None, written: Written) -> sql.Composable:
        conditions = [self.select.filters.compile(table, "t", where), self.select.filters.compile_rule(table, "t", row_filter)]
        dml = sql.SQL("DELETE FROM {} AS t WHERE {}").format(ident(table.name), sql.SQL(" AND ").join(conditions))
        return self._statement(table, dml, None, written)

    # ----- the outer SELECT ------------------------------------------------

    def _statement(self, table: ResolvedTable, dml: sql.Composable, check: BoolExp | None, written: Written,
                   sequence_past: bool = False) -> sql.Composable:
        violations = self.violations(table, "m", check) if check else sql.SQL("0")
        if sequence_past:
            violations = sql.SQL("{} + {}").format(violations, self.sequence_past(table, "m"))
        return self.finish(table, [("m", sql.SQL("{} RETURNING t.*").format(dml))], violations, sql.SQL("(SELECT count(*) FROM m)"), written)

    @staticmethod
    def sequence_past(table: ResolvedTable, cte: str) -> sql.Composable:
        """0, after moving ``table``'s id sequence past the ids ``cte`` wrote (explicit ids never collide later).

        Referenced from the outer SELECT so that PostgreSQL runs it (an unreferenced CTE would not run).
        """
        quoted = '"' + table.name.replace('"', '""') + '"'
        sequence = sql.SQL("pg_get_serial_sequence({}, 'id')").format(sql.Literal(quoted))
        return sql.SQL("(SELECT 0 * count(setval({seq}, greatest(w.top, coalesce(pg_sequence_last_value({seq}::regclass), 0), 1))) "
                       "FROM (SELECT max(id) AS top FROM {cte}) AS w WHERE w.top IS NOT NULL)").format(seq=sequence, cte=ident(cte))

    def violations(self, table: ResolvedTable, cte: str, check: BoolExp) -> sql.Composable:
        """How many rows written by ``cte`` break ``check``."""
        return sql.SQL("(SELECT count(*) FROM {} AS c WHERE NOT coalesce({}, false))").format(
            ident(cte), self.select.filters.compile_rule(table, "c", check))

    def finish(self, table: ResolvedTable, ctes: Sequence[tuple[str, sql.Composable]], violations: sql.Composable,
               affected: sql.Composable, written: Written) -> sql.Composable:
        """``WITH <ctes> SELECT <violations>, <response JSON>``; the rows answered are those of the CTE ``m``."""
        body = self._one(table, written.fields) if written.kind == "one" else self._response(table, written.fields, affected)
        with_ = sql.SQL(", ").join(sql.SQL("{} AS ({})").format(ident(name), cte) for name, cte in ctes)
        return sql.SQL("WITH {} SELECT {}, ({})::text").format(with_, violations, body)

    def _visible(self, table: ResolvedTable) -> sql.Composable:
        rule = self.select.rule_for(table)
        return self.select.filters.compile_rule(table, "r", rule) if rule else sql.SQL("TRUE")

    def _one(self, table: ResolvedTable, fields: Sequence[Output]) -> sql.Composable:
        return sql.SQL("SELECT {} FROM m AS r WHERE {} LIMIT 1").format(self.select.row_object(table, "r", fields), self._visible(table))

    def _response(self, table: ResolvedTable, fields: Sequence[Output], affected: sql.Composable) -> sql.Composable:
        pairs: list[tuple[str, sql.Composable]] = []
        for out in fields:
            if out.kind == "constant":
                pairs.append((out.key, sql.Literal(out.value)))
            elif out.kind == "fn":
                pairs.append((out.key, affected))
            elif out.kind == "nodes":
                pairs.append((out.key, sql.SQL("(SELECT coalesce(json_agg(x.j), '[]') FROM (SELECT {} AS j FROM m AS r WHERE {}) AS x)").format(
                    self.select.row_object(table, "r", out.children), self._visible(table))))
        return sql.SQL("SELECT {}").format(json_object(pairs) if pairs else sql.SQL("json_build_object()"))
