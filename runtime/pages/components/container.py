"""Layout container: a row or column of children, plain, as a card, or as a page header."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.pages.components.base import ComponentKind


class ContainerKind(ComponentKind):
    type = "container"
    tree_fields = frozenset({"children", "not_found"})

    def base_style_of(self, component: Any) -> Mapping[str, str]:
        return {"gap": f"{component.gap}px", "padding": f"{component.padding}px"}
