"""Shared by the designer's hooks and its stress test: an account's session, JSON-safe values."""

from __future__ import annotations

import datetime
from typing import Any

from builder.api.callbacks import CallbackError
from runtime.project import ProjectRuntime
from runtime.types import Session


def jsonable(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


async def user_session(project: ProjectRuntime, account_id: int) -> Session:
    """The session of a logged-in account (``user`` plus its declared custom roles)."""
    from runtime.auth.roles import effective_roles, fetch_account

    async with project.pool.connection() as conn:
        found = await fetch_account(conn, account_id)
    if found is None:
        raise CallbackError("NOT_FOUND", f"Account {account_id} does not exist.", status=404)
    username, custom = found
    return Session(role="user", account_id=account_id, roles=effective_roles(project, custom), username=username)
