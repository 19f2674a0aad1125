"""Checks of permissions (roles, columns, row filters) and of seed data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from builder.definition import Definition
from builder.errors import PathPart
from builder.validation.catalog import Catalog, TableInfo, suggestion
from builder.validation.expressions import (
    check_columns,
    check_expression,
    check_table_filter,
)
from builder.validation.report import Issue

Parts = tuple[PathPart, ...]
RULE_ROLES = ("anonymous", "user")
SESSION_KEYS = ("account_id", "role")


def session_ref(path: str) -> str | None:
    """Permission rules may only reference the caller's session."""
    root, *rest = path.split(".")
    if root != "session" or len(rest) != 1 or rest[0] not in SESSION_KEYS:
        return f"`{path}` cannot be used in a permission; use {' or '.join(f'session.{k}' for k in SESSION_KEYS)}."
    return None


def _role_reason(role: str, custom: set[str]) -> str | None:
    if role == "admin":
        return "role `admin` (the admin token) can always do everything; it takes no rules."
    if role not in RULE_ROLES and role not in custom:
        return f"role `{role}` does not exist; use anonymous, user or a role declared under roles.{suggestion(role, [*RULE_ROLES, *custom])}"
    return None


def _check_rule(rule: Any, parts: Parts, table: TableInfo, catalog: Catalog) -> Iterator[Issue]:
    columns = getattr(rule, "columns", "*")
    if columns != "*":
        yield from check_columns(columns, (*parts, "columns"), table, "field")
    for key in ("filter", "check"):
        condition = getattr(rule, key, None)
        if condition:
            yield from check_table_filter(condition, (*parts, key), table, catalog, session_ref)
    presets = getattr(rule, "presets", {})
    yield from check_columns(presets, (*parts, "presets"), table, "field", writable=True)
    for column, value in presets.items():
        yield from check_expression(value, (*parts, "presets", column), session_ref)


def check_permissions(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    custom = {r.name for r in definition.roles}
    seen: set[tuple[str, str]] = set()
    for index, permission in enumerate(definition.permissions.tables):
        parts: Parts = ("permissions", "tables", index)
        reason = _role_reason(permission.role, custom)
        if reason:
            yield Issue((*parts, "role"), reason)
        if (permission.role, permission.table) in seen:
            yield Issue(parts, "this role already has rules for this table; merge them into one entry.")
        seen.add((permission.role, permission.table))
        table = catalog.table(permission.table)
        if table is None:
            yield Issue((*parts, "table"), f"table `{permission.table}` does not exist.{suggestion(permission.table, catalog.tables)}")
            continue
        for action in ("select", "insert", "update", "delete"):
            rule = getattr(permission, action)
            if rule is not None:
                yield from _check_rule(rule, (*parts, action), table, catalog)
    flow_ids = [f.id for f in definition.actionflows]
    for role, flows in definition.permissions.actionflows.items():
        parts = ("permissions", "actionflows", role)
        reason = _role_reason(role, custom)
        if reason:
            yield Issue(parts, reason)
        for index, flow_id in enumerate(flows):
            if flow_id not in flow_ids:
                yield Issue((*parts, index), f"actionflow `{flow_id}` does not exist.{suggestion(flow_id, flow_ids)}")


def check_seed(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    for index, seed in enumerate(definition.seed):
        parts: Parts = ("seed", index)
        table = catalog.table(seed.table)
        if table is None:
            yield Issue((*parts, "table"), f"table `{seed.table}` does not exist.{suggestion(seed.table, catalog.tables)}")
            continue
        for row_index, row in enumerate(seed.rows):
            for key in row:
                if key not in table.columns:
                    yield Issue((*parts, "rows", row_index, key), f"field `{key}` does not exist on table {table.name}.{suggestion(key, table.columns)}")
