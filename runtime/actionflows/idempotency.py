"""At most one execution per ``Idempotency-Key`` and caller.

The key is claimed inside the request's own transaction: a twin arriving while
the first is running blocks on the uncommitted key row, then either sees the
stored response (the first committed) or takes over (the first rolled back).
"""

from __future__ import annotations

import json
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from runtime.system_tables import SCHEMA
from runtime.types import BadUserInput, Session

MAX_KEY_LENGTH = 200


class Replayed(Exception):
    """The Idempotency-Key already ran: roll back and answer with the stored response."""

    def __init__(self, response: dict[str, Any]):
        super().__init__("replayed")
        self.response = response


def check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadUserInput(f"the Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} characters")


def caller_of(session: Session) -> str:
    if session.is_admin:
        return "admin"
    if session.account_id is not None:
        return f"account:{session.account_id}"
    return "anonymous"


async def claim(conn: AsyncConnection, key: str, caller: str) -> dict[str, Any] | None:
    """Claim ``key`` for this transaction; return the first response if it already ran."""
    check_key(key)
    cur = await conn.execute(
        f"INSERT INTO {SCHEMA}.idempotency_key (key, caller) VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING 1",
        (key, caller),
    )
    if await cur.fetchone() is not None:
        return None
    cur = await conn.execute(f"SELECT response FROM {SCHEMA}.idempotency_key WHERE key = %s AND caller = %s", (key, caller))
    row = await cur.fetchone()
    response = row[0] if row else None
    return response if isinstance(response, dict) else json.loads(response) if isinstance(response, str) else {"data": None}


async def record(conn: AsyncConnection, key: str, caller: str, response: dict[str, Any]) -> None:
    """Store the response of the request that owns ``key`` (same transaction)."""
    await conn.execute(
        f"UPDATE {SCHEMA}.idempotency_key SET response = %s WHERE key = %s AND caller = %s",
        (Jsonb(response), key, caller),
    )
