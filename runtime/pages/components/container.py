"""Layout container: a row or column of children, plain, as a card, or as a page header.

A container with ``record`` shows its children bound to that row
(``record.<id>.*``), or its ``not_found`` children when there is no such row; both
are rendered so the browser can switch when a live record appears or goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.pages.components.base import ComponentKind, RecordData, RenderContext
from runtime.pages.scope import Scope


class ContainerKind(ComponentKind):
    type = "container"
    tree_fields = frozenset({"children", "not_found"})

    def base_style_of(self, component: Any) -> Mapping[str, str]:
        return {"gap": f"{component.gap}px", "padding": f"{component.padding}px"}

    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        if component.record is None:
            return {}
        data = ctx.data.records.get(component.id) or RecordData()
        found = data.row is not None
        return {"found": found, "error": data.error, "inner": scope.with_record(component.id, data.row if found else {})}
