"""Nested inserts (Hasura's ``{rel: {data: ...}}``) as ONE statement of data-modifying CTEs.

An ``InsertSpec`` is the rows of one table, each with the related rows to insert
with it. A related row whose key the parent holds (an object relationship such as
``order.product``) is inserted *before* its parent, which takes the new key; rows
that hold the parent's key (an array relationship such as ``product.orders``) are
inserted *after* it. Each CTE's foreign key value is a scalar subquery on an
earlier CTE, so the whole tree is one statement: it commits or fails as a whole.

PostgreSQL runs every part of the statement on one snapshot, so reading a table
would not show the rows the statement itself inserts. The response (``returning``,
relationships, permission checks through relationships) therefore reads each
written table as "the table, with the written rows replacing their old versions"
(``FilterCompiler.sources``), which is what Hasura's nested inserts return.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from builder.resolved import Relationship, ResolvedTable
from runtime.data.mutate import Conflict, MutationCompiler, Written
from runtime.data.sql import ident

BoolExp = dict[str, Any]


@dataclass
class InsertSpec:
    """Rows for one table and the role's rules for inserting into it."""

    table: ResolvedTable
    rows: list[InsertRow]
    presets: Mapping[str, Any] = field(default_factory=dict)
    conflict: Conflict | None = None
    conflict_filter: BoolExp | None = None
    check: BoolExp | None = None


def inserts_before(rel: Relationship) -> bool:
    """The parent holds the key (``parent.local = child.id``): the related row is inserted first."""
    return rel.remote_column == "id" and rel.local_column != "id"


def link_column(rel: Relationship) -> tuple[str, str]:
    """(side, column) of the foreign key a nested insert through ``rel`` sets: ``parent`` or ``child``."""
    return ("parent", rel.local_column) if inserts_before(rel) else ("child", rel.remote_column)


@dataclass
class Nested:
    """Rows inserted through ``relationship`` of the parent row."""

    relationship: Relationship
    spec: InsertSpec

    @property
    def before(self) -> bool:
        return inserts_before(self.relationship)

    @property
    def link_column(self) -> str:
        return link_column(self.relationship)[1]


@dataclass
class InsertRow:
    values: dict[str, Any]
    nested: list[Nested] = field(default_factory=list)


def has_nested(rows: list[InsertRow]) -> bool:
    return any(row.nested for row in rows)


class _Tree:
    """Collects the CTEs of one statement, in dependency order."""

    def __init__(self, compiler: MutationCompiler):
        self.compiler = compiler
        self.ctes: list[tuple[str, sql.Composable]] = []
        self.written: dict[str, list[str]] = {}  # table -> CTE names, for "table as written"
        self.checks: list[tuple[ResolvedTable, str, BoolExp]] = []  # compiled once the "as written" views exist
        self.explicit_ids: dict[str, ResolvedTable] = {}  # tables given ids by the caller: their sequence moves past them

    def emit(self, spec: InsertSpec, links: Mapping[str, sql.Composable]) -> list[str]:
        """CTEs inserting ``spec``'s rows (and their nested rows); the names holding ``spec``'s rows."""
        if not has_nested(spec.rows):
            return [self._cte(spec, [row.values for row in spec.rows], links)]
        names = []
        for row in spec.rows:
            own = dict(links)
            for nested in (n for n in row.nested if n.before):
                (child,) = self.emit(nested.spec, {})
                own[nested.link_column] = sql.SQL("(SELECT {} FROM {})").format(ident(nested.relationship.remote_column), ident(child))
            name = self._cte(spec, [row.values], own)
            names.append(name)
            for nested in (n for n in row.nested if not n.before):
                key = sql.SQL("(SELECT {} FROM {})").format(ident(nested.relationship.local_column), ident(name))
                self.emit(nested.spec, {nested.link_column: key})
        return names

    def _cte(self, spec: InsertSpec, rows: list[dict[str, Any]], links: Mapping[str, sql.Composable]) -> str:
        name = f"m${len(self.ctes) + 1}"
        dml = self.compiler.insert_dml(spec.table, rows, spec.presets, spec.conflict, spec.conflict_filter, links)
        self.ctes.append((name, sql.SQL("{} RETURNING t.*").format(dml)))
        self.written.setdefault(spec.table.name, []).append(name)
        if any("id" in row for row in rows) and self.compiler.id_writable(spec.table):
            self.explicit_ids[spec.table.name] = spec.table
        if spec.check:
            self.checks.append((spec.table, name, spec.check))
        return name


def _union(names: list[str]) -> sql.Composable:
    return sql.SQL(" UNION ALL ").join(sql.SQL("SELECT * FROM {}").format(ident(n)) for n in names)


def insert_tree(compiler: MutationCompiler, spec: InsertSpec, written: Written) -> sql.Composable:
    """One statement inserting ``spec`` with every nested row; answers ``written`` over the top-level rows."""
    tree = _Tree(compiler)
    top = tree.emit(spec, {})
    ctes = [*tree.ctes, ("m", _union(top))]
    filters = compiler.select.filters
    for table, names in tree.written.items():
        rows, view = f"m$rows${table}", f"m$view${table}"
        ctes.append((rows, _union(names)))
        ctes.append((view, sql.SQL("SELECT * FROM {t} AS z WHERE NOT EXISTS (SELECT 1 FROM {r} AS y WHERE y.id = z.id) "
                                   "UNION ALL SELECT * FROM {r}").format(t=ident(table), r=ident(rows))))
        filters.sources[table] = ident(view)
    affected = sql.SQL(" + ").join(sql.SQL("(SELECT count(*) FROM {})").format(ident(n)) for n, _ in tree.ctes)
    checks = [compiler.violations(table, name, check) for table, name, check in tree.checks]
    checks += [compiler.sequence_past(table, f"m$rows${name}") for name, table in tree.explicit_ids.items()]
    violations = sql.SQL("({})").format(sql.SQL(" + ").join(checks)) if checks else sql.SQL("0")
    return compiler.finish(spec.table, ctes, violations, sql.SQL("({})").format(affected), written)
