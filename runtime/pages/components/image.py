"""An image whose address and description are bound expressions."""

from __future__ import annotations

import re
from typing import Any

from runtime.pages.components.base import ComponentKind, RenderContext
from runtime.pages.formatting import plain_text
from runtime.pages.scope import Scope

# Only web addresses and site-relative paths; never javascript: or other schemes.
_SAFE_SRC = re.compile(r"^(https?://|/(?!/))[^\s\"'<>]*$", re.IGNORECASE)


def safe_src(value: Any) -> str:
    text = plain_text(value).strip()
    return text if _SAFE_SRC.fullmatch(text) else ""


class ImageKind(ComponentKind):
    type = "image"

    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        return {"src": safe_src(scope.value(component.src)), "alt": plain_text(scope.value(component.alt))}
