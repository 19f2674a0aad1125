"""Identity and naming: unique ids across the definition, reserved and unsafe names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from builder.definition import SYSTEM_FIELDS, Definition
from builder.errors import PathPart, format_path
from builder.flows import ConditionNode, LoopNode
from builder.pages import (
    CallActionflowAction,
    ConditionAction,
    ConditionalViewComponent,
    ContainerComponent,
    ListComponent,
)
from builder.validation.catalog import Catalog
from builder.validation.report import Issue

Parts = tuple[PathPart, ...]

# Generated GraphQL names a table name must not produce twice (``T_aggregate``, ``T_by_pk`` ...).
GRAPHQL_SUFFIXES: tuple[str, ...] = (
    "_aggregate", "_aggregate_fields", "_by_pk", "_mutation_response", "_bool_exp", "_order_by",
    "_set_input", "_inc_input", "_insert_input", "_pk_columns_input", "_on_conflict", "_constraint",
    "_update_column", "_select_column", "_stream_cursor_input",
)
GRAPHQL_NAMES: frozenset[str] = frozenset({
    "query", "mutation", "subscription", "query_root", "mutation_root", "subscription_root",
    "string", "int", "float", "boolean", "id", "json", "jsonb", "bigint", "numeric", "decimal",
    "timestamptz", "date", "order_by", "cursor_ordering",
})
RESERVED_PREFIXES: tuple[str, ...] = ("pg_", "_", "fz_")
# Names generated for a table ``T`` that another table could also produce: ``T_stream``
# (a subscription field), ``update_T_many`` (= ``update_`` + ``T_many``), ``T_updates``
# (an input type). Only a pair of such tables clashes, so these are checked pairwise.
PAIRED_SUFFIXES: tuple[str, ...] = ("_stream", "_many", "_updates")


def reserved_table_reason(name: str) -> str | None:
    """Why ``name`` cannot be a table name, or None. ``order`` and ``user`` are fine: identifiers are quoted."""
    if name.startswith(RESERVED_PREFIXES):
        prefix = next(p for p in RESERVED_PREFIXES if name.startswith(p))
        return f"table name `{name}` is reserved: names starting with `{prefix}` belong to PostgreSQL or to minimomen."
    if name == "minimomen":
        return "table name `minimomen` is reserved for the runtime's own bookkeeping."
    if name in SYSTEM_FIELDS:
        return f"table name `{name}` is reserved: it is a system field name."
    if name in GRAPHQL_NAMES:
        return f"table name `{name}` would clash with a built-in GraphQL name."
    suffix = next((s for s in GRAPHQL_SUFFIXES if name.endswith(s)), None)
    if suffix:
        return f"table name `{name}` would clash with the generated GraphQL names (`<table>{suffix}`); choose a name not ending in `{suffix}`."
    return None


def reserved_field_reason(name: str) -> str | None:
    """Why ``name`` cannot be a field name, or None."""
    if name.startswith(("pg_", "_")):
        return f"field name `{name}` is reserved: names starting with `pg_` or `_` belong to PostgreSQL or GraphQL."
    if name in SYSTEM_FIELDS:
        return f"field name `{name}` is a system field every table already has."
    if name == "minimomen":
        return "field name `minimomen` is reserved."
    return None


def _node_ids(nodes: list[Any], parts: Parts) -> Iterator[tuple[Parts, str]]:
    for index, node in enumerate(nodes):
        here = (*parts, index)
        yield here, node.id
        if isinstance(node, ConditionNode):
            for b_index, branch in enumerate(node.branches):
                yield (*here, "branches", b_index), branch.id
                yield from _node_ids(branch.nodes, (*here, "branches", b_index, "nodes"))
        elif isinstance(node, LoopNode):
            yield from _node_ids(node.nodes, (*here, "nodes"))


def _action_ids(actions: list[Any], parts: Parts) -> Iterator[tuple[Parts, str]]:
    for index, action in enumerate(actions):
        here = (*parts, index)
        yield here, action.id
        if isinstance(action, ConditionAction):
            for b_index, branch in enumerate(action.branches):
                yield (*here, "branches", b_index), branch.id
                yield from _action_ids(branch.actions, (*here, "branches", b_index, "actions"))
        elif isinstance(action, CallActionflowAction):
            yield from _action_ids(action.on_success, (*here, "on_success"))
            yield from _action_ids(action.on_failure, (*here, "on_failure"))


def _component_ids(components: list[Any], parts: Parts) -> Iterator[tuple[Parts, str]]:
    for index, component in enumerate(components):
        here = (*parts, index)
        yield here, component.id
        for event, actions in component.events.items():
            yield from _action_ids(actions, (*here, "events", event))
        if isinstance(component, ContainerComponent):
            yield from _component_ids(component.children, (*here, "children"))
        elif isinstance(component, ListComponent):
            yield from _component_ids(component.item, (*here, "item"))
        elif isinstance(component, ConditionalViewComponent):
            for b_index, branch in enumerate(component.branches):
                yield (*here, "branches", b_index), branch.id
                yield from _component_ids(branch.children, (*here, "branches", b_index, "children"))


def iter_ids(definition: Definition) -> Iterator[tuple[Parts, str]]:
    """Every stable id of the definition with the path of the object holding it."""
    for t_index, table in enumerate(definition.tables):
        yield ("tables", t_index), table.id
        for f_index, f in enumerate(table.fields):
            yield ("tables", t_index, "fields", f_index), f.id
    for index, rel in enumerate(definition.relations):
        yield ("relations", index), rel.id
        yield ("relations", index, "foreign_key"), rel.foreign_key.id
    for index, constraint in enumerate(definition.constraints):
        yield ("constraints", index), constraint.id
    for index, role in enumerate(definition.roles):
        yield ("roles", index), role.id
    for index, flow in enumerate(definition.actionflows):
        yield ("actionflows", index), flow.id
        yield from _node_ids(flow.nodes, ("actionflows", index, "nodes"))
    for index, page in enumerate(definition.pages):
        yield ("pages", index), page.id
        yield from _component_ids(page.components, ("pages", index, "components"))


def check_unique_ids(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    first: dict[str, Parts] = {}
    for parts, ident in iter_ids(definition):
        if ident in first:
            yield Issue((*parts, "id"), f"id `{ident}` is already used at {format_path(first[ident])}; every id must be unique in the app.")
        else:
            first[ident] = parts


def check_names(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    """Table names unique and safe; field names safe; role names not built in; flow ids not clashing."""
    seen: dict[str, int] = {}
    for index, table in enumerate(definition.tables):
        if table.name in seen:
            yield Issue(("tables", index, "name"), f"another table is already called `{table.name}`.")
        seen.setdefault(table.name, index)
        reason = reserved_table_reason(table.name)
        if reason:
            yield Issue(("tables", index, "name"), reason)
        for f_index, f in enumerate(table.fields):
            reason = reserved_field_reason(f.name)
            if reason:
                yield Issue(("tables", index, "fields", f_index, "name"), reason)
    for index, table in enumerate(definition.tables):
        for other in definition.tables:
            suffix = next((s for s in PAIRED_SUFFIXES if table.name == other.name + s), None)
            if suffix is not None:
                yield Issue(("tables", index, "name"), f"table name `{table.name}` would clash with the GraphQL names generated for table "
                                                       f"`{other.name}` (`{other.name}{suffix}`); rename one of the two.")
    for index, rel in enumerate(definition.relations):
        reason = reserved_field_reason(rel.foreign_key.name)
        if reason:
            yield Issue(("relations", index, "foreign_key", "name"), reason)
    builtin = {"anonymous", "user", "admin"}
    role_names: set[str] = set()
    for index, role in enumerate(definition.roles):
        if role.name in builtin:
            yield Issue(("roles", index, "name"), f"role `{role.name}` is built in; choose another name.")
        if role.name in role_names:
            yield Issue(("roles", index, "name"), f"another role is already called `{role.name}`.")
        role_names.add(role.name)
    generated = {f"{verb}_{t.name}{tail}" for t in definition.tables for verb in ("insert", "update", "delete") for tail in ("", "_one", "_by_pk")}
    generated |= {f"update_{t.name}_many" for t in definition.tables}
    for index, flow in enumerate(definition.actionflows):
        if flow.id in generated or flow.id.startswith("fz_"):
            yield Issue(("actionflows", index, "id"), f"actionflow id `{flow.id}` would clash with a generated GraphQL mutation; choose another id.")
