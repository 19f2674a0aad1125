"""What a publish did (or would do), and why it may be refused."""

from __future__ import annotations

from dataclasses import dataclass, field

from runtime.types import RuntimeError_


@dataclass
class MigrationPlan:
    version: int  # the definition version now applied (or that would be, on a dry run)
    steps: list[str] = field(default_factory=list)  # human-readable
    revision: str | None = None  # path of the revision file written, None when the schema did not change
    changed: bool = False  # False: the definition was already applied, nothing was done
    destructive: list[str] = field(default_factory=list)  # what would be lost (refused unless allowed)

    def describe(self) -> str:
        """The plan as lines a person reads (``minimomen migrate`` prints it)."""
        if not self.changed:
            return f"version {self.version}: already up to date, nothing to do"
        lines = [f"version {self.version}:"] + [f"  - {step}" for step in self.steps]
        lines += [f"  ! {loss}" for loss in self.destructive]
        return "\n".join(lines)


class MigrationRefused(RuntimeError_):
    """A change would destroy data (refused unless allowed) or cannot be applied to the existing rows."""

    code = "MIGRATION_REFUSED"

    def __init__(self, reasons: list[str], *, overridable: bool):
        hint = " Publish again with --allow-data-loss (\"allow data loss\") to go ahead." if overridable else ""
        super().__init__("The migration was refused: " + "; ".join(reasons) + "." + hint, extra={"reasons": reasons})
        self.reasons = reasons
        self.overridable = overridable


class MigrationFailed(RuntimeError_):
    """PostgreSQL rejected a step; everything was rolled back."""

    code = "MIGRATION_FAILED"
