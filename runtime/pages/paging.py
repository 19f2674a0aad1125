"""Pages and end-user sorting of a list: ``page_size``, ``pager`` and ``sort_variable``.

A paged list's operation takes ``$limit`` / ``$offset``; a sortable one takes
``$order_by``, computed from a text page variable ``"<field>:asc|desc"`` (a field of the
table, else the list's own order). *Load more* grows ``$limit`` from offset 0, so a
subscription keeps every shown row live; *numbered* pages move ``$offset`` and ask
``<table>_aggregate`` for the total (first paint on the server, later in the browser).
``runtime/static/mm-lists.js`` computes the same variables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Paging:
    page_size: int | None
    pager: str  # "load_more" or "numbered"
    sort_variable: str | None
    default_order: tuple[tuple[str, str], ...]
    sortable: frozenset[str]
    count: str | None  # the total's query text (numbered pages), with the list's $where

    def order_by(self, variables: Mapping[str, Any]) -> list[dict[str, str]]:
        value = variables.get(self.sort_variable) if self.sort_variable else None
        if isinstance(value, str):
            field, _, direction = value.partition(":")
            if field in self.sortable and direction in ("asc", "desc", ""):
                return [{field: direction or "asc"}] + ([{"id": "asc"}] if field != "id" else [])
        return [{f: d} for f, d in self.default_order]

    def variables(self, page_values: Mapping[str, Any], page: int = 1) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if self.page_size:
            if self.pager == "numbered":
                values.update(limit=self.page_size, offset=(page - 1) * self.page_size)
            else:
                values.update(limit=self.page_size * page, offset=0)
        if self.sort_variable:
            values["order_by"] = self.order_by(page_values)
        return values

    def to_json(self) -> dict[str, Any]:
        return {"page_size": self.page_size, "pager": self.pager, "sort_variable": self.sort_variable,
                "default_order": [list(o) for o in self.default_order], "sortable": sorted(self.sortable), "count": self.count}


def paging_of(source: Any, root: str, columns: Mapping[str, Any], name: Callable[[str], str]) -> Paging | None:
    """The paging of a list's data source, or None for a list that shows all its rows at once."""
    if source.page_size is None and source.sort_variable is None:
        return None
    order = tuple((o.field, o.direction) for o in source.order_by if o.field in columns) or (("id", "asc"),)
    count = None
    if source.page_size and source.pager == "numbered":
        header = f"($where: {root}_bool_exp!) " if source.filter else ""
        where = "(where: $where)" if source.filter else ""
        count = f"query {header}{{ {name(root)}_aggregate{where} {{ aggregate {{ count }} }} }}"
    return Paging(source.page_size, source.pager, source.sort_variable, order, frozenset(columns), count)
