"""Image variants asked for through an asset field's ``url(width:, height:, fit:)``, and the asset columns a client may read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.types import BadUserInput

# Columns of minimomen.asset a client may read through an image / file field.
ASSET_COLUMNS = frozenset({"id", "filename", "content_type", "size", "width", "height", "created_at"})
FITS = ("cover", "contain", "fill")
MAX_VARIANT_SIDE = 4096


def variant_spec(args: Any) -> str:
    """``url(width:, height:, fit:)`` as the variant part of a signed URL (``""``: the original).

    ``w<width>-h<height>-<fit>`` with 0 for a side left free (kept in proportion).
    """
    if not isinstance(args, Mapping):
        return ""
    width, height, fit = args.get("width"), args.get("height"), args.get("fit") or "cover"
    if width is None and height is None:
        return ""
    for side in (width, height):
        if side is not None and (isinstance(side, bool) or not isinstance(side, int) or not 1 <= side <= MAX_VARIANT_SIDE):
            raise BadUserInput(f"url: width and height must be whole numbers from 1 to {MAX_VARIANT_SIDE}")
    if fit not in FITS:
        raise BadUserInput(f"url: fit must be one of {', '.join(FITS)}")
    return f"w{width or 0}-h{height or 0}-{fit}"
