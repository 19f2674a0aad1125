"""A table node's SQL, built once per shape and re-bound on every run.

Composing SQL costs more CPU than sending it, and a node runs the same statement
thousands of times. The statement is built by ``runtime.data.crud`` with
``VarRef`` placeholders for every value; only what changes the SQL text — a
filter value that is null (``_eq: null`` means no restriction) or a boolean
(``_is_null: true``) — goes into the cache key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from psycopg import sql

from builder.expressions import is_ref
from runtime.actionflows.run import Run
from runtime.data.crud import fetch_rows
from runtime.data.sql import Params, VarRef

MAX_SHAPES = 64  # beyond this, statements are built per run (never wrong, only slower)

Build = Callable[[Params, Any, Mapping[str, Any]], sql.Composed]
Shape = tuple[Any, ...]


def _bind(value: Any, run: Run, variables: dict[str, Any], shape: list[Any]) -> Any:
    """``value`` with refs replaced by ``VarRef``s (or by null/boolean literals, which shape the SQL)."""
    if is_ref(value):
        path = value["ref"]
        resolved = run.resolve(path)
        if resolved is None or isinstance(resolved, bool):
            shape.append(resolved)
            return resolved
        shape.append(VarRef)
        variables["r:" + path] = resolved
        return VarRef("r:" + path)
    if isinstance(value, dict):
        if len(value) == 1 and "literal" in value:
            return value["literal"]
        return {k: _bind(v, run, variables, shape) for k, v in value.items()}
    if isinstance(value, list):
        return [_bind(v, run, variables, shape) for v in value]
    return value


class Statement:
    """The statement of one node: ``build(params, filter, values)`` with values as ``VarRef``s."""

    def __init__(self, build: Build, filter_: Any = None):
        self.build = build
        self.filter = filter_
        self._compiled: dict[Shape, tuple[bytes, Params]] = {}

    async def rows(self, run: Run, values: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        variables: dict[str, Any] = {}
        shape: list[Any] = []
        bound = _bind(self.filter, run, variables, shape)
        slots: dict[str, Any] = {}
        for name, value in (values or {}).items():
            variables["v:" + name] = value
            slots[name] = VarRef("v:" + name)
        key = tuple(shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            params = Params(variables)
            text = self.build(params, bound, slots).as_bytes(run.conn)
            if len(self._compiled) < MAX_SHAPES:
                self._compiled[key] = (text, params)
            return await fetch_rows(run.conn, text, params.values)
        text, params = compiled
        return await fetch_rows(run.conn, text, params.bind(variables))
