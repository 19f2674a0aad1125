"""Loading a project's definition for publishing: parsed, upgraded and validated, or refused."""

from __future__ import annotations

from builder.definition import Definition
from builder.errors import DefinitionError
from builder.storage import Workspace
from builder.validation import format_report, validate


def load_valid(workspace: Workspace, slug: str) -> Definition:
    """The definition of ``slug``; ``DefinitionError`` (every problem, formatted) when it has errors."""
    data = workspace.load_raw(slug)
    report = validate(data)
    if not report.ok:
        raise DefinitionError(report.problems, message=f"project {slug} is not valid:\n{format_report(report)}")
    return workspace.load(slug)
