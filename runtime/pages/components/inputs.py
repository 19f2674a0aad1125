"""Text and number inputs: a labelled field whose value type is checked before actions run."""

from __future__ import annotations

from typing import Any

from runtime.pages.components.base import ComponentKind, RenderContext
from runtime.pages.formatting import plain_text
from runtime.pages.scope import Scope

INPUT_MODES = {"bigint": "numeric", "decimal": "decimal"}


class _InputKind(ComponentKind):
    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        default = scope.value(component.default)
        return {
            "value": plain_text(default),
            "inputmode": INPUT_MODES.get(component.value_type, "text"),
            "accessible_name": component.label or component.placeholder or component.name,
        }


class TextInputKind(_InputKind):
    type = "text_input"


class NumberInputKind(_InputKind):
    type = "number_input"
