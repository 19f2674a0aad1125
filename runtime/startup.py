"""What start-up serves of a project: app.json when it publishes, else the last published version, else nothing.

The designer autosaves app.json, so at start-up it often holds an unpublished
draft. A draft that cannot be published — invalid, unreadable, or refused by the
migration because it would destroy data — must not take the live app down, nor
stop the server's other projects: the project keeps serving the version last
published (``minimomen.applied_definition``) and one line says why; a project
never published is left out until it is published from the designer.

``serve``'s parent process and every worker (``Runtime.start``) decide with
``choose_startup``, so they agree. ``minimomen migrate`` stays strict: it is the
explicit command and still fails on the same drafts.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from builder.definition import Definition
from builder.errors import BuilderError, DefinitionError
from builder.storage import Workspace
from runtime.database import DatabaseServer
from runtime.definitions import load_valid
from runtime.migrations import (
    MigrationFailed,
    MigrationPlan,
    MigrationRefused,
    publish_definition,
)
from runtime.publish_sync import latest_applied

FIX_AND_PUBLISH = "fix it in the designer, then publish"
CONFIRM_LOSS = "publish it from the designer to confirm the data loss"
_PROJECT_PREFIX = re.compile(r"^Project `[^`]*`: ")


@dataclass(frozen=True)
class DraftProblem:
    """Why app.json was not published: ``details`` for the log, ``kind`` for API clients, ``remedy`` for the builder."""

    details: str
    kind: str
    remedy: str


def _invalid(exc: DefinitionError) -> DraftProblem:
    errors = [p for p in exc.problems if p.severity == "error"] or list(exc.problems)
    if not errors:
        return DraftProblem(exc.message, "app.json is not valid", FIX_AND_PUBLISH)
    first = f"{errors[0].message} [{errors[0].path}]"
    more = f", and {len(errors) - 1} more error{'s' if len(errors) != 2 else ''}" if len(errors) > 1 else ""
    return DraftProblem(f"it is not valid: {first}{more}", "app.json is not valid", FIX_AND_PUBLISH)


def _unreadable(exc: BuilderError) -> DraftProblem:
    details = _PROJECT_PREFIX.sub("", exc.message).rstrip(".")  # the log line names the project already
    return DraftProblem(details, "app.json cannot be read", FIX_AND_PUBLISH)


def _refused(exc: MigrationRefused) -> DraftProblem:
    details = "; ".join(exc.reasons)
    if exc.overridable:
        return DraftProblem(details, "publishing app.json would destroy data", CONFIRM_LOSS)
    return DraftProblem(details, "the existing data does not allow app.json's changes", FIX_AND_PUBLISH)


def _failed(exc: MigrationFailed) -> DraftProblem:
    return DraftProblem(exc.message, "the migration of app.json failed", FIX_AND_PUBLISH)


# The draft problems start-up survives, looked up along the exception's MRO (DefinitionError before BuilderError).
# Anything else (the database server away, a port in use ...) still stops the server.
_EXPLAIN: dict[type[BaseException], Callable[[Any], DraftProblem]] = {
    DefinitionError: _invalid,
    BuilderError: _unreadable,
    MigrationRefused: _refused,
    MigrationFailed: _failed,
}
DRAFT_ERRORS = tuple(_EXPLAIN)


def explain(exc: BaseException) -> DraftProblem:
    """The ``DraftProblem`` of one of ``DRAFT_ERRORS``."""
    for cls in type(exc).__mro__:
        if cls in _EXPLAIN:
            return _EXPLAIN[cls](exc)
    raise TypeError(f"not a draft problem: {exc!r}")


@dataclass(frozen=True)
class StartupChoice:
    """What start-up serves of one project: ``definition`` as ``version``, or nothing (both None)."""

    slug: str
    definition: Definition | None
    version: int | None
    plan: MigrationPlan | None = None  # app.json was published (or already was): what that did
    problem: DraftProblem | None = None  # app.json was not published: why

    def problem_line(self) -> str | None:
        """The one log line saying what became of an unpublished app.json; None when it was published."""
        problem = self.problem
        if problem is None:
            return None
        if self.definition is None:
            return f"project {self.slug}: not served: app.json cannot be published ({problem.details}); {problem.remedy}"
        return (
            f"project {self.slug}: app.json was not published ({problem.details}; {problem.remedy}); "
            f"serving published version {self.version}"
        )

    def public_reason(self) -> str:
        """Why the project is not served, for API clients: the kind of problem only (details stay in the log)."""
        kind = self.problem.kind if self.problem else "it has not been published"
        return f"Project {self.slug!r} is not served: {kind}. Its builder can fix it and publish it from the designer."


def _publish_app_json(server: DatabaseServer, workspace: Workspace, slug: str) -> tuple[Definition, MigrationPlan]:
    definition = load_valid(workspace, slug)
    return definition, publish_definition(server, slug, definition, workspace.project_dir(slug))


async def choose_startup(server: DatabaseServer, workspace: Workspace, slug: str) -> StartupChoice:
    """Publish ``slug``'s app.json (never allowing data loss); on a draft problem fall back to the last published version."""
    try:
        definition, plan = await asyncio.to_thread(_publish_app_json, server, workspace, slug)
        return StartupChoice(slug, definition, plan.version, plan=plan)
    except DRAFT_ERRORS as exc:
        problem = explain(exc)
    applied = await latest_applied(server, slug)
    if applied is None:
        return StartupChoice(slug, None, None, problem=problem)
    return StartupChoice(slug, applied.definition, applied.version, problem=problem)
