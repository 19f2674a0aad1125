"""The ``minimomen`` command line: serve, new, validate, migrate, token, secret, mcp, schema, logs.

Each command is a small function registered in ``COMMANDS`` with its arguments.
Exit codes scripts rely on: 0 ok, 1 invalid definition / refused migration /
other failure, 2 usage error. No traceback reaches the user: known errors become
one clear message on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def _workspace_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", default=DEFAULT_WORKSPACE, type=Path, help="folder of projects (default: ./projects)")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _workspace(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from builder.storage import Workspace

    return Workspace(args.workspace)


def _slugs(args: argparse.Namespace) -> list[str]:
    """The project named on the command line, else every project of the workspace."""
    workspace = _workspace(args)
    if args.slug:
        if not workspace.exists(args.slug):
            raise UsageError(f"there is no project `{args.slug}` in {args.workspace}")
        return [args.slug]
    slugs = [info.slug for info in workspace.list_projects()]
    if not slugs:
        raise UsageError(f"there are no projects in {args.workspace}")
    return slugs


def _database(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from runtime.database import DatabaseServer

    return DatabaseServer.start(
        Path(args.workspace).resolve(), database_url=os.environ.get("DATABASE_URL") or None, progress=_say
    )


# ---------------------------------------------------------------- commands


def _configure_serve(parser: argparse.ArgumentParser) -> None:
    _workspace_arg(parser)
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
    _workspace_arg(parser)


def _new(args: argparse.Namespace) -> int:
    workspace = _workspace(args)
    if args.from_slug and not workspace.exists(args.from_slug):
        raise UsageError(f"there is no project `{args.from_slug}` to copy in {args.workspace}")
    workspace.create(args.slug, args.name or args.slug, from_slug=args.from_slug)
    print(f"created {workspace.project_dir(args.slug)}")
    return EXIT_OK


def _configure_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("slug", nargs="?", help="project to check (default: every project)")
    _workspace_arg(parser)


def _validate(args: argparse.Namespace) -> int:
    from builder.errors import StorageError
    from builder.validation import format_report, validate

    workspace = _workspace(args)
    failed = False
    for slug in _slugs(args):
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
    _workspace_arg(parser)


def _announce(server: Any, slug: str, version: int | None) -> None:
    """Tell running servers of this database (``runtime.publish_sync``) to serve the version at once."""
    import asyncio
    import uuid

    from runtime.publish_sync import Event, announce

    asyncio.run(announce(server, Event("published", slug, f"cli-{uuid.uuid4().hex}", version)))


def _migrate(args: argparse.Namespace) -> int:
    from runtime.definitions import load_valid
    from runtime.migrations import publish_definition

    workspace = _workspace(args)
    slugs = _slugs(args)
    definitions = {slug: load_valid(workspace, slug) for slug in slugs}
    server = _database(args)
    try:
        for slug, definition in definitions.items():
            _say(f"migrating {slug}…")
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


def _configure_token(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("slug", help="project whose admin token to print")
    parser.add_argument("--rotate", action="store_true", help="replace the token by a new one (the old one stops working)")
    _workspace_arg(parser)


def _token(args: argparse.Namespace) -> int:
    from runtime.secrets import load_or_create_secrets, rotate_admin_token

    _slugs(args)
    server = _database(args)
    try:
        dbname = server.database_name(args.slug)
        server.ensure_database(dbname)
        conninfo = server.conninfo(dbname)
        token = rotate_admin_token(conninfo) if args.rotate else load_or_create_secrets(conninfo).admin_token
    finally:
        server.stop()
    print(f"Admin token of {args.slug}{' (rotated)' if args.rotate else ''}:")
    print(token)
    return EXIT_OK


def _configure_secret(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("set", "list", "delete"), help="set (value read from standard input), list (names only) or delete")
    parser.add_argument("slug", help="project whose secrets to change")
    parser.add_argument("name", nargs="?", help="secret name (lowercase letters, digits, _), for set and delete")
    _workspace_arg(parser)


def _secret(args: argparse.Namespace) -> int:
    from runtime.integrations import secrets as project_secrets

    _slugs(args)
    if args.action != "list" and not args.name:
        raise UsageError(f"`minimomen secret {args.action}` needs a secret name")
    value = ""
    if args.action == "set":
        import getpass

        # Never from the command line (shell history, process list): standard input or a prompt.
        value = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass(f"Value of {args.name}: ")
    server = _database(args)
    try:
        dbname = server.database_name(args.slug)
        server.ensure_database(dbname)
        conninfo = server.conninfo(dbname)
        if args.action == "set":
            project_secrets.set_secret(conninfo, args.name, value)
            print(f"Secret {args.name} of {args.slug} set.")
        elif args.action == "delete":
            found = project_secrets.delete_secret(conninfo, args.name)
            print(f"Secret {args.name} of {args.slug} {'deleted' if found else 'did not exist'}.")
        else:
            for entry in project_secrets.list_secrets(conninfo):
                print(f"{entry['name']}  {entry['hint']}  (set {entry['updated_at']})")
    finally:
        server.stop()
    return EXIT_OK
def _configure_mcp(parser: argparse.ArgumentParser) -> None:
    _workspace_arg(parser)
    parser.add_argument("--project", metavar="SLUG", help="limit the session to this project (default: every project)")


def _mcp(args: argparse.Namespace) -> int:
    from runtime.mcp.server import run_stdio

    if args.project and not _workspace(args).exists(args.project):
        raise UsageError(f"there is no project `{args.project}` in {args.workspace}")
    return run_stdio(Path(args.workspace), project=args.project, database_url=os.environ.get("DATABASE_URL") or None)


def _configure_schema(parser: argparse.ArgumentParser) -> None:
    pass


def _schema(args: argparse.Namespace) -> int:
    from builder.definition import json_schema

    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


def _configure_logs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("slug", help="project whose actionflow runs to list")
    parser.add_argument("--limit", type=int, default=50, help="how many runs, newest first (default: 50)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line instead of text")
    _workspace_arg(parser)


def _logs(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("runtime.actionflows.runlog") is None:
        _say("error: the actionflow run log is not available in this version")
        return EXIT_FAILED
    runlog = importlib.import_module("runtime.actionflows.runlog")
    _slugs(args)
    server = _database(args)
    try:
        dbname = server.database_name(args.slug)
        if not server.database_exists(dbname):
            raise UsageError(f"project `{args.slug}` has not been published yet (run `minimomen migrate {args.slug}`)")
        entries = runlog.recent(server.conninfo(dbname), args.limit)
    finally:
        server.stop()
    for entry in entries:
        print(json.dumps(entry, default=str) if args.json else _run_line(entry))
    if not entries:
        _say("no actionflow runs yet")
    return EXIT_OK


def _run_line(entry: dict[str, object]) -> str:
    """One actionflow run as a line a person scans: when, outcome, flow, duration, caller, error."""
    when = entry.get("created_at")
    stamp = when.strftime("%Y-%m-%d %H:%M:%S") if hasattr(when, "strftime") else str(when)
    duration = entry.get("duration_ms")
    took = f"{duration:.1f} ms" if isinstance(duration, (int, float)) else "?"
    line = f"{stamp}  {entry.get('status')!s:<8} {entry.get('actionflow')} (v{entry.get('version')})  {took}  caller={entry.get('caller')}"
    if entry.get("error"):
        where = f" at node {entry.get('node')}" if entry.get("node") else ""
        line += f"  error{where}: {entry.get('error')}"
    for call in entry.get("calls") or []:  # type: ignore[attr-defined]
        line += f"  [{call.get('mode')} {call.get('method')} {call.get('host')} -> {call.get('status') or call.get('error') or 'queued'}]"
    return line


COMMANDS: tuple[Command, ...] = (
    Command("serve", "publish every project of the workspace, then serve it (designer, GraphQL, pages)", _configure_serve, _serve),
    Command("new", "create a project, blank or copied from another", _configure_new, _new),
    Command("validate", "check definitions and list every problem (exit 1 if any error)", _configure_validate, _validate),
    Command("migrate", "publish definitions to the database and print the plan", _configure_migrate, _migrate),
    Command("token", "print a project's admin token (last line of output)", _configure_token, _token),
    Command("secret", "set, list or delete a project's secrets (API keys, webhook keys); values are never printed", _configure_secret, _secret),
    Command("mcp", "serve the MCP server on stdin/stdout for AI assistants (Cursor, Claude Desktop, VS Code)", _configure_mcp, _mcp),
    Command("schema", "print the JSON Schema of app.json", _configure_schema, _schema),
    Command("logs", "print recent actionflow runs of a project", _configure_logs, _logs),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minimomen",
        description="minimomen: design an app as a JSON definition; get PostgreSQL tables, a GraphQL API, "
        "transactional actionflows and live pages.",
        epilog="Environment: DATABASE_URL (use this PostgreSQL instead of the embedded one), "
        "MINIMOMEN_DB_PREFIX (prefix of database names), MINIMOMEN_DESIGNER_TOKEN (designer login token for serve).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        child = sub.add_parser(command.name, help=command.help, description=command.help)
        command.configure(child)
        child.set_defaults(handler=command.run)
    return parser


def _known_errors() -> tuple[type[BaseException], ...]:
    import psycopg
    from sqlalchemy.exc import SQLAlchemyError

    from builder.errors import BuilderError
    from runtime.database import DatabaseError
    from runtime.types import RuntimeError_

    return (BuilderError, RuntimeError_, DatabaseError, psycopg.Error, SQLAlchemyError, OSError)


def _one_line(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
    return str(message).strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except UsageError as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except _known_errors() as exc:
        _say(f"error: {_one_line(exc)}")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
