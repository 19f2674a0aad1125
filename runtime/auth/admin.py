"""The admin token: compared in constant time, re-read from the secret store so rotation bites.

The token a process holds (``project.secrets``) is trusted for
``ADMIN_TOKEN_TTL_SECONDS`` only: after that the next admin request re-reads
``minimomen.secret``. A token that does not match triggers a re-read too (at
most every ``ADMIN_REFRESH_MIN_INTERVAL``), so a freshly rotated token works
at once while the old one stops working within seconds on every worker.
"""

from __future__ import annotations

import dataclasses
import hmac
import time
from typing import Any

from runtime.auth.state import (
    ADMIN_REFRESH_MIN_INTERVAL,
    ADMIN_TOKEN_TTL_SECONDS,
    auth_state,
)
from runtime.secrets import ADMIN_TOKEN as ADMIN_TOKEN_SECRET
from runtime.system_tables import SCHEMA


def _matches(token: str, expected: str) -> bool:
    return hmac.compare_digest(token.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


async def _refresh(project: Any) -> None:
    state = auth_state(project)
    async with state.admin_lock:
        if time.monotonic() - state.admin_checked_at < ADMIN_REFRESH_MIN_INTERVAL:
            return  # another request just re-read it
        async with project.pool.connection() as conn:
            cur = await conn.execute(f"SELECT value FROM {SCHEMA}.secret WHERE name = %s", (ADMIN_TOKEN_SECRET,))
            row = await cur.fetchone()
        if row is not None and row[0] != project.secrets.admin_token:
            project.secrets = dataclasses.replace(project.secrets, admin_token=row[0])
        state.admin_checked_at = time.monotonic()


async def is_admin_token(project: Any, token: str) -> bool:
    """Whether ``token`` is this project's current admin token."""
    state = auth_state(project)
    if time.monotonic() - state.admin_checked_at > ADMIN_TOKEN_TTL_SECONDS:
        await _refresh(project)
    if _matches(token, project.secrets.admin_token):
        return True
    if _looks_like_jwt(token):
        return False  # a user token: no reason to suspect a rotation
    if time.monotonic() - state.admin_checked_at >= ADMIN_REFRESH_MIN_INTERVAL:
        await _refresh(project)
        return _matches(token, project.secrets.admin_token)
    return False


def _looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("eyJ")
