"""A list: rows of a table rendered through an item template, live when subscribed.

The server renders the first-paint rows (loaded with the visitor's permissions)
and the item template once more inside ``<template>``; the browser clones it for
rows that arrive later and re-binds rows in place, keyed by ``id``. A list inside
an item takes its rows from that item (``runtime.pages.nesting``).
"""

from __future__ import annotations

from typing import Any

from runtime.pages.components.base import ComponentKind, ListData, RenderContext
from runtime.pages.nesting import alias_of
from runtime.pages.scope import Scope


class ListKind(ComponentKind):
    type = "list"
    tree_fields = frozenset({"item"})

    def base_style_of(self, component: Any) -> dict[str, str]:
        return {"--mm-gap": f"{component.gap}px"}

    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        data = ctx.data.lists.get(component.id)
        if data is None:  # a list inside another list's item: its rows came with the item
            data = self._nested_rows(component.id, ctx, scope)
        items = [(row.get("id"), scope.with_item(row)) for row in data.rows]
        return {"items": items, "error": data.error, "template_scope": scope.with_item({})}

    @staticmethod
    def _nested_rows(list_id: str, ctx: RenderContext, scope: Scope) -> ListData:
        for query in ctx.queries.values():
            if list_id in query.unavailable:
                return ListData(rows=[], error=query.unavailable[list_id])
        rows = (scope.item or {}).get(alias_of(list_id))
        return ListData(rows=rows if isinstance(rows, list) else [])
