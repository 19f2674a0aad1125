"""How a list inside a list's item is tied to the row around it: the one shape both sides agree on.

A nested list follows its parent's row through one ``<foreign key> = item.<field>``
conjunct of its filter; the rest of the filter may not read ``item.*``. The
runtime (``runtime.pages.nesting``) loads such a list with its parent, and the
validator (``builder.validation.nested_lists``) warns about every other shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from builder.expressions import is_ref


def item_link(condition: Mapping[str, Any]) -> tuple[tuple[str, str] | None, dict[str, Any]]:
    """The first ``column: {"_eq": {"ref": "item.<field>"}}`` conjunct and the filter without it.

    A top-level key, or a part of a top-level ``_and`` (searched the same way);
    nothing inside ``_or`` or ``_not``.
    """
    rest: dict[str, Any] = {}
    link: tuple[str, str] | None = None
    for key, value in condition.items():
        if link is None and not key.startswith("_") and (field := _item_field(value)) is not None:
            link = (key, field)
        elif link is None and key == "_and" and isinstance(value, list):
            kept: list[Any] = []
            for part in value:
                inner, remainder = item_link(part) if isinstance(part, Mapping) else (None, part)
                if link is None and inner is not None:
                    link = inner
                    if remainder:
                        kept.append(remainder)
                else:
                    kept.append(part)
            if kept:
                rest[key] = kept
        else:
            rest[key] = value
    return link, rest


def _item_field(condition: Any) -> str | None:
    if isinstance(condition, Mapping) and set(condition) == {"_eq"} and is_ref(condition["_eq"]):
        ref = condition["_eq"]["ref"]
        if isinstance(ref, str) and ref.startswith("item.") and "." not in ref[5:]:
            return ref[5:]
    return None


def uses_item(tree: Any) -> bool:
    """True when a filter (or part of one) reads ``item.*`` anywhere."""
    if isinstance(tree, list):
        return any(uses_item(part) for part in tree)
    if isinstance(tree, Mapping):
        if is_ref(tree):
            return isinstance(tree["ref"], str) and tree["ref"].startswith("item")
        return any(key.startswith("item.") or uses_item(value) for key, value in tree.items())
    return False
