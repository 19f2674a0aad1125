"""The theme's colours, derived from the project's accent colour (``settings.accent_color``)."""

from __future__ import annotations

import re

_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")
DEFAULT_ACCENT = "#4f46e5"


def _rgb(color: str) -> tuple[int, int, int]:
    match = _HEX.fullmatch(color) or _HEX.fullmatch(DEFAULT_ACCENT)
    assert match is not None
    value = match.group(1)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: tuple[float, ...]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def theme_variables(accent: str) -> dict[str, str]:
    """CSS custom properties: the accent, a darker shade for hover, a tint, readable text on it."""
    rgb = _rgb(accent)
    darker = _hex(tuple(c * 0.85 for c in rgb))
    tint = _hex(tuple(c + (255 - c) * 0.9 for c in rgb))
    on_accent = "#ffffff" if _luminance(rgb) < 0.45 else "#111827"
    return {"--mm-accent": _hex(rgb), "--mm-accent-strong": darker, "--mm-accent-tint": tint, "--mm-on-accent": on_accent}
