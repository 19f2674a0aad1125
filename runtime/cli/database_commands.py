"""Commands that read or change a project's database: token, secret, logs."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys

from runtime.cli.common import EXIT_FAILED, EXIT_OK, Command, UsageError, database_of, say, slugs_of, workspace_arg


def _configure_token(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("slug", help="project whose admin token to print")
    parser.add_argument("--rotate", action="store_true", help="replace the token by a new one (the old one stops working)")
    workspace_arg(parser)


def _token(args: argparse.Namespace) -> int:
    from runtime.secrets import load_or_create_secrets, rotate_admin_token

    slugs_of(args)
    server = database_of(args)
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
    workspace_arg(parser)


def _secret(args: argparse.Namespace) -> int:
    from runtime.integrations import secrets as project_secrets

    slugs_of(args)
    if args.action != "list" and not args.name:
        raise UsageError(f"`minimomen secret {args.action}` needs a secret name")
    value = ""
    if args.action == "set":
        import getpass

        # Never from the command line (shell history, process list): standard input or a prompt.
        value = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass(f"Value of {args.name}: ")
    server = database_of(args)
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


def _configure_logs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("slug", help="project whose actionflow runs to list")
    parser.add_argument("--limit", type=int, default=50, help="how many runs, newest first (default: 50)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line instead of text")
    workspace_arg(parser)


def _logs(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("runtime.actionflows.runlog") is None:
        say("error: the actionflow run log is not available in this version")
        return EXIT_FAILED
    runlog = importlib.import_module("runtime.actionflows.runlog")
    slugs_of(args)
    server = database_of(args)
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
        say("no actionflow runs yet")
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
    Command("token", "print a project's admin token (last line of output)", _configure_token, _token),
    Command("secret", "set, list or delete a project's secrets (API keys, webhook keys); values are never printed", _configure_secret, _secret),
    Command("logs", "print recent actionflow runs of a project", _configure_logs, _logs),
)
