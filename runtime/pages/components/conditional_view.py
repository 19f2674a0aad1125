"""Conditional view: every branch is rendered, only the first that holds is shown.

Rendering all branches lets the browser switch branches (login state, an item's
stock) without asking the server for markup.
"""

from __future__ import annotations

from typing import Any

from runtime.pages.components.base import ComponentKind, RenderContext
from runtime.pages.scope import Scope


def chosen_branch(component: Any, scope: Scope) -> str | None:
    for branch in component.branches:
        if branch.condition is None or scope.holds(branch.condition):
            return branch.id
    return None


class ConditionalViewKind(ComponentKind):
    type = "conditional_view"

    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        return {"shown": chosen_branch(component, scope)}

    def client_spec(self, component: Any) -> dict[str, Any]:
        spec = super().client_spec(component)
        spec["branches"] = [{"id": b.id, "condition": b.condition} for b in component.branches]
        return spec
