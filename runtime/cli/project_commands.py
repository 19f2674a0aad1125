"""Commands about definitions and serving: serve, new, validate, migrate, mcp, schema."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from runtime.cli.common import EXIT_FAILED, EXIT_OK, Command, UsageError, database_of, say, slugs_of, workspace_arg, workspace_of


def _configure_serve(parser: argparse.ArgumentParser) -> None:
    workspace_arg(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", default=8000, type=int, help="port to listen on (default: 8000)")
    parser.add_argument("--workers", default=1, type=int, help="worker processes (default: 1)")
    parser.add_argument("--pool-size", default=int(os.environ.get("MINIMOMEN_POOL_SIZE", "20")), type=int,
                        help="database connections per worker and project (default: $MINIMOMEN_POOL_SIZE or 20)")


def _serve(args: argparse.Namespace) -> int:
    from runtime.serve import ServeOptions, serve

    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.pool_size < 2:
        raise UsageError("--pool-size must be at least 2")
    return serve(ServeOptions(workspace=args.workspace, host=args.host, port=args.port, workers=args.workers, pool_size=args.pool_size))


def _configure_new(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("slug", help="folder name of the new project, e.g. my_shop")
    parser.add_argument("--from", dest="from_slug", metavar="SLUG", help="copy the definition of this project")
    parser.add_argument("--name", help="display name (default: the slug)")
    workspace_arg(parser)


def _new(args: argparse.Namespace) -> int:
    workspace = workspace_of(args)
    if args.from_slug and not workspace.exists(args.from_slug):
        raise UsageError(f"there is no project `{args.from_slug}` to copy in {args.workspace}")
    workspace.create(args.slug, args.name or args.slug, from_slug=args.from_slug)
    print(f"created {workspace.project_dir(args.slug)}")
    return EXIT_OK


def _configure_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("slug", nargs="?", help="project to check (default: every project)")
    workspace_arg(parser)


def _validate(args: argparse.Namespace) -> int:
    from builder.errors import StorageError
    from builder.validation import format_report, validate

    workspace = workspace_of(args)
    failed = False
    for slug in slugs_of(args):
        try:
            report = validate(workspace.load_raw(slug))
        except StorageError as exc:  # unreadable app.json: report it and go on with the others
            print(f"{slug}: INVALID\n  error: {exc.message}")
            failed = True
            continue
        failed = failed or not report.ok
        print(f"{slug}: {'valid' if report.ok else 'INVALID'}")
        if report.problems:
            print("\n".join(f"  {line}" for line in format_report(report).splitlines()))
    return EXIT_FAILED if failed else EXIT_OK


def _configure_migrate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("slug", nargs="?", help="project to migrate (default: every project)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    parser.add_argument("--allow-data-loss", action="store_true", help="go ahead even if fields or tables holding data are dropped")
    workspace_arg(parser)


def _announce(server: Any, slug: str, version: int | None) -> None:
    """Tell running servers of this database (``runtime.publish_sync``) to serve the version at once."""
    import asyncio
    import uuid

    from runtime.publish_sync import Event, announce

    asyncio.run(announce(server, Event("published", slug, f"cli-{uuid.uuid4().hex}", version)))


def _migrate(args: argparse.Namespace) -> int:
    from runtime.definitions import load_valid
    from runtime.migrations import publish_definition

    workspace = workspace_of(args)
    slugs = slugs_of(args)
    definitions = {slug: load_valid(workspace, slug) for slug in slugs}
    server = database_of(args)
    try:
        for slug, definition in definitions.items():
            say(f"migrating {slug}…")
            plan = publish_definition(
                server, slug, definition, workspace.project_dir(slug),
                allow_data_loss=args.allow_data_loss, dry_run=args.dry_run,
            )
            print(f"{slug}{' (dry run)' if args.dry_run else ''}: {plan.describe()}")
            if plan.revision:
                print(f"  revision: {plan.revision}")
            if not args.dry_run:
                _announce(server, slug, plan.version)
    finally:
        server.stop()
    return EXIT_OK


def _configure_mcp(parser: argparse.ArgumentParser) -> None:
    workspace_arg(parser)
    parser.add_argument("--project", metavar="SLUG", help="limit the session to this project (default: every project)")


def _mcp(args: argparse.Namespace) -> int:
    from runtime.mcp.server import run_stdio

    if args.project and not workspace_of(args).exists(args.project):
        raise UsageError(f"there is no project `{args.project}` in {args.workspace}")
    return run_stdio(Path(args.workspace), project=args.project, database_url=os.environ.get("DATABASE_URL") or None)


def _configure_schema(parser: argparse.ArgumentParser) -> None:
    pass


def _schema(args: argparse.Namespace) -> int:
    from builder.definition import json_schema

    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


COMMANDS: tuple[Command, ...] = (
    Command("serve", "publish every project of the workspace, then serve it (designer, GraphQL, pages)", _configure_serve, _serve),
    Command("new", "create a project, blank or copied from another", _configure_new, _new),
    Command("validate", "check definitions and list every problem (exit 1 if any error)", _configure_validate, _validate),
    Command("migrate", "publish definitions to the database and print the plan", _configure_migrate, _migrate),
    Command("mcp", "serve the MCP server on stdin/stdout for AI assistants (Cursor, Claude Desktop, VS Code)", _configure_mcp, _mcp),
    Command("schema", "print the JSON Schema of app.json", _configure_schema, _schema),
)
