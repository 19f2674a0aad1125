"""Loading ``app.json`` data: upgrade older formats, then parse into a ``Definition``.

``UPGRADERS[n]`` turns format ``n`` data into format ``n + 1``; loading applies
them in turn up to ``FORMAT_VERSION``. Format 1 is the first, so the table is
empty until format 2 exists. Unknown or newer formats are refused clearly.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from builder.definition import FORMAT_VERSION, Definition
from builder.errors import DefinitionError, Problem

Upgrader = Callable[[dict[str, Any]], dict[str, Any]]

UPGRADERS: dict[int, Upgrader] = {}
FIRST_FORMAT = 1


def _refuse(message: str) -> DefinitionError:
    return DefinitionError([Problem(path="format", message=message, location={})])


def format_of(data: dict[str, Any]) -> int:
    """The format number of raw data; data without one is format 1 (the first)."""
    version = data.get("format", FIRST_FORMAT)
    if isinstance(version, bool) or not isinstance(version, int):
        raise _refuse(f"Field `format`: must be a whole number (this minimomen reads formats {FIRST_FORMAT} to {FORMAT_VERSION}).")
    return version


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Return ``data`` upgraded to ``FORMAT_VERSION`` (a copy when anything changed)."""
    version = format_of(data)
    if version > FORMAT_VERSION:
        raise _refuse(
            f"This app was saved in format {version} by a newer minimomen; this version reads formats up to "
            f"{FORMAT_VERSION}. Upgrade minimomen to open it."
        )
    if version < FIRST_FORMAT:
        raise _refuse(f"Format {version} is unknown; the first format is {FIRST_FORMAT}.")
    if version == FORMAT_VERSION:
        return data
    upgraded = copy.deepcopy(data)
    while version < FORMAT_VERSION:
        step = UPGRADERS.get(version)
        if step is None:
            raise _refuse(f"There is no upgrade from format {version} to format {version + 1}.")
        upgraded = step(upgraded)
        version += 1
        upgraded["format"] = version
    return upgraded


def load_definition(data: dict[str, Any], *, strict: bool = False) -> Definition:
    """Upgrade and parse ``data``; raise ``DefinitionError`` listing every problem.

    With ``strict`` the cross-reference checks must pass too (warnings are allowed),
    as the runtime requires before publishing; the designer loads non-strictly so
    a half-finished app can be opened and fixed.
    """
    # Validation reads ``upgrade`` from this module, so it is imported when used.
    from builder.validation import parse_definition, validate_definition

    definition, problems = parse_definition(data)
    if definition is None:
        raise DefinitionError(problems)
    if strict:
        errors = [p for p in validate_definition(definition) if p.severity == "error"]
        if errors:
            raise DefinitionError(errors)
    return definition
