"""Per-project secrets (admin token, JWT signing secret), kept in ``minimomen.secret``.

Created on first use with ``secrets.token_urlsafe(32)``; concurrent first uses
(several workers starting at once) agree on one value because the insert is
``ON CONFLICT DO NOTHING`` and everyone reads back what was stored.
"""

from __future__ import annotations

import secrets

import psycopg

from runtime.project import ProjectSecrets
from runtime.system_tables import PUBLISH_DDL, SCHEMA

ADMIN_TOKEN = "admin_token"
JWT_SECRET = "jwt_secret"


def _ensure(conn: psycopg.Connection, name: str) -> str:
    conn.execute(
        f"INSERT INTO {SCHEMA}.secret (name, value) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
        (name, secrets.token_urlsafe(32)),
    )
    row = conn.execute(f"SELECT value FROM {SCHEMA}.secret WHERE name = %s", (name,)).fetchone()
    assert row is not None
    return str(row[0])


def _ensure_tables(conn: psycopg.Connection) -> None:
    if conn.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.secret",)).fetchone() == (None,):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('minimomen:system-ddl'))")
            for statement in PUBLISH_DDL:
                conn.execute(statement)  # type: ignore[arg-type]


def load_or_create_secrets(conninfo: str) -> ProjectSecrets:
    """The project's secrets, created (race-safely) when missing."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        _ensure_tables(conn)
        return ProjectSecrets(jwt_secret=_ensure(conn, JWT_SECRET), admin_token=_ensure(conn, ADMIN_TOKEN))


def rotate_admin_token(conninfo: str) -> str:
    """Replace the admin token with a fresh one and return it; the old token stops working."""
    token = secrets.token_urlsafe(32)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        _ensure_tables(conn)
        conn.execute(
            f"INSERT INTO {SCHEMA}.secret (name, value) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
            (ADMIN_TOKEN, token),
        )
    return token
