"""What a session may do: table grants and actionflow rights, from the definition's rules.

``grants_for(project, session)`` is the only door. Admin gets everything;
``anonymous`` gets only what is declared for it (new tables are closed); a
logged-in account gets the union of ``user`` and its custom roles. Row filters
are returned with ``session.*`` references already bound, ready for
``runtime.data.filters``.

The union of several roles never widens one role's columns to another role's rows:
``SelectGrant.columns`` holds the columns readable on *every* row the grant shows;
a column only some roles may read (on their rows only) is left out of ``columns``
and listed in ``column_filters`` with the rows where it may be read, for a compiler
that implements Hasura's cell-level union (``CASE WHEN rule THEN col END``).
Likewise aggregates are allowed only when the roles allowing them cover every
visible row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from builder.definition import (
    DeleteRule,
    InsertRule,
    SelectRule,
    TablePermission,
    UpdateRule,
)
from builder.resolved import SYSTEM_COLUMN_TYPES, ResolvedProject, ResolvedTable
from runtime.expressions import evaluate
from runtime.types import Session

BoolExp = dict[str, Any]

# A filter no row satisfies: NOT (TRUE). Used where a rule compares with a session
# value that is missing (an anonymous caller's account_id) — such a rule matches nothing.
NO_ROWS: BoolExp = {"_not": {}}
_COMPARISONS_ON_VALUE = ("_eq", "_neq", "_gt", "_gte", "_lt", "_lte", "_like", "_ilike", "_nlike", "_nilike")


@dataclass(frozen=True)
class SelectGrant:
    columns: frozenset[str]  # readable on every row the grant shows
    filter: BoolExp | None  # None: every row
    aggregate: bool
    limit: int | None
    # Columns readable only on some of the visible rows (several roles with different
    # column lists), not in ``columns``: column -> the rows where it may be read.
    column_filters: Mapping[str, BoolExp] = field(default_factory=dict)


@dataclass(frozen=True)
class InsertGrant:
    columns: frozenset[str]
    check: BoolExp | None
    presets: dict[str, Any]  # column -> value (bound)
    explicit_id: bool = False  # may give ``id`` (fixtures, data migration): admin, or a rule naming ``id``


@dataclass(frozen=True)
class UpdateGrant:
    columns: frozenset[str]
    filter: BoolExp | None
    check: BoolExp | None
    presets: dict[str, Any]


@dataclass(frozen=True)
class DeleteGrant:
    filter: BoolExp | None


def _columns(table: ResolvedTable, columns: list[str] | str) -> frozenset[str]:
    """Readable columns of a rule; ``id`` is always readable (as in Momen)."""
    if columns == "*":
        return frozenset(table.columns)
    return frozenset(c for c in columns if c in table.columns) | {"id"}


def _writable(table: ResolvedTable, columns: list[str] | str) -> frozenset[str]:
    """Writable columns of a rule: never id, created_at or updated_at."""
    names = table.columns if columns == "*" else [c for c in columns if c in table.columns]
    return frozenset(c for c in names if c not in SYSTEM_COLUMN_TYPES)


def _any_of(filters: list[BoolExp | None]) -> BoolExp | None:
    """Union of row filters: no filter (all rows) wins; otherwise OR them."""
    if not filters or any(not f for f in filters):
        return None
    return filters[0] if len(filters) == 1 else {"_or": filters}


class Grants:
    """The rights of one session on one published project."""

    def __init__(self, project: ResolvedProject, session: Session):
        self.project = project
        self.session = session
        self._session_values = session.variables()
        self.roles: tuple[str, ...] = self._effective_roles(session)

    @staticmethod
    def _effective_roles(session: Session) -> tuple[str, ...]:
        if session.is_admin:
            return ("admin",)
        if session.account_id is None:
            return ("anonymous",)
        return tuple(dict.fromkeys(("user", *session.roles)))

    @property
    def is_admin(self) -> bool:
        return self.session.is_admin

    # -- binding session values into rules ------------------------------------------

    def _session_value(self, path: str) -> Any:
        head, _, rest = path.partition(".")
        if head != "session":
            raise ValueError(f"permission rules may only reference session.*, not {path}")
        return self._session_values.get(rest)

    def _bind(self, table: ResolvedTable, condition: BoolExp | None) -> BoolExp | None:
        """A rule's condition with session values filled in; empty means no restriction."""
        if not condition:
            return None
        return self._bind_exp(table, condition)

    def _bind_exp(self, table: ResolvedTable, condition: Mapping[str, Any]) -> BoolExp:
        bound: BoolExp = {}
        matches_nothing = False
        for key, value in condition.items():
            if key in ("_and", "_or"):
                bound[key] = [self._bind_exp(table, part) for part in value or []]
            elif key == "_not":
                bound[key] = self._bind_exp(table, value or {})
            elif key in table.relationships:
                target = self.project.tables[table.relationships[key].target]
                bound[key] = self._bind_exp(target, value or {})
            elif key.endswith("_aggregate") and key[: -len("_aggregate")] in table.relationships and isinstance(value, Mapping):
                target = self.project.tables[table.relationships[key[: -len("_aggregate")]].target]
                bound[key] = {fn: self._bind_aggregate(target, body) for fn, body in value.items()}
            elif isinstance(value, Mapping):
                ops: dict[str, Any] = {}
                for op, operand in value.items():
                    resolved = evaluate(operand, self._session_value)
                    # In the API ``_eq: null`` means "no restriction"; in a rule, comparing
                    # with a session value that is absent must match nothing instead.
                    if resolved is None and operand is not None and op in _COMPARISONS_ON_VALUE:
                        matches_nothing = True
                    else:
                        ops[op] = resolved
                bound[key] = ops
            else:
                bound[key] = value  # malformed: the filter compiler reports it
        return {"_and": [bound, NO_ROWS]} if matches_nothing else bound

    def _bind_aggregate(self, target: ResolvedTable, body: Any) -> Any:
        """An aggregation predicate of a rule (``{filter, predicate, ...}``) with session values filled in."""
        if not isinstance(body, Mapping):
            return body  # malformed: the filter compiler reports it
        bound = dict(body)
        if isinstance(body.get("filter"), Mapping):
            bound["filter"] = self._bind_exp(target, body["filter"])
        if isinstance(body.get("predicate"), Mapping):
            bound["predicate"] = {op: evaluate(operand, self._session_value) for op, operand in body["predicate"].items()}
        return bound

    def _presets(self, presets: Mapping[str, Any]) -> dict[str, Any]:
        return {column: evaluate(value, self._session_value) for column, value in presets.items()}

    def _rules(self, table: ResolvedTable) -> list[TablePermission]:
        return [p for role in self.roles if (p := self.project.table_permissions.get((role, table.name))) is not None]

    # -- grants -----------------------------------------------------------------------

    def select(self, table: ResolvedTable) -> SelectGrant | None:
        if self.is_admin:
            return SelectGrant(frozenset(table.columns), None, True, None)
        rules: list[SelectRule] = [r.select for r in self._rules(table) if r.select is not None]
        if not rules:
            return None
        bound = [(_columns(table, r.columns), self._bind(table, r.filter), r) for r in rules]
        columns: set[str] = set()
        column_filters: dict[str, BoolExp] = {}
        for column in frozenset().union(*(c for c, _, _ in bound)):
            granting = [f for c, f, _ in bound if column in c]
            narrowed = None if len(granting) == len(bound) else _any_of(granting)
            if narrowed is None:
                columns.add(column)
            else:
                column_filters[column] = narrowed
        with_aggregates = [f for _, f, r in bound if r.aggregate]
        limits = [r.limit for r in rules]
        return SelectGrant(
            columns=frozenset(columns),
            filter=_any_of([f for _, f, _ in bound]),
            aggregate=len(with_aggregates) == len(bound) or (bool(with_aggregates) and _any_of(with_aggregates) is None),
            limit=None if any(n is None for n in limits) else max(n for n in limits if n is not None),
            column_filters=column_filters,
        )

    def insert(self, table: ResolvedTable) -> InsertGrant | None:
        if self.is_admin:
            return InsertGrant(_writable(table, "*"), None, {}, explicit_id=True)
        rules: list[InsertRule] = [r.insert for r in self._rules(table) if r.insert is not None]
        if not rules:
            return None
        presets: dict[str, Any] = {}
        for r in rules:
            presets.update(self._presets(r.presets))
        return InsertGrant(
            columns=frozenset().union(*(_writable(table, r.columns) for r in rules)) - set(presets),
            check=_any_of([self._bind(table, r.check) for r in rules]),
            presets=presets,
            explicit_id=any(isinstance(r.columns, list) and "id" in r.columns for r in rules) and "id" not in presets,
        )

    def update(self, table: ResolvedTable) -> UpdateGrant | None:
        if self.is_admin:
            return UpdateGrant(_writable(table, "*"), None, None, {})
        rules: list[UpdateRule] = [r.update for r in self._rules(table) if r.update is not None]
        if not rules:
            return None
        presets: dict[str, Any] = {}
        for r in rules:
            presets.update(self._presets(r.presets))
        return UpdateGrant(
            columns=frozenset().union(*(_writable(table, r.columns) for r in rules)) - set(presets),
            filter=_any_of([self._bind(table, r.filter) for r in rules]),
            check=_any_of([self._bind(table, r.check) for r in rules]),
            presets=presets,
        )

    def delete(self, table: ResolvedTable) -> DeleteGrant | None:
        if self.is_admin:
            return DeleteGrant(None)
        rules: list[DeleteRule] = [r.delete for r in self._rules(table) if r.delete is not None]
        if not rules:
            return None
        return DeleteGrant(filter=_any_of([self._bind(table, r.filter) for r in rules]))

    # -- hooks for filter compilers ---------------------------------------------------

    def row_filter(self, table: ResolvedTable) -> BoolExp | None:
        """Rows of ``table`` this session may see (``FilterCompiler(row_rule=...)``):
        None for every row, ``NO_ROWS`` when the table is closed to it."""
        grant = self.select(table)
        return NO_ROWS if grant is None else grant.filter

    def readable_columns(self, table: ResolvedTable) -> frozenset[str]:
        """Columns of ``table`` this session may read, filter and sort on (``columns_allowed=``)."""
        grant = self.select(table)
        return frozenset() if grant is None else grant.columns

    def may_invoke(self, actionflow_id: str) -> bool:
        if self.is_admin:
            return True
        return any(actionflow_id in self.project.actionflow_rights.get(role, ()) for role in self.roles)

    def cache_key(self) -> tuple[Any, ...]:
        """Sessions with equal keys see the same schema (columns and roots)."""
        return ("admin",) if self.is_admin else self.roles


def grants_for(project: ResolvedProject, session: Session) -> Grants:
    return Grants(project, session)
