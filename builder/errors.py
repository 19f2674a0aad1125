"""Errors of the builder package, and the ``Problem`` they carry.

A ``Problem`` is one thing wrong with a definition: where (a JSON path such as
``actionflows[0].nodes[1].filter``), what (a sentence a no-code builder
understands), how bad (``error`` or ``warning``) and which designer objects it
belongs to (``location``: ids such as ``{"actionflow": ..., "node": ...}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
PathPart = str | int

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def format_path(parts: Sequence[PathPart]) -> str:
    """Render path parts as ``a.b[0].c``; keys that are not plain names are quoted (``filter["input.x"]``)."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]".replace("'", '"')
    return text


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    severity: Severity = "error"
    location: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "message": self.message, "severity": self.severity, "location": dict(self.location)}


class BuilderError(Exception):
    """Base of every error the builder raises; ``message`` is meant for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StorageError(BuilderError):
    """A project cannot be read, written, created or found in the workspace."""


class RefactorError(BuilderError):
    """A rename cannot be applied (unknown id, taken or reserved name)."""


class DefinitionError(BuilderError):
    """A definition cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem], message: str | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"] or list(self.problems)
        if message is None:
            first = errors[0].message if errors else "the definition is invalid"
            more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
            message = first + more
        super().__init__(message)
