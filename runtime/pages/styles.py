"""Component ``style``: a small allow-list of CSS properties with plain values.

A value may hold words, numbers, units, ``#hex`` colours, ``rgb()``/``hsl()`` and
commas; anything else (``url(``, ``;``, braces, quotes, comments) is dropped, so a
style can change looks but never load or run anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

ALLOWED_PROPERTIES = frozenset(
    {
        "color", "background", "background-color", "border", "border-color", "border-radius",
        "font-size", "font-weight", "font-style", "text-align", "text-decoration", "line-height",
        "letter-spacing", "width", "min-width", "max-width", "height", "min-height", "max-height",
        "margin", "margin-top", "margin-bottom", "margin-left", "margin-right", "padding",
        "align-items", "align-self", "justify-content", "flex", "flex-wrap", "opacity", "box-shadow",
        "object-fit", "aspect-ratio",
    }
)
_VALUE = re.compile(r"^[a-zA-Z0-9#%.\-+ ,/()]*$")
_FUNCTIONS = re.compile(r"([a-zA-Z-]+)\(")
_ALLOWED_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla", "calc"})


def safe_value(value: str) -> bool:
    value = value.strip()
    if not value or len(value) > 120 or not _VALUE.match(value):
        return False
    return all(name.lower() in _ALLOWED_FUNCTIONS for name in _FUNCTIONS.findall(value))


def inline_style(style: Mapping[str, str], base: Mapping[str, str] | None = None) -> str:
    """The ``style`` attribute text: ``base`` declarations, then the allowed user ones."""
    declarations = dict(base or {})
    for name, value in style.items():
        prop = name.strip().lower()
        if prop in ALLOWED_PROPERTIES and isinstance(value, str) and safe_value(value):
            declarations[prop] = value.strip()
    return "; ".join(f"{name}: {value}" for name, value in declarations.items())
