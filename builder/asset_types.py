"""The field types whose value is a stored file: ``image`` and ``file``.

One registered unit read by the definition (``FIELD_TYPES``), the validator, the
designer's field editor (``/api/registry``), migrations and the runtime. A field of
such a type is a ``bigint`` column referencing ``minimomen.asset(id)`` (the runtime's
bookkeeping, see ``runtime.system_tables.ASSET_DDL``); in GraphQL it reads as an
object (``cover { id url filename content_type size width height }``) and is written
as the asset id an upload returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class AssetType:
    name: str
    graphql_type: str  # the output object type in GraphQL
    image: bool  # decoded for width/height; resized variants on request
    description: str


ASSET_TYPES: dict[str, AssetType] = {
    "image": AssetType("image", "FZ_Image", True, "A picture (PNG, JPEG, GIF, WebP); readable as a URL, resizable"),
    "file": AssetType("file", "FZ_File", False, "Any file (PDF, text, archive, video …); readable as a URL"),
}

# What an asset field is in the database and in filters / inputs: the asset's id.
STORAGE_TYPE: Final = "bigint"
ASSET_SCHEMA, ASSET_TABLE = "minimomen", "asset"


def asset_type(field_type: str) -> AssetType | None:
    """The asset type of a field type, or None for a plain value type."""
    return ASSET_TYPES.get(field_type)
