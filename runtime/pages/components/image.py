"""An image: a web address, or an image field's stored file (optionally resized).

Bound to an image field, the value is the file's object (``{id, url, ...}``); with a
width / height the list or record query also selects ``url_w<W>_h<H>_<fit>: url(width:,
height:, fit:)`` (``runtime.pages.image_variants``) and the
component shows that resized copy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from runtime.pages.components.base import ComponentKind, RenderContext
from runtime.pages.formatting import plain_text
from runtime.pages.image_variants import variant_alias
from runtime.pages.scope import Scope

# Only web addresses and site-relative paths; never javascript: or other schemes.
_SAFE_SRC = re.compile(r"^(https?://|/(?!/))[^\s\"'<>]*$", re.IGNORECASE)


def safe_src(value: Any) -> str:
    text = plain_text(value).strip()
    return text if _SAFE_SRC.fullmatch(text) else ""


def image_src(value: Any, component: Any) -> str:
    """The address to show: a stored file's (resized) URL, or a web address."""
    if isinstance(value, Mapping):
        alias = variant_alias(component.width, component.height, component.fit)
        value = (value.get(alias) if alias else None) or value.get("url")
    return safe_src(value)


class ImageKind(ComponentKind):
    type = "image"

    def variables(self, component: Any, ctx: RenderContext, scope: Scope) -> dict[str, Any]:
        value = scope.value(component.src)
        alt = plain_text(scope.value(component.alt))
        if not alt and isinstance(value, Mapping):
            alt = plain_text(value.get("filename"))
        return {"src": image_src(value, component), "alt": alt}
