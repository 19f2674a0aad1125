"""Lists inside a list's item: which ones can load with their parent, and how they link to it.

A list in an item template (the orders of each product card) is loaded in the
same operation as its parent, as a relationship field of every parent row::

    product(...) { id product_name _list_my_orders: orders(where: $list_my_orders_where) { id quantity } }

so one query (and one live subscription) serves the whole page, never one per
row. That needs a link: the nested list's filter compares the child's foreign
key with the parent item (``{"product_id": {"_eq": {"ref": "item.id"}}}``) along
an array relationship of the parent table. The rest of its filter may use page
and global values (they travel as a variable), not ``item.*``. Row permissions
apply to the relationship field as to any select; a table or column the visitor
may not read is left out of the operation (the nested list shows as empty).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from builder.list_links import item_link, uses_item
from builder.pages import ListComponent
from builder.resolved import Relationship, ResolvedProject, ResolvedTable

# the columns of a table the visitor may read; None: not the table at all
Readable = Callable[[ResolvedTable], frozenset[str] | None]
# selection trees as ``runtime.pages.queries`` builds them: field -> sub-selection
Selection = dict[str, Any]

ALIAS_PREFIX = "_list_"


def everything(table: ResolvedTable) -> frozenset[str]:
    """``Readable`` for a visitor who may read every table and column (the admin)."""
    return frozenset(table.columns)


def alias_of(list_id: str) -> str:
    """The field of each parent row that holds the rows of nested list ``list_id``."""
    return ALIAS_PREFIX + list_id


def variable_of(list_id: str) -> str:
    return f"list_{list_id}_where"


@dataclass(frozen=True)
class Link:
    """How a nested list's rows hang off its parent's rows."""

    relationship: Relationship
    rest: Mapping[str, Any]  # the filter without the link (page and global values only)


class NotNestable(ValueError):
    """The nested list cannot be loaded with its parent; the message says why, for the builder."""


def direct_lists(items: list[Any]) -> list[ListComponent]:
    """Lists in an item template, not those inside another nested list's own item."""
    found: list[ListComponent] = []

    def visit(node: Any) -> None:
        if isinstance(node, ListComponent):
            found.append(node)
            return
        for name in type(node).model_fields if hasattr(type(node), "model_fields") else ():
            value = getattr(node, name)
            for child in value if isinstance(value, list) else [value]:
                if hasattr(type(child), "model_fields"):
                    visit(child)

    for item in items:
        visit(item)
    return found


def link_of(inner: ListComponent, parent: ResolvedTable, resolved: ResolvedProject) -> Link:
    """The relationship a nested list follows from its parent's rows; NotNestable says why not."""
    try:
        child = resolved.table(inner.source.table)
    except KeyError as exc:
        raise NotNestable(f"list {inner.name}: its table does not exist") from exc
    found, rest = item_link(inner.source.filter or {})
    if found is None:
        raise NotNestable(
            f"list {inner.name} is inside a list of {parent.name}: its filter must link it to the item, "
            f"e.g. {{\"{parent.name}_id\": {{\"_eq\": {{\"ref\": \"item.id\"}}}}}}"
        )
    column, path = found
    for relationship in parent.relationships.values():
        if (
            relationship.kind == "array"
            and relationship.target == child.name
            and relationship.remote_column == column
            and relationship.local_column == path
        ):
            if uses_item(rest):
                raise NotNestable(f"list {inner.name}: only the link to the item ({column} = item.{path}) may use item values")
            return Link(relationship, rest)
    raise NotNestable(f"list {inner.name}: no relation links {parent.name}.{path} to {child.name}.{column}")


def prune(selection: Selection, table: ResolvedTable, resolved: ResolvedProject, readable: Readable) -> Selection:
    """``selection`` without the columns and relationships the visitor may not read (``id`` stays)."""
    columns = readable(table) or frozenset()
    kept: Selection = {}
    for name, sub in selection.items():
        if name in table.columns:
            if name == "id" or name in columns:
                kept[name] = sub
            continue
        relationship = table.relationships.get(name)
        if relationship is not None:
            target = resolved.table(relationship.target)
            if readable(target) is not None:
                kept[name] = prune(sub, target, resolved, readable)
    return kept


def walk_nested(items: list[Any]) -> Iterator[ListComponent]:
    """Every list at any depth inside an item template."""
    for inner in direct_lists(items):
        yield inner
        yield from walk_nested(inner.item)
