"""Text that PostgreSQL cannot take is refused at the edge, naming where it was found.

A lone UTF-16 surrogate (``"\\ud800"`` in JSON) cannot be encoded as UTF-8 and a NUL
character cannot be stored in ``text`` or ``jsonb``; either would fail the statement it
reaches, which may be shared with other requests (``runtime.graphql.coalesce``). So
every string of a request's variables (keys too) and of its document is checked before
anything runs, and the request gets ``BAD_USER_INPUT`` naming the variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored by PostgreSQL, or None."""
    if "\x00" in value:
        return "holds a NUL character (\\u0000), which text cannot store"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "holds invalid Unicode (a lone UTF-16 surrogate such as \\ud800)"
    return None


def _find(value: Any, depth: int = 0) -> str | None:
    if isinstance(value, str):
        return text_problem(value)
    if depth > 64:
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            problem = (text_problem(key) if isinstance(key, str) else None) or _find(item, depth + 1)
            if problem:
                return problem
    elif isinstance(value, (list, tuple)):
        for item in value:
            problem = _find(item, depth + 1)
            if problem:
                return problem
    return None


def variables_problem(variables: Mapping[str, Any]) -> str | None:
    """A sentence naming the first variable whose text PostgreSQL cannot take, or None."""
    for name, value in variables.items():
        problem = _find(value)
        if problem:
            return f"variable `${name}` {problem}"
        if isinstance(name, str) and text_problem(name):
            return "a variable name holds invalid text"
    return None
