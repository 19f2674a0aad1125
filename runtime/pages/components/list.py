"""A list: rows of a table rendered through an item template, live when subscribed.

The server renders the first-paint rows (loaded with the visitor's permissions)
and the item template once more inside ``<template>``; the browser clones it for
rows that arrive later and re-binds rows in place, keyed by ``id``.
"""

from __future__ import annotations

from typing import Any

from runtime.pages.components.base import ComponentKind, ListData, RenderContext
from runtime.pages.scope import Scope


class ListKind(ComponentKind):
    type = "list"
    tree_fields = frozenset({"item"})

    def base_style_of(self, component: Any) -> dict[str, str]:
        return {"--mm-gap": f"{component.gap}px"}

    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        data = ctx.data.lists.get(component.id)
        if data is None:  # a list inside another list's item: not loaded on its own
            data = ListData(rows=[], error=None)
        items = [(row.get("id"), scope.with_item(row)) for row in data.rows]
        return {"items": items, "error": data.error, "template_scope": scope.with_item({})}
