"""Warnings for lists inside a list's item that are not linked to their parent row.

A nested list loads with its parent (``runtime.pages.nesting``) only when its
filter holds one ``<foreign key> = item.id`` conjunct (at the top level or in a
top-level ``_and``) along a one-to-many relation from the parent's table to its
own, and uses ``item.*`` nowhere else. Any other shape leaves it empty on every
row — the classic mistake being a list of orders inside a list of products that
is not filtered by the product of the row. These are warnings, not errors: the
definition publishes and the rest of the page works.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from builder.definition import Definition, Relation
from builder.errors import PathPart
from builder.list_links import item_link, uses_item
from builder.pages import ListComponent
from builder.validation.catalog import Catalog, TableInfo
from builder.validation.report import Issue

Parts = tuple[PathPart, ...]


@dataclass(frozen=True)
class Enclosing:
    """The innermost list around a component: whose row ``item`` is."""

    name: str
    table: TableInfo


def _to_many(relations: list[Relation], parent: TableInfo, child: TableInfo) -> list[Relation]:
    """Relations along which a parent row has many child rows: the links a nested list can follow."""
    return [r for r in relations if r.kind == "one_to_many" and r.from_table == parent.id and r.to_table == child.id]


def _to_one(relations: list[Relation], parent: TableInfo, child: TableInfo) -> list[str]:
    """Fields of the parent that point to one child row (``item.<field>``)."""
    fields = [r.from_field for r in relations if r.kind == "one_to_one" and r.from_table == parent.id and r.to_table == child.id]
    return fields + [r.to_field for r in relations if r.to_table == parent.id and r.from_table == child.id]


def _hint(relations: list[Relation], parent: TableInfo, child: TableInfo) -> str:
    """What to do instead, from the relations the two tables have."""
    many = _to_many(relations, parent, child)
    if many:
        options = " or ".join(f"`{r.foreign_key.name}` equal to `item.id` (relation {parent.name}.{r.from_field})" for r in many)
        return f"Filter it by {options} to show the {child.name} rows of each {parent.name}."
    one = _to_one(relations, parent, child)
    if one:
        return f"Show it with texts bound to `item.{one[0]}.<field>` instead of a list."
    return f"Add a relation ({parent.name} has many {child.name}) and filter the list by it, or move the list out of the item to show every {child.name}."


def _why_unlinked(link: tuple[str, str] | None, relations: list[Relation], parent: TableInfo, child: TableInfo) -> str:
    if _to_many(relations, parent, child):
        if link is None:
            return f"its filter does not tie the {child.name} rows to the {parent.name} of the row"
        return f"its filter compares `{link[0]}` with `item.{link[1]}`, which is not the link of a relation between {parent.name} and {child.name}"
    if _to_one(relations, parent, child):
        return f"each {parent.name} has at most one {child.name}, not a list of them"
    return f"table {child.name} has no relation to table {parent.name}"


def _link_problem(component: ListComponent, parent: TableInfo, child: TableInfo, relations: list[Relation]) -> str | None:
    """Why the nested list cannot load with its parent's rows (completing "this list ..."), or None when it can."""
    link, rest = item_link(component.source.filter or {})
    cannot = f"so it cannot show the {child.name} rows of each {parent.name} (it stays empty)"
    if link is not None:
        column, field = link
        if field == "id" and any(r.foreign_key.name == column for r in _to_many(relations, parent, child)):
            if not uses_item(rest):
                return None
            return (
                f"uses `item.*` outside its link `{column}` = `item.id`, {cannot}. "
                "Its other conditions can use page and global values."
            )
    why = _why_unlinked(link, relations, parent, child)
    return f"is not linked to its row: {why}, {cannot}. {_hint(relations, parent, child)}"


def _walk(components: list[Any], parts: Parts, enclosing: Enclosing | None, catalog: Catalog) -> Iterator[tuple[ListComponent, Parts, Enclosing]]:
    """Every list inside an item template, with its path and the list whose row it is in."""
    for index, component in enumerate(components):
        here = (*parts, index)
        if isinstance(component, ListComponent):
            if enclosing is not None:
                yield component, here, enclosing
            table = catalog.table(component.source.table)
            # an unknown table is reported elsewhere; lists inside it have no parent to check against
            inner = Enclosing(component.name, table) if table is not None else None
            if inner is not None:
                yield from _walk(component.item, (*here, "item"), inner, catalog)
        elif component.type == "container":
            yield from _walk(component.children, (*here, "children"), enclosing, catalog)
        elif component.type == "conditional_view":
            for b_index, branch in enumerate(component.branches):
                yield from _walk(branch.children, (*here, "branches", b_index, "children"), enclosing, catalog)


def check_nested_lists(definition: Definition, catalog: Catalog) -> Iterator[Issue]:
    """A warning for each list inside a list's item that cannot load the rows of its own parent row."""
    for index, page in enumerate(definition.pages):
        for component, parts, enclosing in _walk(page.components, ("pages", index, "components"), None, catalog):
            child = catalog.table(component.source.table)
            if child is None:
                continue
            problem = _link_problem(component, enclosing.table, child, definition.relations)
            if problem is not None:
                sentence = f"this list of {child.name} inside the list {enclosing.name} {problem}"
                yield Issue(parts, sentence, severity="warning")
