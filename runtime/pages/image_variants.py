"""The response key of an image field's resized URL, shared by the page queries and the
Image component (``mm-components.js`` builds the same name): ``url_w<W>_h<H>_<fit>``."""

from __future__ import annotations

import re

VARIANT = re.compile(r"^url_w(\d{1,4})_h(\d{1,4})_(cover|contain|fill)$")


def variant_alias(width: int | None, height: int | None, fit: str) -> str | None:
    """The key of the resized URL, or None for the full image."""
    if not width and not height:
        return None
    return f"url_w{width or 0}_h{height or 0}_{fit}"
