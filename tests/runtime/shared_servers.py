"""Helpers of the tests that run several real servers on one database prefix: designer client, versions, clean-up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import psycopg
from psycopg import sql

from runtime.database import DatabaseServer
from tests.conftest import DESIGNER_TOKEN, LiveServer


@contextmanager
def designer(server: LiveServer) -> Iterator[httpx.Client]:
    """A designer API client of ``server``: signed in, with the CSRF header on every request."""
    with httpx.Client(base_url=server.url, timeout=120) as client:
        csrf = client.post("/api/session", json={"token": DESIGNER_TOKEN}).json()["csrf"]
        client.headers["X-Designer-CSRF"] = csrf
        yield client


def project_db(db_server: DatabaseServer, prefix: str, slug: str) -> psycopg.Connection[Any]:
    """An autocommit connection to project ``slug``'s database under ``prefix``."""
    server = DatabaseServer(db_server.url, prefix=prefix)
    return server.connect(server.database_name(slug), autocommit=True)


def applied_versions(db_server: DatabaseServer, prefix: str, slug: str) -> list[int]:
    with project_db(db_server, prefix, slug) as conn:
        return [r[0] for r in conn.execute("SELECT version FROM minimomen.applied_definition ORDER BY version")]


def drop_databases(db_server: DatabaseServer, prefix: str) -> None:
    """Drop every database whose name starts with ``prefix`` (the servers' connections are cut)."""
    with db_server.connect(autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (prefix,))]
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
