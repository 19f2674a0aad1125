"""Simulated login for the designer's preview: a short-lived token for any (or a new) account.

Only the designer API may call this (it is behind the designer session); it
never needs the account's password.
"""

from __future__ import annotations

import secrets
from typing import Any

from runtime.auth.accounts import create_account, issue_session
from runtime.auth.passwords import check_username, hash_password
from runtime.types import BadUserInput, NotFound

MAX_TTL_MINUTES = 24 * 60


async def _find(project: Any, account_id: int | None, username: str | None) -> int | None:
    async with project.pool.connection() as conn:
        if account_id is not None:
            cur = await conn.execute('SELECT id FROM public."account" WHERE id = %s', (account_id,))
        else:
            cur = await conn.execute('SELECT id FROM public."account" WHERE username = %s', (username,))
        row = await cur.fetchone()
    return None if row is None else int(row[0])


async def _create(project: Any, username: str | None) -> int:
    name = check_username(username) if username else f"test_{secrets.token_hex(4)}"
    password_hash = await hash_password(secrets.token_urlsafe(24))  # nobody knows it: simulation only
    async with project.pool.connection() as conn, conn.transaction():
        return await create_account(conn, name, password_hash)


async def simulate_login(
    project: Any,
    *,
    account_id: int | None = None,
    username: str | None = None,
    create: bool = False,
    ttl_minutes: int = 60,
) -> dict[str, Any]:
    """``{"account": {id, username, roles}, "token", "expires_at"}`` for the chosen account.

    With ``create`` a test account is made (named ``username`` or ``test_<random>``)
    with a random password nobody knows.
    """
    if not 1 <= ttl_minutes <= MAX_TTL_MINUTES:
        raise BadUserInput(f"ttl_minutes must be between 1 and {MAX_TTL_MINUTES}")
    if create:
        chosen = await _create(project, username)
    else:
        if account_id is None and not username:
            raise BadUserInput("choose an account (account_id or username) or create a test account")
        found = await _find(project, account_id, username)
        if found is None:
            raise NotFound(f"account {account_id if account_id is not None else username} does not exist")
        chosen = found
    account, token, expires = await issue_session(project, chosen, ttl_minutes=ttl_minutes)
    return {"account": account, "token": token, "expires_at": expires.isoformat()}
