"""A button; its onClick chain runs in the browser (busy while it runs)."""

from __future__ import annotations

from typing import Any

from runtime.pages.components.base import ComponentKind, RenderContext
from runtime.pages.formatting import plain_text
from runtime.pages.scope import Scope


class ButtonKind(ComponentKind):
    type = "button"

    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        return {"label": plain_text(scope.value(component.label))}
