"""Database errors that say "the database cannot serve you now", not "your request is wrong": a retryable 503.

A connection lost (PostgreSQL killed or restarting), the server shutting down or
starting, too many clients, or no pool connection free in time: the request gets
``DATABASE_UNAVAILABLE`` (HTTP 503, documented as retryable) with the reason, never
``INTERNAL``, and the project's other requests and the workspace's other projects
go on.
"""

from __future__ import annotations

import psycopg
from psycopg_pool import PoolTimeout

from runtime.types import RuntimeError_

__all__ = ["DatabaseUnavailable", "unavailable"]


class DatabaseUnavailable(RuntimeError_):
    """The project's database cannot serve the request now (gone, restarting, no connection to spare): 503, retry."""

    code = "DATABASE_UNAVAILABLE"
    http_status = 503


# Trouble with the connection, not with the request: lost (class 08, or no SQLSTATE at all: the
# socket closed, a pool timeout), the server shutting down or starting (57P0x), too many clients.
_UNAVAILABLE = {"57P01": "the database server is shutting down", "57P02": "the database server is shutting down",
                "57P03": "the database server is starting", "53300": "the database server has no connection to spare"}


def unavailable(exc: psycopg.Error) -> DatabaseUnavailable | None:
    """The retryable 503 for a database that cannot be reached or has no connection free; None for other errors."""
    state = exc.sqlstate
    if state is not None and not state.startswith("08") and state not in _UNAVAILABLE:
        return None
    if state is None and not isinstance(exc, psycopg.OperationalError):
        return None
    if isinstance(exc, PoolTimeout):
        reason = "no database connection became free in time"
    else:
        reason = _UNAVAILABLE.get(state or "", "the connection to the database was lost")
    return DatabaseUnavailable(f"The project's database cannot serve this request right now ({reason}); try again in a moment")
