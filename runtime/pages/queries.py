"""The GraphQL operation of a list: one text for first paint and for the live subscription.

A list's data source (table, filter, order, limit) and the ``item.*`` fields its
item template binds become e.g.
``subscription ($where: product_bool_exp!) { product(where: $where, order_by: {id: asc}) { id price } }``.
Filter values that are expressions (``page.x``, ``global.current_account.id``)
travel as the ``$where`` variable, computed where the list is rendered or
subscribed (server or browser), so the text never changes with the values.
Lists inside the item template load in the same operation, as relationship
fields of each row (``runtime.pages.nesting``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from builder.expressions import is_ref
from builder.pages import ListComponent
from builder.resolved import ResolvedProject, ResolvedTable
from runtime.pages.image_variants import VARIANT, variant_alias
from runtime.pages.nesting import (
    Link,
    NotNestable,
    Readable,
    alias_of,
    direct_lists,
    everything,
    link_of,
    prune,
    variable_of,
)
from runtime.pages.paging import Paging, paging_of
from runtime.pages.search import where_value

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Selection = dict[str, "Selection"]  # field name -> sub-selection ({} for a column)


class QueryBuildError(ValueError):
    """The list cannot be turned into a query (unknown table, unsafe name)."""


@dataclass(frozen=True)
class NestedQuery:
    """A list inside the item template, loaded as the field ``alias`` of every parent row."""

    list_id: str
    alias: str
    variable: str | None  # carries its filter (page and global values), None without one
    filter: Mapping[str, Any]


@dataclass(frozen=True)
class ListQuery:
    root: str  # the root field, i.e. the table name
    body: str  # everything after the operation keyword
    filter: Mapping[str, Any]  # the bool-exp with expressions, evaluated into $where
    nested: tuple[NestedQuery, ...] = ()  # lists inside the item template, at any depth
    unavailable: Mapping[str, str] = field(default_factory=dict)  # nested list id -> why it cannot load
    paging: Paging | None = None  # pages and end-user sorting (runtime.pages.paging)

    def text(self, operation: str) -> str:
        return f"{operation} {self.body}"

    def variables(self, resolve: Callable[[str], Any], page_values: Mapping[str, Any] | None = None) -> dict[str, Any]:
        values = {"where": where_value(self.filter, resolve)} if self.filter else {}
        for nested in self.nested:
            if nested.variable is not None:
                values[nested.variable] = where_value(nested.filter, resolve)
        if self.paging is not None:
            values.update(self.paging.variables(page_values or {}))
        return values


def _name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise QueryBuildError(f"`{value}` cannot be used as a GraphQL name")
    return value


def iter_item_paths(tree: Any, prefix: str = "item.") -> Iterator[str]:
    """Every ``item.*`` path (or ``prefix``) referenced in a (dumped) component subtree, outside nested lists."""
    if isinstance(tree, list):
        for part in tree:
            yield from iter_item_paths(part, prefix)
    elif isinstance(tree, dict):
        if tree.get("type") == "list" and "source" in tree and prefix == "item.":
            return  # a nested list binds its own items
        if is_ref(tree):
            if tree["ref"].startswith(prefix):
                yield tree["ref"][len(prefix):]
            return
        if tree.get("type") == "image" and is_ref(tree.get("src")) and tree["src"]["ref"].startswith(prefix):
            alias = variant_alias(tree.get("width"), tree.get("height"), tree.get("fit") or "cover")
            if alias:  # an image field shown resized: select that variant's URL too
                yield f"{tree['src']['ref'][len(prefix):]}.{alias}"
        for key, value in tree.items():
            if key.startswith(prefix):
                yield key[len(prefix):]
            yield from iter_item_paths(value, prefix)


_AGGREGATES = frozenset({"sum", "avg", "min", "max"})


def _aggregate_selection(rest: list[str]) -> Selection:
    """``aggregate.count`` / ``aggregate.sum.seats`` as the selection under ``<rel>_aggregate``."""
    if len(rest) >= 2 and rest[0] == "aggregate":
        if rest[1] == "count":
            return {"aggregate": {"count": {}}}
        if rest[1] in _AGGREGATES and len(rest) >= 3:
            return {"aggregate": {rest[1]: {_name(rest[2]): {}}}}
    return {}


def selection_for(table: ResolvedTable, paths: list[str], resolved: ResolvedProject) -> Selection:
    """The fields to select so that every path can be looked up in a row; ``id`` always."""
    selection: Selection = {"id": {}}
    for path in paths:
        node, current = selection, table
        segments = path.split(".")
        for index, segment in enumerate(segments):
            if segment in current.columns:
                asset = current.columns[segment].asset
                if asset:
                    _merge(node.setdefault(_name(segment), {}), _asset_selection(asset, segments[index + 1:]))
                else:
                    node.setdefault(_name(segment), {})
                break
            base = segment.removesuffix("_aggregate")
            if segment != base and base in current.relationships and current.relationships[base].kind == "array":
                wanted = _aggregate_selection(segments[index + 1:])
                if wanted:
                    _merge(node.setdefault(_name(segment), {}), wanted)
                break
            relationship = current.relationships.get(segment)
            if relationship is None:
                break  # an unknown field: validation reports it; select nothing
            child = node.setdefault(_name(segment), {"id": {}})
            if relationship.kind == "array":
                break
            node, current = child, resolved.table(relationship.target)
    return selection


def _asset_selection(kind: str, rest: list[str]) -> Selection:
    """An image / file field: the stored file's object, with a resized URL when ``rest`` names one."""
    selection: Selection = {name: {} for name in ("id", "url", "filename", "content_type", "size")}
    if kind == "image":
        selection.update({"width": {}, "height": {}})
        match = VARIANT.match(rest[0]) if rest else None
        if match:
            width, height, fit = match.groups()
            sizes = ", ".join(f"{axis}: {int(value)}" for axis, value in (("width", width), ("height", height)) if int(value))
            selection[f'{rest[0]}: url({sizes}, fit: "{fit}")'] = {}
    return selection


def _merge(into: Selection, more: Selection) -> None:
    for key, value in more.items():
        _merge(into.setdefault(key, {}), value)


def _print_selection(selection: Selection) -> str:
    fields = sorted(selection, key=lambda name: (name != "id", name))
    return " ".join(f"{name} {{ {_print_selection(selection[name])} }}" if selection[name] else name for name in fields)


@dataclass
class _Fields:
    """The fields of a list's rows, with the nested lists they carry."""

    text: str
    headers: list[str]  # variable definitions of nested lists
    nested: list[NestedQuery]
    unavailable: dict[str, str]


def _rows_fields(component: ListComponent, table: ResolvedTable, resolved: ResolvedProject, readable: Readable, *,
                 nested: bool, prefix: str = "item.") -> _Fields:
    item_tree = [c.model_dump(mode="json") for c in component.item]
    selection = selection_for(table, sorted(set(iter_item_paths(item_tree, prefix))), resolved)
    if nested:  # what the visitor may not read is left out, so the parent still loads
        selection = prune(selection, table, resolved, readable)
    fields = _Fields(_print_selection(selection), [], [], {})
    if prefix != "item.":
        return fields  # a record's lists load on their own
    for inner in direct_lists(component.item):
        try:
            link = link_of(inner, table, resolved)
        except NotNestable as exc:
            fields.unavailable[inner.id] = str(exc)
            continue
        child = resolved.table(link.relationship.target)
        if readable(child) is None:
            continue  # not for this visitor: the list stays empty
        _nest(inner, link, child, resolved, readable, fields)
    return fields


def _nest(inner: ListComponent, link: Link, child: ResolvedTable, resolved: ResolvedProject, readable: Readable, fields: _Fields) -> None:
    arguments = []
    variable = None
    if link.rest:
        variable = _name(variable_of(inner.id))
        fields.headers.append(f"${variable}: {_name(child.name)}_bool_exp!")
        arguments.append(f"where: ${variable}")
    arguments.append(f"order_by: {_order_by(inner, child)}")
    if inner.source.limit:
        arguments.append(f"limit: {int(inner.source.limit)}")
    deeper = _rows_fields(inner, child, resolved, readable, nested=True)
    alias = _name(alias_of(inner.id))
    fields.text += f" {alias}: {_name(link.relationship.name)}({', '.join(arguments)}) {{ {deeper.text} }}"
    fields.headers += deeper.headers
    fields.nested += [NestedQuery(inner.id, alias, variable, link.rest), *deeper.nested]
    fields.unavailable.update(deeper.unavailable)


def _order_by(component: ListComponent, table: ResolvedTable) -> str:
    orders = [(o.field, o.direction) for o in component.source.order_by] or [("id", "asc")]
    items = [f"{{{_name(field)}: {direction}}}" for field, direction in orders if field in table.columns]
    if not items:
        items = ["{id: asc}"]
    return items[0] if len(items) == 1 else "[" + ", ".join(items) + "]"


def list_query(component: ListComponent, resolved: ResolvedProject, readable: Readable | None = None, *, prefix: str = "item.") -> ListQuery:
    """The operation that loads (or keeps live) the rows a list shows, nested lists included.

    ``readable`` tells which tables and columns the visitor may read; nested lists
    leave out the rest (default: everything).
    """
    try:
        table = resolved.table(component.source.table)
    except KeyError as exc:
        raise QueryBuildError(f"list {component.name}: table {component.source.table} does not exist") from exc
    root = _name(table.name)
    fields = _rows_fields(component, table, resolved, readable or everything, nested=False, prefix=prefix)
    arguments = []
    headers = []
    if component.source.filter:
        headers.append(f"$where: {root}_bool_exp!")
        arguments.append("where: $where")
    headers += fields.headers
    paging = paging_of(component.source, root, table.columns, _name) if prefix == "item." else None
    if paging is not None and paging.sort_variable:
        headers.append(f"$order_by: [{root}_order_by!]")
        arguments.append("order_by: $order_by")
    else:
        arguments.append(f"order_by: {_order_by(component, table)}")
    if paging is not None and paging.page_size:
        headers += ["$limit: Int!", "$offset: Int!"]
        arguments += ["limit: $limit", "offset: $offset"]
    elif component.source.limit:
        arguments.append(f"limit: {int(component.source.limit)}")
    header = f"({', '.join(headers)}) " if headers else ""
    body = f"{header}{{ {root}({', '.join(arguments)}) {{ {fields.text} }} }}"
    return ListQuery(root=root, body=body, filter=component.source.filter, nested=tuple(fields.nested),
                     unavailable=fields.unavailable, paging=paging)
