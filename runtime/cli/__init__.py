"""The ``minimomen`` command line: serve, new, validate, migrate, token, secret, mcp, schema, logs.

Each command is a small function registered in ``COMMANDS`` with its arguments
(``project_commands``, ``database_commands``; shared helpers in ``common``).
Exit codes scripts rely on: 0 ok, 1 invalid definition / refused migration /
other failure, 2 usage error. No traceback reaches the user: known errors become
one clear message on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from runtime.cli import database_commands as db
from runtime.cli import project_commands as pc
from runtime.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Command, UsageError, say

COMMANDS: tuple[Command, ...] = (*pc.COMMANDS, *db.COMMANDS)


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
        say(f"error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except _known_errors() as exc:
        say(f"error: {_one_line(exc)}")
        return EXIT_FAILED

