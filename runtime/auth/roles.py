"""Which custom roles an account holds, and granting / revoking them (admin only).

Sessions learn roles by a database lookup cached per process for a few seconds
(``runtime.auth.state``), not from token claims: a role granted or revoked
applies to the very next request on this worker and within seconds on others,
without waiting for tokens to expire.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from runtime.auth.state import CachedAccount, auth_state
from runtime.system_tables import SCHEMA
from runtime.types import BadUserInput, NotFound

_ACCOUNT_WITH_ROLES = f"""
    SELECT a.username, coalesce(array_agg(r.role ORDER BY r.role) FILTER (WHERE r.role IS NOT NULL), '{{}}'),
           coalesce(c.token_version, 0)
    FROM public."account" AS a LEFT JOIN {SCHEMA}.account_role AS r ON r.account_id = a.id
         LEFT JOIN {SCHEMA}.credential AS c ON c.account_id = a.id
    WHERE a.id = %s GROUP BY a.id, a.username, c.token_version"""


async def fetch_account(conn: AsyncConnection, account_id: int) -> tuple[str, tuple[str, ...]] | None:
    """``(username, custom roles)`` of an account, or None when it does not exist."""
    found = await fetch_account_version(conn, account_id)
    return None if found is None else (found[0], found[1])


async def fetch_account_version(conn: AsyncConnection, account_id: int) -> tuple[str, tuple[str, ...], int] | None:
    """``(username, custom roles, token version)``; tokens of an older version are revoked."""
    cur = await conn.execute(_ACCOUNT_WITH_ROLES, (account_id,))
    row = await cur.fetchone()
    return None if row is None else (row[0], tuple(row[1]), int(row[2]))


async def revoke_tokens(project: Any, account_id: int) -> None:
    """Every token issued so far to ``account_id`` stops working (logout): at once on this worker, within seconds on others."""
    async with project.pool.connection() as conn:
        await conn.execute(f"UPDATE {SCHEMA}.credential SET token_version = token_version + 1 WHERE account_id = %s", (account_id,))
    auth_state(project).forget(account_id)


async def cached_account(project: Any, account_id: int) -> CachedAccount | None:
    """The account with its roles, from the short per-process cache or the database."""
    state = auth_state(project)
    cached = state.account(account_id)
    if cached is not None:
        return cached
    async with project.pool.connection() as conn:
        found = await fetch_account_version(conn, account_id)
    if found is None:
        state.forget(account_id)
        return None
    return state.remember(account_id, found[0], found[1], found[2])


def effective_roles(project: Any, custom: tuple[str, ...]) -> tuple[str, ...]:
    """``user`` plus the account's custom roles that the published definition declares."""
    declared = set(project.state.resolved.roles)
    return ("user", *(r for r in custom if r in declared))


def _declared_role(project: Any, role: str) -> str:
    declared = project.state.resolved.roles
    if role not in declared:
        choices = ", ".join(declared) or "none are declared"
        raise BadUserInput(f"role `{role}` is not a custom role of this project (custom roles: {choices}); anonymous and user are implicit")
    return role


async def _change_role(project: Any, account_id: int, role: str, *, grant: bool) -> dict[str, Any]:
    _declared_role(project, role)
    async with project.pool.connection() as conn:
        async with conn.transaction():
            if await fetch_account(conn, account_id) is None:
                raise NotFound(f"account {account_id} does not exist")
            if grant:
                statement = f"INSERT INTO {SCHEMA}.account_role (account_id, role) VALUES (%s, %s) ON CONFLICT DO NOTHING"
            else:
                statement = f"DELETE FROM {SCHEMA}.account_role WHERE account_id = %s AND role = %s"
            await conn.execute(statement, (account_id, role))
            found = await fetch_account(conn, account_id)
    # After the commit: the next request of this account reloads its roles.
    auth_state(project).forget(account_id)
    assert found is not None
    return {"id": account_id, "username": found[0], "roles": list(effective_roles(project, found[1]))}


async def assign_role(project: Any, account_id: int, role: str) -> dict[str, Any]:
    """Grant a custom role; granting one the account holds is a no-op."""
    return await _change_role(project, account_id, role, grant=True)


async def remove_role(project: Any, account_id: int, role: str) -> dict[str, Any]:
    """Revoke a custom role; revoking one the account lacks is a no-op."""
    return await _change_role(project, account_id, role, grant=False)


_HOLDERS = f"""
    SELECT a.id, a.username, array_agg(r.role ORDER BY r.role)
    FROM public."account" AS a JOIN {SCHEMA}.account_role AS r ON r.account_id = a.id
    WHERE (%(account_id)s::bigint IS NULL OR a.id = %(account_id)s)
      AND (%(role)s::text IS NULL OR EXISTS (
          SELECT 1 FROM {SCHEMA}.account_role AS f WHERE f.account_id = a.id AND f.role = %(role)s))
    GROUP BY a.id, a.username ORDER BY a.id LIMIT %(limit)s"""


async def role_holders(project: Any, *, role: str | None = None, account_id: int | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """Accounts holding a declared custom role (only ``role`` / only ``account_id`` when given), with their roles."""
    if role is not None:
        _declared_role(project, role)
    declared = set(project.state.resolved.roles)
    async with project.pool.connection() as conn:
        cur = await conn.execute(_HOLDERS, {"role": role, "account_id": account_id, "limit": limit})
        rows = await cur.fetchall()
    holders = []
    for account, username, roles in rows:
        custom = tuple(r for r in roles if r in declared)
        if custom:
            holders.append({"id": account, "username": username, "roles": list(effective_roles(project, custom))})
    return holders
