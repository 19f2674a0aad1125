"""The reference paths a flow uses: what the compilers need to know about data flow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from builder.expressions import is_ref


def reference_paths(value: Any) -> Iterator[str]:
    """Every reference path in a dumped flow: ``{"ref": p}`` values and condition keys."""
    if isinstance(value, dict):
        if is_ref(value):
            yield value["ref"]
            return
        for key, item in value.items():
            if isinstance(key, str) and "." in key:
                yield key
            yield from reference_paths(item)
    elif isinstance(value, list):
        for item in value:
            yield from reference_paths(item)


def node_keys(paths: Iterator[str] | list[str]) -> dict[str, set[str]]:
    """Node id -> output keys the paths read (``*`` = the whole output)."""
    keys: dict[str, set[str]] = {}
    for path in paths:
        parts = path.split(".")
        if parts[0] == "node" and len(parts) >= 2:
            keys.setdefault(parts[1], set()).add(parts[2] if len(parts) > 2 else "*")
    return keys


def node_paths(paths: Iterator[str] | list[str]) -> dict[str, set[tuple[str, ...]]]:
    """Node id -> the whole paths read below it (``node.q.event.title`` -> ``("event", "title")``)."""
    found: dict[str, set[tuple[str, ...]]] = {}
    for path in paths:
        parts = path.split(".")
        if parts[0] == "node" and len(parts) > 2:
            found.setdefault(parts[1], set()).add(tuple(parts[2:]))
    return found
