"""The shapes validation produces: ``Issue`` (from a check) and ``ValidationReport``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from builder.errors import PathPart, Problem, Severity


@dataclass(frozen=True)
class Issue:
    """What a check found, before the path is turned into a readable prefix.

    ``sentence`` completes "<Actionflow X, node Y>: ..." and ends with a period.
    """

    parts: tuple[PathPart, ...]
    sentence: str
    severity: Severity = "error"


@dataclass(frozen=True)
class ValidationReport:
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there is no error; warnings are allowed."""
        return not self.errors

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "problems": [p.to_json() for p in self.problems]}


def format_report(report: ValidationReport | Sequence[Problem]) -> str:
    """Plain text for the CLI: one line per problem, then a count."""
    problems = report.problems if isinstance(report, ValidationReport) else tuple(report)
    lines = [f"{p.severity}: {p.message}  [{p.path}]" for p in problems]
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if not problems:
        lines.append("The definition is valid.")
    else:
        lines.append(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}.")
    return "\n".join(lines)
