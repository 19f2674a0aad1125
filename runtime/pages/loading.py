"""First-paint data of a page, loaded through the GraphQL executor with the visitor's session.

Going through ``runtime.graphql.execute`` means pages see exactly what the
visitor's role may select, and that the browser's live subscription (same
operation text) starts from the same result.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from builder.page_inputs import INPUT_TYPES
from builder.pages import ListComponent, Page, walk_components
from runtime.pages.components.base import ListData, PageData, RecordData
from runtime.pages.queries import ListQuery
from runtime.pages.records import friendly_error, record_containers
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


def error_message(response: Mapping[str, Any], what: str = "list") -> str | None:
    errors = response.get("errors") or []
    return friendly_error(errors, what) if errors else None


async def load_list(project: Any, state: Any, session: Session, query: ListQuery, scope: Scope, what: str = "list") -> ListData:
    from runtime.graphql.execute import execute

    variables = query.variables(scope.resolve, scope.page)
    try:
        response = await execute(project, session, query.text("query"), variables, state=state)
    except Exception:
        log.exception("loading %s %s failed", what, query.root)
        return ListData(rows=[], error=f"Could not load this {what}.")
    message = error_message(response, what)
    rows = (response.get("data") or {}).get(query.root)
    if message or not isinstance(rows, list):
        return ListData(rows=[], error=message or f"Could not load this {what}.")
    total = None
    if query.paging is not None and query.paging.count:
        counted = await execute(project, session, query.paging.count, {"where": variables["where"]} if "where" in variables else None, state=state)
        total = ((((counted.get("data") or {}).get(f"{query.root}_aggregate") or {}).get("aggregate")) or {}).get("count")
    return ListData(rows=rows, total=total)


async def load_record(project: Any, state: Any, session: Session, container: Any, query: ListQuery, scope: Scope) -> RecordData:
    """The container's row; not found without a query when its id is null (a missing parameter)."""
    if container.record.row_id is not None and scope.value(container.record.row_id) is None:
        return RecordData()
    loaded = await load_list(project, state, session, query, scope, "record")
    return RecordData(row=loaded.rows[0] if loaded.rows else None, error=loaded.error)


def input_defaults(page: Page, scope: Scope) -> dict[str, Any]:
    """What the page's inputs (outside lists) hold at first paint: their bound defaults."""
    nested = {inner.id for outer in walk_components(page.components) if isinstance(outer, ListComponent) for inner in walk_components(outer.item)}
    return {c.id: scope.value(c.default) for c in walk_components(page.components) if c.type in INPUT_TYPES and c.id not in nested}


async def load_page(project: Any, state: Any, session: Session, page: Page, queries: Mapping[str, ListQuery],
                    records: Mapping[str, ListQuery] | None = None, params: Mapping[str, Any] | None = None,
                    options: Mapping[str, ListQuery] | None = None) -> PageData:
    """Globals, variables, parameters, records, then the first rows of every list, as this visitor may see them.

    Records load first (outermost first) so that lists and defaults can bind them.
    """
    logged_in = session.account_id is not None
    account = await current_account(project, state, session) if logged_in else None
    globals_ = {"is_logged_in": logged_in, "current_account": account}
    variables = page_variables(page)
    scope = Scope(globals=globals_, page=variables, params=dict(params or {}))
    containers = {c.id: c for c in record_containers(page.components)}
    loaded_records: dict[str, RecordData] = {}
    for container_id, query in (records or {}).items():
        loaded_records[container_id] = found = await load_record(project, state, session, containers[container_id], query, scope)
        scope = scope.with_record(container_id, found.row)
    scope = replace(scope, inputs=input_defaults(page, scope))
    loaded = await asyncio.gather(*(load_list(project, state, session, query, scope) for query in queries.values()))
    choices = await asyncio.gather(*(load_list(project, state, session, query, scope) for query in (options or {}).values()))
    return PageData(
        globals=globals_, variables=variables, lists=dict(zip(queries, loaded)), params=scope.params,
        records=loaded_records, options={key: data.rows for key, data in zip(options or {}, choices)},
    )
