"""What every command of the ``minimomen`` command line shares: exit codes, the workspace, the database."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_WORKSPACE = "projects"

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """The command was called wrongly (exit code 2)."""


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Handler


def workspace_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", default=DEFAULT_WORKSPACE, type=Path, help="folder of projects (default: ./projects)")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def workspace_of(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from builder.storage import Workspace

    return Workspace(args.workspace)


def slugs_of(args: argparse.Namespace) -> list[str]:
    """The project named on the command line, else every project of the workspace."""
    workspace = workspace_of(args)
    if args.slug:
        if not workspace.exists(args.slug):
            raise UsageError(f"there is no project `{args.slug}` in {args.workspace}")
        return [args.slug]
    slugs = [info.slug for info in workspace.list_projects()]
    if not slugs:
        raise UsageError(f"there are no projects in {args.workspace}")
    return slugs


def database_of(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from runtime.database import DatabaseServer

    return DatabaseServer.start(
        Path(args.workspace).resolve(), database_url=os.environ.get("DATABASE_URL") or None, progress=say
    )
