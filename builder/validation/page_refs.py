"""What a page binding may reference at one place of the page, and why a path does not resolve.

The scope of a binding: ``item.*`` inside a list's item template (the innermost
list's table), ``record.<container id>.*`` inside a container that loads a record,
``page.*`` page variables, ``param.*`` page parameters, ``component.<id>.value``
of inputs outside any list or in the same item template, ``global.*``, and inside
the ``on_success`` / ``on_failure`` chains of an action that calls the server
``result.*`` (a flow's output or the written row) / ``error.message``.

Field paths follow object relationships to any depth (``item.booking.event.title``)
and may end in an aggregate of an array relationship
(``item.bookings_aggregate.aggregate.count``, ``...aggregate.sum.seats``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from builder.flows import Actionflow
from builder.page_inputs import INPUT_TYPES
from builder.pages import Page
from builder.validation.catalog import NUMERIC_TYPES, Catalog, TableInfo, suggestion

GLOBAL_KEYS = ("is_logged_in", "current_account")
AGGREGATE_SUFFIX = "_aggregate"
COUNT = "count"
COLUMN_AGGREGATES = ("sum", "avg", "min", "max")


@dataclass(frozen=True)
class PageContext:
    catalog: Catalog
    page: Page
    flows: Mapping[str, Actionflow]
    pages: Mapping[str, Page]
    components: Mapping[str, tuple[str, tuple[str, ...]]]  # id -> (type, enclosing list ids)
    roles: frozenset[str] = frozenset()

    @property
    def page_ids(self) -> frozenset[str]:
        return frozenset(self.pages)


@dataclass(frozen=True)
class PageScope:
    lists: tuple[tuple[str, str], ...] = ()  # (list component id, table id), outermost first
    records: tuple[tuple[str, str], ...] = ()  # (container id, table id) of enclosing records
    result_flow: Actionflow | None = None
    result_table: str | None = None  # table id of the row a write action returns
    in_failure: bool = False

    @property
    def list_ids(self) -> tuple[str, ...]:
        return tuple(list_id for list_id, _ in self.lists)


def field_path_problem(table: TableInfo, rest: list[str], catalog: Catalog, prefix: str, *, rows: bool = True) -> str | None:
    """Why ``rest`` is not a field path of ``table`` (columns, object relationships, aggregates).

    A path must end in a value: a column, or a total of an array relationship. Ending
    at an object relationship (``node.q.product``) is refused with the fields one can
    pick; ending at an array relationship is a list of rows, allowed only where
    ``rows`` is true (page bindings), not in flows (``rows=False``).
    """
    if not rest:
        return f"name a field after `{prefix}.`, e.g. `{prefix}.id`."
    for index, segment in enumerate(rest):
        if segment in table.columns:
            return None  # a column's value; lookups below it (json) are not checked
        relationship = table.relationships.get(segment)
        if relationship is None and segment.endswith(AGGREGATE_SUFFIX):
            relationship = table.relationships.get(segment[: -len(AGGREGATE_SUFFIX)])
            if relationship is not None and relationship.kind == "array":
                return _aggregate_problem(catalog.table(relationship.target), rest[index + 1:], segment)
        if relationship is None:
            choices = [*table.columns, *table.relationships]
            return f"field `{segment}` does not exist on table {table.name}.{suggestion(segment, choices)}"
        path = ".".join((prefix, *rest[: index + 1]))
        target = catalog.table(relationship.target)
        if relationship.kind == "array":
            if rows:
                return None  # a list of rows (a nested list's source, or a count via _aggregate)
            return f"`{path}` is a list of {target.name if target else 'related'} rows, not a value; use a total such as `{path}_aggregate.aggregate.count`."
        if target is None:
            return None
        if index == len(rest) - 1:
            fields = sorted(target.columns)
            return (f"`{path}` is a related {target.name} row, not a value; pick one of its fields, "
                    f"e.g. `{path}.{fields[0] if 'id' not in fields else 'id'}` (fields: {', '.join(fields)}).")
        table = target
    return None


def _aggregate_problem(table: TableInfo | None, rest: list[str], segment: str) -> str | None:
    example = f"`{segment}.aggregate.count` or `{segment}.aggregate.sum.<number field>`"
    if not rest or rest[0] != "aggregate" or len(rest) < 2:
        return f"use {example}."
    if rest[1] == COUNT and len(rest) == 2:
        return None
    if rest[1] in COLUMN_AGGREGATES and len(rest) == 3:
        if table is None:
            return None
        column_type = table.columns.get(rest[2])
        if column_type is None:
            return f"field `{rest[2]}` does not exist on table {table.name}.{suggestion(rest[2], table.columns)}"
        if rest[1] in ("sum", "avg") and column_type not in NUMERIC_TYPES:
            return f"`{rest[1]}` needs a number field; `{rest[2]}` is {column_type}."
        return None
    return f"use {example}."


def _item_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    if not scope.lists:
        return "`item.*` can only be used inside the item template of a list."
    table = ctx.catalog.table(scope.lists[-1][1])
    return None if table is None else field_path_problem(table, rest, ctx.catalog, "item")


def _record_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    container = rest[0] if rest else ""
    records = dict(scope.records)
    if container not in records:
        found = ctx.components.get(container)
        if found is None or found[0] != "container":
            return f"`record.{container}` names no container that loads a record.{suggestion(container, records)}"
        return f"`record.{container}.*` can only be used inside container `{container}` (where its record is loaded)."
    table = ctx.catalog.table(records[container])
    return None if table is None else field_path_problem(table, rest[1:], ctx.catalog, f"record.{container}")


def _page_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    names = [v.name for v in ctx.page.variables]
    if not rest or rest[0] not in names:
        name = rest[0] if rest else ""
        return f"page variable `{name}` is not declared on page {ctx.page.name}.{suggestion(name, names)}"
    return None


def _param_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    names = [p.name for p in ctx.page.params]
    if len(rest) != 1 or rest[0] not in names:
        name = rest[0] if rest else ""
        return f"page parameter `{name}` is not declared on page {ctx.page.name}.{suggestion(name, names)}"
    return None


def _component_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    component_id = rest[0] if rest else ""
    found = ctx.components.get(component_id)
    if found is None:
        return f"component `{component_id}` does not exist on page {ctx.page.name}.{suggestion(component_id, ctx.components)}"
    kind, lists = found
    if kind not in INPUT_TYPES:
        return f"component `{component_id}` is a {kind.replace('_', ' ')}, not an input; only inputs have a value."
    if len(rest) != 2 or rest[1] != "value":
        return f"use `component.{component_id}.value`."
    if scope.list_ids[: len(lists)] != lists:
        return f"input `{component_id}` is inside a list's item template; it can only be used from the same item template."
    return None


def _global_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    if rest == ["is_logged_in"]:
        return None
    if len(rest) == 2 and rest[0] == "current_account":
        account = ctx.catalog.account()
        if account is not None and rest[1] not in account.columns:
            return f"field `{rest[1]}` does not exist on table account.{suggestion(rest[1], account.columns)}"
        return None
    return "use `global.is_logged_in` or `global.current_account.<field>`."


def _result_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    if scope.result_table is not None:
        table = ctx.catalog.table(scope.result_table)
        return None if table is None else field_path_problem(table, rest, ctx.catalog, "result")
    flow = scope.result_flow
    if flow is None:
        return "`result.*` can only be used in the on-success actions of Call Actionflow or of a row write."
    if not rest or rest[0] not in flow.output:
        name = rest[0] if rest else ""
        return f"actionflow {flow.name} has no output `{name}`.{suggestion(name, flow.output)}"
    return None


def _error_ref(rest: list[str], scope: PageScope, ctx: PageContext) -> str | None:
    if not scope.in_failure:
        return "`error.message` can only be used in the on-failure actions of Call Actionflow or of a row write."
    if rest != ["message"]:
        return "use `error.message`."
    return None


PAGE_REFS: dict[str, Callable[[list[str], PageScope, PageContext], str | None]] = {
    "item": _item_ref,
    "record": _record_ref,
    "page": _page_ref,
    "param": _param_ref,
    "component": _component_ref,
    "global": _global_ref,
    "result": _result_ref,
    "error": _error_ref,
}


def ref_checker(scope: PageScope, ctx: PageContext) -> Callable[[str], str | None]:
    def check(path: str) -> str | None:
        root, *rest = path.split(".")
        handler = PAGE_REFS.get(root)
        if handler is None:
            return f"`{path}` is not a reference a page knows; start with {', '.join(f'{r}.' for r in PAGE_REFS)}."
        return handler(rest, scope, ctx)

    return check
