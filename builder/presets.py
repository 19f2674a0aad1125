"""Common UI presets: pre-styled component subtrees the designer can insert into a page.

Presets live as JSON under ``presets/`` (``index.json`` lists them). Like Momen's
"Common UI Presets" page they carry looks only — layout, variants, typography —
never data bindings or actions; the builder adds those after inserting one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from builder.assets import asset_dir
from builder.pages import Component

PRESETS_DIR = asset_dir("presets", "presets")
_COMPONENTS: TypeAdapter[list[Any]] = TypeAdapter(list[Component])


class PresetError(LookupError):
    """A preset does not exist or its file is not a valid component list."""


def _index(directory: Path) -> list[dict[str, Any]]:
    data = json.loads((directory / "index.json").read_text(encoding="utf-8"))
    return list(data["presets"])


def list_presets(directory: Path = PRESETS_DIR) -> list[dict[str, Any]]:
    """Every preset: ``{id, name, category, description}`` in palette order."""
    return [{key: entry[key] for key in ("id", "name", "category", "description")} for entry in _index(directory)]


def load_preset(preset_id: str, directory: Path = PRESETS_DIR) -> list[Any]:
    """The components of a preset, validated against ``builder.pages`` (fresh objects each call)."""
    entry = next((e for e in _index(directory) if e["id"] == preset_id), None)
    if entry is None:
        raise PresetError(f"There is no preset called `{preset_id}`.")
    path = directory / entry["file"]
    if path.parent != directory:
        raise PresetError(f"Preset `{preset_id}` points outside the presets folder.")
    try:
        return _COMPONENTS.validate_json(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise PresetError(f"Preset `{preset_id}` cannot be loaded: {exc}") from exc
