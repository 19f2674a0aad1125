"""What a session may do: table grants and actionflow rights, from the definition's rules.

``grants_for(project, session)`` is the only door. Admin gets everything;
``anonymous`` gets only what is declared for it (new tables are closed); a
logged-in account gets the union of ``user`` and its custom roles. Row filters
are returned with ``session.*`` references already bound, ready for
``runtime.data.filters``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from builder.definition import DeleteRule, InsertRule, SelectRule, TablePermission, UpdateRule
from builder.resolved import ResolvedProject, ResolvedTable
from runtime.data.filters import bind_refs
from runtime.types import Session

BoolExp = dict[str, Any]


@dataclass(frozen=True)
class SelectGrant:
    columns: frozenset[str]
    filter: BoolExp | None  # None: every row
    aggregate: bool
    limit: int | None


@dataclass(frozen=True)
class InsertGrant:
    columns: frozenset[str]
    check: BoolExp | None
    presets: dict[str, Any]  # column -> value (bound)


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
    if columns == "*":
        return frozenset(table.columns)
    return frozenset(c for c in columns if c in table.columns) | {"id"}


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
        self._scope = {"session": session.variables()}
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

    def _bind(self, value: Any) -> Any:
        def resolve(path: str) -> Any:
            head, _, rest = path.partition(".")
            if head != "session":
                raise ValueError(f"permission rules may only reference session.*, not {path}")
            return self._scope["session"].get(rest)

        return bind_refs(value, resolve)

    def _rules(self, table: ResolvedTable) -> list[TablePermission]:
        return [p for role in self.roles if (p := self.project.table_permissions.get((role, table.name))) is not None]

    def select(self, table: ResolvedTable) -> SelectGrant | None:
        if self.is_admin:
            return SelectGrant(frozenset(table.columns), None, True, None)
        rules: list[SelectRule] = [r.select for r in self._rules(table) if r.select is not None]
        if not rules:
            return None
        limits = [r.limit for r in rules]
        return SelectGrant(
            columns=frozenset().union(*(_columns(table, r.columns) for r in rules)),
            filter=_any_of([self._bind(r.filter) or None for r in rules]),
            aggregate=any(r.aggregate for r in rules),
            limit=None if any(l is None for l in limits) else max(l for l in limits if l is not None),
        )

    def insert(self, table: ResolvedTable) -> InsertGrant | None:
        if self.is_admin:
            return InsertGrant(frozenset(table.columns), None, {})
        rules: list[InsertRule] = [r.insert for r in self._rules(table) if r.insert is not None]
        if not rules:
            return None
        presets: dict[str, Any] = {}
        for r in rules:
            presets.update(self._bind(r.presets))
        return InsertGrant(
            columns=frozenset().union(*(_columns(table, r.columns) for r in rules)) - set(presets),
            check=_any_of([self._bind(r.check) or None for r in rules]),
            presets=presets,
        )

    def update(self, table: ResolvedTable) -> UpdateGrant | None:
        if self.is_admin:
            return UpdateGrant(frozenset(table.columns), None, None, {})
        rules: list[UpdateRule] = [r.update for r in self._rules(table) if r.update is not None]
        if not rules:
            return None
        presets: dict[str, Any] = {}
        for r in rules:
            presets.update(self._bind(r.presets))
        return UpdateGrant(
            columns=frozenset().union(*(_columns(table, r.columns) for r in rules)) - set(presets),
            filter=_any_of([self._bind(r.filter) or None for r in rules]),
            check=_any_of([self._bind(r.check) or None for r in rules]),
            presets=presets,
        )

    def delete(self, table: ResolvedTable) -> DeleteGrant | None:
        if self.is_admin:
            return DeleteGrant(None)
        rules: list[DeleteRule] = [r.delete for r in self._rules(table) if r.delete is not None]
        if not rules:
            return None
        return DeleteGrant(filter=_any_of([self._bind(r.filter) or None for r in rules]))

    def may_invoke(self, actionflow_id: str) -> bool:
        if self.is_admin:
            return True
        return any(actionflow_id in self.project.actionflow_rights.get(role, ()) for role in self.roles)

    def cache_key(self) -> tuple[Any, ...]:
        """Sessions with equal keys see the same schema (columns and roots)."""
        return ("admin",) if self.is_admin else self.roles


def grants_for(project: ResolvedProject, session: Session) -> Grants:
    return Grants(project, session)
