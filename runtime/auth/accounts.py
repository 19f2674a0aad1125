"""Accounts: sign up and log in with a username and a password.

``authenticate`` is the one entry point (GraphQL ``authenticateWithUsername``
and the pages' login form both call it). Credentials live in
``minimomen.credential``, apart from the public ``account`` table.

Repeated failures slow down the address they come from, never the owner
logging in from elsewhere: see ``runtime.auth.throttle``. Usernames are unique
and looked up regardless of case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection, errors

from runtime.auth import throttle
from runtime.auth.errors import LoginFailed
from runtime.auth.passwords import (
    check_password,
    check_username,
    hash_password,
    needs_rehash,
    verify_password,
)
from runtime.auth.roles import effective_roles, fetch_account_version
from runtime.auth.state import auth_state
from runtime.auth.tokens import issue_token
from runtime.system_tables import SCHEMA
from runtime.types import BadUserInput, ConstraintViolation

WRONG_CREDENTIALS = "wrong username or password"

Account = dict[str, Any]


async def authenticate(project: Any, username: str, password: str, register: bool = False,
                       address: str | None = None) -> tuple[Account, str]:
    """Log in (or, with ``register``, sign up) and return ``(account, token)``.

    ``address`` is the client's address (failures are counted per username and address).

    The account is ``{"id", "username", "roles"}``; the token is a JWT of this
    project valid for ``settings.token_ttl_minutes``.
    """
    if register:
        account_id = await _register(project, username, password)
    else:
        account_id = await _log_in(project, username, password, address)
    account, token, _expires = await issue_session(project, account_id)
    return account, token


async def issue_session(project: Any, account_id: int, ttl_minutes: int | None = None) -> tuple[Account, str, dt.datetime]:
    """The account (with roles), a fresh token for it and when that expires."""
    async with project.pool.connection() as conn:
        found = await fetch_account_version(conn, account_id)
    if found is None:
        raise LoginFailed(WRONG_CREDENTIALS)
    username, custom, version = found
    auth_state(project).remember(account_id, username, custom, version)
    ttl = ttl_minutes if ttl_minutes is not None else project.state.resolved.definition.settings.token_ttl_minutes
    token, expires = issue_token(project, account_id, ttl, version)
    return {"id": account_id, "username": username, "roles": list(effective_roles(project, custom))}, token, expires


async def create_account(conn: AsyncConnection, username: str, password_hash: str) -> int:
    """Insert an account and its credential on ``conn`` (the caller's transaction)."""
    try:
        async with conn.transaction():  # a savepoint: a taken name leaves the caller's transaction usable
            cur = await conn.execute('INSERT INTO public."account" (username) VALUES (%s) RETURNING id', (username,))
            row = await cur.fetchone()
            assert row is not None
            await conn.execute(
                f"INSERT INTO {SCHEMA}.credential (account_id, password_hash) VALUES (%s, %s)", (row[0], password_hash)
            )
    except errors.UniqueViolation as exc:
        raise BadUserInput(f"the username `{username}` is already taken; choose another or log in") from exc
    except errors.IntegrityError as exc:
        detail = exc.diag.message_primary or "a constraint of the account table"
        raise ConstraintViolation(f"the account cannot be created: {detail}") from exc
    return int(row[0])


async def _register(project: Any, username: str, password: str) -> int:
    check_username(username)
    check_password(password)
    password_hash = await hash_password(password)
    async with project.pool.connection() as conn, conn.transaction():
        return await create_account(conn, username, password_hash)


async def _log_in(project: Any, username: str, password: str, address: str | None) -> int:
    if not isinstance(username, str) or not isinstance(password, str) or len(password) > 1024 or len(username) > 200:
        raise LoginFailed(WRONG_CREDENTIALS)
    async with project.pool.connection() as conn:
        async with conn.transaction():
            verdict = await throttle.check(conn, username, address)
            if verdict.wait_seconds:
                raise LoginFailed(f"too many attempts, try again in {verdict.wait_seconds} s",
                                  extra={"retry_after_seconds": verdict.wait_seconds})
            cur = await conn.execute(
                f"""SELECT c.account_id, c.password_hash
                    FROM {SCHEMA}.credential AS c JOIN public."account" AS a ON a.id = c.account_id
                    WHERE lower(a.username) = lower(%s) ORDER BY a.username = %s DESC, a.id LIMIT 1""",
                (username, username),
            )
            row = await cur.fetchone()
            if row is None:
                await verify_password(None, password)  # same cost as a real check: no username probing by timing
                account_id, password_hash, right = 0, None, False
            else:
                account_id, password_hash = int(row[0]), row[1]
                right = await verify_password(password_hash, password)
            if not right:
                await throttle.record_failure(conn, username, address)
            else:
                await throttle.record_success(conn, username, address)
                if password_hash is not None and needs_rehash(password_hash):
                    await conn.execute(
                        f"UPDATE {SCHEMA}.credential SET password_hash = %s WHERE account_id = %s",
                        (await hash_password(password), account_id),
                    )
    # Raised after the commit, so the failure is counted.
    if not right:
        raise LoginFailed(WRONG_CREDENTIALS)
    return account_id


async def change_password(project: Any, account_id: int, current: str, new: str, address: str | None = None) -> tuple[Account, str]:
    """Set a new password after checking the current one, revoke every earlier token, return a fresh one.

    The current password is checked like a login (same throttling), so this is no
    side door for guessing it.
    """
    check_password(new)
    async with project.pool.connection() as conn:
        found = await fetch_account_version(conn, account_id)
    if found is None:
        raise LoginFailed("this account no longer exists")
    try:
        checked = await _log_in(project, found[0], current, address)
    except LoginFailed as exc:
        if exc.message == WRONG_CREDENTIALS:
            raise LoginFailed("the current password is not right") from exc
        raise
    if checked != account_id:
        raise LoginFailed("the current password is not right")
    password_hash = await hash_password(new)
    async with project.pool.connection() as conn:  # one statement: no moment with the new password and old tokens
        await conn.execute(f"UPDATE {SCHEMA}.credential SET password_hash = %s, token_version = token_version + 1 WHERE account_id = %s",
                           (password_hash, account_id))
    auth_state(project).forget(account_id)
    account, token, _expires = await issue_session(project, account_id)
    return account, token
