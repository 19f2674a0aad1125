"""``edit_definition``: named operations applied to a copy of the draft, kept only if the whole result validates.

The operations come from ``ops_data``, ``ops_access``, ``ops_flows`` and ``ops_pages``; ``Operation``
is their union (discriminated by ``op``), so the tool's JSON schema lists each one.
``apply`` never touches the workspace: ``backend.Backend.edit`` saves the result
through ``Workspace.save`` (one history entry: one Undo step in the designer).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Annotated, Any, Union

from pydantic import Field

from builder.errors import Problem
from builder.loader import upgrade
from builder.validation import validate
from runtime.mcp import ops_access, ops_data, ops_flows, ops_pages
from runtime.mcp.ops_common import Json, Op, OperationError

REGISTRY: dict[str, tuple[type[Op], Any]] = {**ops_data.OPERATIONS, **ops_access.OPERATIONS, **ops_flows.OPERATIONS, **ops_pages.OPERATIONS}

Operation = Annotated[Union[tuple(model for model, _ in REGISTRY.values())], Field(discriminator="op")]  # type: ignore[valid-type]  # noqa: UP007


@dataclass
class EditResult:
    """What an edit came to: ``applied`` with the new draft, or every problem and nothing changed."""

    applied: bool
    draft: Json | None
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        errors = [p for p in self.problems if p.severity == "error"]
        return {
            "applied": self.applied,
            "problems": [p.to_json() for p in self.problems],
            "summary": (f"applied; {len(self.problems)} warning(s)" if self.applied
                        else f"nothing changed: {len(errors)} problem(s) — fix them all and send the whole edit again"),
        }


def apply(current: Json, operations: list[Op]) -> EditResult:
    """Apply ``operations`` in order to a copy of ``current``, then validate the whole result."""
    try:
        draft = copy.deepcopy(upgrade(current))
    except Exception as exc:  # noqa: BLE001 - an unreadable draft is reported, not raised
        return EditResult(False, None, [Problem(path="", message=f"The current draft cannot be read: {exc}")])
    for index, operation in enumerate(operations):
        _, handler = REGISTRY[operation.op]  # type: ignore[attr-defined]
        try:
            handler(draft, operation)
        except OperationError as exc:
            path = f"operations[{index}]" + (f".{exc.field}" if exc.field else "")
            return EditResult(False, None, [Problem(path=path, message=f"Operation {index} ({operation.op}): {exc.message}")])  # type: ignore[attr-defined]
    report = validate(draft)
    if not report.ok:
        return EditResult(False, None, list(report.problems))
    return EditResult(True, draft, list(report.problems))


def operation_names() -> list[str]:
    return sorted(REGISTRY)
