"""Records: the one row a container loads, and the typed parameters a page reads from its URL.

A container with ``record`` loads like a list of at most one row (same GraphQL text
for first paint and the live subscription), its fields bound as
``record.<container id>.<path>``. With ``row_id`` the filter is ``id = row_id``;
a null id (a missing parameter) means not found, without asking the database.
Page parameters travel in the query string (``?ticket_id=7``) and are parsed as
their declared type; a value that does not parse is null.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator, Mapping
from typing import Any

from builder.pages import ContainerComponent, DataSource, ListComponent, Page
from builder.resolved import ResolvedProject
from runtime.pages.nesting import Readable
from runtime.pages.queries import ListQuery, list_query

NO_ACCESS = "You don't have access to this."
NO_ACCESS_ROWS = "You don't have access to these rows."
ACCESS_CODES = frozenset({"TABLE_ACCESS", "PERMISSION_DENIED", "FORBIDDEN"})


def record_containers(components: list[Any]) -> Iterator[ContainerComponent]:
    """Containers that load a record, outside list item templates, outermost first."""
    for component in components:
        if isinstance(component, ContainerComponent):
            if component.record is not None:
                yield component
            yield from record_containers(component.children)
            yield from record_containers(component.not_found)
        elif component.type == "conditional_view":
            for branch in component.branches:
                yield from record_containers(branch.children)


def record_filter(container: ContainerComponent) -> dict[str, Any]:
    record = container.record
    assert record is not None
    if record.row_id is None:
        return dict(record.filter)
    by_id = {"id": {"_eq": record.row_id, "_ignore_empty": False}}
    return {"_and": [by_id, record.filter]} if record.filter else by_id


def record_query(container: ContainerComponent, resolved: ResolvedProject, readable: Readable | None = None) -> ListQuery:
    record = container.record
    assert record is not None
    as_list = ListComponent(
        id=container.id,
        name=container.name,
        source=DataSource(table=record.table, request=record.request, filter=record_filter(container), order_by=record.order_by, limit=1),
        item=container.children,
    )
    return list_query(as_list, resolved, readable, prefix=f"record.{container.id}.")


def record_queries(page: Page, resolved: ResolvedProject, readable: Readable | None = None) -> dict[str, ListQuery]:
    return {c.id: record_query(c, resolved, readable) for c in record_containers(page.components)}


def friendly_error(errors: list[Mapping[str, Any]], what: str) -> str:
    """A sentence for a visitor: no raw permission errors."""
    first = errors[0] if errors else {}
    code = ((first.get("extensions") or {}).get("code")) if isinstance(first, Mapping) else None
    if code in ACCESS_CODES or "no permission" in str(first.get("message", "")):
        return NO_ACCESS_ROWS if what == "list" else NO_ACCESS
    return f"Could not load this {what}: " + str(first.get("message") or "unknown error")


_PARSERS: dict[str, Any] = {
    "text": str,
    "bigint": int,
    "decimal": lambda raw: str(decimal.Decimal(raw)) if decimal.Decimal(raw).is_finite() else None,
    "boolean": lambda raw: {"true": True, "false": False}[raw.lower()],
    "date": lambda raw: dt.date.fromisoformat(raw).isoformat(),
    "timestamptz": lambda raw: dt.datetime.fromisoformat(raw).isoformat(),
}


def parse_params(page: Page, query: Mapping[str, str]) -> dict[str, Any]:
    """The page's declared parameters from the query string, typed (null when missing or unreadable)."""
    values: dict[str, Any] = {}
    for param in page.params:
        raw = query.get(param.name)
        try:
            values[param.name] = None if raw in (None, "") else _PARSERS[param.type](raw)
        except (ValueError, KeyError, ArithmeticError, decimal.InvalidOperation):
            values[param.name] = None
    return values


def missing_params(page: Page, values: Mapping[str, Any]) -> list[str]:
    return [p.name for p in page.params if p.required and values.get(p.name) is None]


def option_queries(page: Page, resolved: ResolvedProject, readable: Readable | None = None) -> dict[str, ListQuery]:
    """The rows each select with ``options_source`` offers (id and the shown field), as a list query."""
    from builder.pages import TextComponent, walk_components

    queries = {}
    for component in walk_components(page.components):
        source = getattr(component, "options_source", None)
        if component.type != "select" or source is None:
            continue
        label = TextComponent(id="label", name="label", value={"ref": f"item.{source.label_field}"})
        as_list = ListComponent(
            id=component.id, name=component.name, item=[label],
            source=DataSource(table=source.table, filter=source.filter, order_by=source.order_by, limit=source.limit),
        )
        queries[component.id] = list_query(as_list, resolved, readable)
    return queries
