"""Text bound to an expression, with a prefix, a suffix and a display format."""

from __future__ import annotations

from typing import Any

from builder.display_formats import DEFAULT_DISPLAY, Display
from runtime.pages.components.base import ComponentKind, RenderContext
from runtime.pages.formatting import format_value
from runtime.pages.scope import Scope

TAGS = {"title": "h1", "subtitle": "h2", "body": "p", "caption": "p"}


def text_of(component: Any, scope: Scope, display: Display = DEFAULT_DISPLAY) -> str:
    """The characters a text component shows in the app's ``display`` (the browser computes the same)."""
    return f"{component.prefix}{format_value(scope.value(component.value), component.format, display)}{component.suffix}"


class TextKind(ComponentKind):
    type = "text"

    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        return {"text": text_of(component, scope, ctx.display), "tag": TAGS[component.variant]}
