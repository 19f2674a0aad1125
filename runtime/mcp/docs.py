"""The project's own documentation served to models: sections of the README and docs/pages.md."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
PAGES_DOC = REPO / "docs" / "pages.md"
FORMULA = "Formula: the expression language"


def readme_section(title: str, level: int = 2) -> str:
    """One section of the README (``level`` 2: ``## title``, 3: ``### title``); empty when the README is not shipped alongside."""
    if not README.is_file():
        return ""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^{'#' * level} {re.escape(title)}\n(.*?)(?=^#{{1,{level}}} |\Z)", text, flags=re.S | re.M)
    return match.group(0).strip() if match else ""
