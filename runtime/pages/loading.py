"""First-paint data of a page, loaded through the GraphQL executor with the visitor's session.

Going through ``runtime.graphql.execute`` means pages see exactly what the
visitor's role may select, and that the browser's live subscription (same
operation text) starts from the same result.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from builder.pages import Page
from runtime.pages.components.base import ListData, PageData
from runtime.pages.queries import ListQuery
from runtime.pages.scope import Scope
from runtime.types import Session

log = logging.getLogger("minimomen.pages")

ACCOUNT_FIELDS = ("id", "username")


def page_variables(page: Page) -> dict[str, Any]:
    return {v.name: v.default for v in page.variables}


async def current_account(project: Any, state: Any, session: Session) -> dict[str, Any] | None:
    """The logged-in account's public fields (id, username), read as admin: it is the visitor's own row."""
    if session.account_id is None:
        return None
    from runtime.graphql.execute import execute

    query = f"query {{ account_by_pk(id: {int(session.account_id)}) {{ {' '.join(ACCOUNT_FIELDS)} }} }}"
    try:
        response = await execute(project, Session.admin(), query, None, state=state)
    except Exception:
        log.exception("loading the current account failed")
        response = {}
    account = (response.get("data") or {}).get("account_by_pk")
    return account or {"id": session.account_id, "username": session.username}


def error_message(response: Mapping[str, Any]) -> str | None:
    errors = response.get("errors") or []
    if not errors:
        return None
    return "Could not load this list: " + str(errors[0].get("message") or "unknown error")


async def load_list(project: Any, state: Any, session: Session, query: ListQuery, scope: Scope) -> ListData:
    from runtime.graphql.execute import execute

    try:
        response = await execute(project, session, query.text("query"), query.variables(scope.resolve), state=state)
    except Exception:
        log.exception("loading list %s failed", query.root)
        return ListData(rows=[], error="Could not load this list.")
    message = error_message(response)
    rows = (response.get("data") or {}).get(query.root)
    if message or not isinstance(rows, list):
        return ListData(rows=[], error=message or "Could not load this list.")
    return ListData(rows=rows)


async def load_page(project: Any, state: Any, session: Session, page: Page, queries: Mapping[str, ListQuery]) -> PageData:
    """Globals, page variables and the first rows of every list, as this visitor may see them."""
    logged_in = session.account_id is not None
    account = await current_account(project, state, session) if logged_in else None
    globals_ = {"is_logged_in": logged_in, "current_account": account}
    variables = page_variables(page)
    scope = Scope(globals=globals_, page=variables)
    loaded = await asyncio.gather(*(load_list(project, state, session, query, scope) for query in queries.values()))
    lists = dict(zip(queries, loaded))
    return PageData(globals=globals_, variables=variables, lists=lists)
