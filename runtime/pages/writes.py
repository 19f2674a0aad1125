"""``POST /p/<slug>/_write``: the row writes of page actions (Insert / Update / Delete row).

The browser sends the page, the action's id and the values of the references the
action reads (``{"refs": {"component.title_in.value": "...", "param.ticket_id": 7}}``).
The server finds the action in the *published* page (a request cannot invent one),
checks every input value it reads against that input's type and rules
(``runtime.pages.input_rules``; 422 with a message per input, nothing written), computes
the action's values and writes through GraphQL **as the visitor**, so the role's
insert / update / delete rules apply. A write the role may not make answers 403 with a
sentence (nothing written); success answers the written row as the visitor may read it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from builder.expressions import iter_refs
from builder.page_actions import ROW_WRITE_TYPES, walk_actions
from builder.page_inputs import INPUT_TYPES
from builder.pages import Page, walk_components
from builder.resolved import ResolvedProject, ResolvedTable
from runtime.auth.sessions import CSRF_HEADER, session_from_http
from runtime.db_errors import DatabaseUnavailable
from runtime.expressions import evaluate
from runtime.pages.access import may_open
from runtime.pages.cookies import add_security_headers
from runtime.pages.input_rules import check_input
from runtime.permissions import grants_for
from runtime.types import RuntimeError_, Session

log = logging.getLogger("minimomen.pages")

FORBIDDEN = "You are not allowed to make this change."
GONE = "This row does not exist any more, or you may not change it."
ACCESS_CODES = frozenset({"TABLE_ACCESS", "PERMISSION_DENIED", "FORBIDDEN", "PERMISSION_ERROR"})


def _answer(body: dict[str, Any], status: int = 200) -> JSONResponse:
    response = JSONResponse(body, status_code=status)
    add_security_headers(response)
    return response


def _error(message: str, status: int, fields: Mapping[str, str] | None = None) -> JSONResponse:
    return _answer({"ok": False, "error": message, "fields": dict(fields or {})}, status)


def find_write(page: Page, action_id: str) -> Any:
    """The row-write action ``action_id`` of ``page``, or None."""
    for component in walk_components(page.components):
        for chain in component.events.values():
            for action in walk_actions(chain):
                if action.id == action_id and action.type in ROW_WRITE_TYPES:
                    return action
    return None


def _inputs(page: Page) -> dict[str, Any]:
    return {c.id: c for c in walk_components(page.components) if c.type in INPUT_TYPES}


def _returned_columns(resolved: ResolvedProject, table: ResolvedTable, session: Session) -> list[str]:
    grant = grants_for(resolved, session).select(table)
    if grant is None:
        return []
    # an image / file field is an object: its id and signed URL (``result.cover.url``)
    return sorted(f"{name} {{ id url filename content_type size }}" if table.columns[name].asset else name
                  for name in table.columns if name in grant.columns)


def _allowed(resolved: ResolvedProject, table: ResolvedTable, session: Session, kind: str, values: Mapping[str, Any]) -> bool:
    """Whether the role may write these columns at all (rows are checked by the write itself)."""
    grants = grants_for(resolved, session)
    if grants.is_admin:
        return True
    grant = grants.insert(table) if kind == "insert_row" else grants.update(table) if kind == "update_row" else grants.delete(table)
    if grant is None:
        return False
    return kind == "delete_row" or set(values) <= set(getattr(grant, "columns", ()))


def _mutation(action: Any, table: ResolvedTable, columns: list[str]) -> tuple[str, str]:
    """(GraphQL text, root field) of the write; names come from the resolved table, never from the request."""
    name = table.name
    returning = " ".join(columns)
    if action.type == "insert_row":
        if not returning:
            return f"mutation ($o: [{name}_insert_input!]!) {{ insert_{name}(objects: $o) {{ affected_rows }} }}", f"insert_{name}"
        return f"mutation ($o: {name}_insert_input!) {{ insert_{name}_one(object: $o) {{ {returning} }} }}", f"insert_{name}_one"
    if action.type == "update_row":
        return (f"mutation ($id: bigint!, $s: {name}_set_input!) {{ update_{name}_by_pk(pk_columns: {{id: $id}}, _set: $s) {{ {returning or 'id'} }} }}",
                f"update_{name}_by_pk")
    return f"mutation ($id: bigint!) {{ delete_{name}_by_pk(id: $id) {{ id }} }}", f"delete_{name}_by_pk"


def _failure(errors: list[Any]) -> tuple[str, int]:
    first = errors[0] if errors else {}
    code = (first.get("extensions") or {}).get("code") if isinstance(first, dict) else None
    message = str(first.get("message") or "") if isinstance(first, dict) else ""
    if code in ACCESS_CODES or "no permission" in message or "not allowed" in message or "not defined by type" in message:
        return FORBIDDEN, 403
    return f"Could not save: {message or 'the change was refused.'}", 400


async def run_write(project: Any, session: Session, page: Page, action: Any, refs: Mapping[str, Any]) -> JSONResponse:
    from runtime.graphql.execute import execute

    state = project.state
    inputs = _inputs(page)
    fields: dict[str, str] = {}
    values: dict[str, Any] = {}
    # Only what the action reads counts, and every input it reads is checked, sent or not.
    read = sorted(set(iter_refs(getattr(action, "values", {}))) | set(iter_refs(getattr(action, "row_id", None))))
    for path in read:
        raw = refs.get(path)
        root, _, rest = path.partition(".")
        component_id, _, key = rest.partition(".")
        component = inputs.get(component_id) if root == "component" and key == "value" else None
        if component is not None:
            typed, problem = check_input(component, raw)
            if problem:
                fields[component_id] = problem
            values[path] = typed
        elif root != "component":
            values[path] = raw
    if fields:
        return _error("Check the highlighted fields.", 422, fields)

    def resolve(path: str) -> Any:
        if path in values:
            return values[path]
        return None

    try:
        table = state.resolved.tables_by_id[action.table]
    except KeyError:
        return _error("This form writes to a table that does not exist any more. Reload the page.", 409)
    try:
        row_values = {key: evaluate(expression, resolve) for key, expression in getattr(action, "values", {}).items()}
        row_id = evaluate(action.row_id, resolve) if action.type != "insert_row" else None
    except (ValueError, TypeError, ArithmeticError) as exc:
        return _error(f"Could not compute the values to save: {exc}", 400)
    if action.type != "insert_row" and (row_id is None or isinstance(row_id, bool) or not str(row_id).lstrip("-").isdigit()):
        return _error("There is no row to change here.", 400)
    if not _allowed(state.resolved, table, session, action.type, row_values):
        return _error(FORBIDDEN, 403)
    columns = _returned_columns(state.resolved, table, session)
    text, root = _mutation(action, table, columns)
    if action.type == "insert_row":
        variables: dict[str, Any] = {"o": [row_values] if root == f"insert_{table.name}" else row_values}
    elif action.type == "update_row":
        variables = {"id": int(str(row_id)), "s": row_values}
    else:
        variables = {"id": int(str(row_id))}
    try:
        response = await execute(project, session, text, variables, state=state)
    except Exception:
        log.exception("page write %s failed", action.id)
        return _error("Something went wrong while saving. Nothing was changed.", 500)
    errors = response.get("errors") or []
    if errors:
        message, status = _failure(errors)
        return _error(message, status)
    row = (response.get("data") or {}).get(root)
    if row is None:
        return _error(GONE, 404)
    if "affected_rows" in row:
        row = {}
    return _answer({"ok": True, "row": row})


def build_writes_router(runtime: Any) -> APIRouter:
    router = APIRouter()

    @router.post("/p/{slug}/_write", include_in_schema=False)
    async def write(slug: str, request: Request) -> JSONResponse:
        project = runtime.get(slug)
        if project is None:
            return _error(f"There is no app called “{slug}” here.", 404)
        try:
            session = await session_from_http(project, None, request.cookies, request.headers.get(CSRF_HEADER), "POST")
        except DatabaseUnavailable as exc:
            return _error(exc.message, 503)
        except RuntimeError_:
            return _error("Your session has ended. Reload the page and log in again.", 401)
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("refs", {}), dict):
            return _error("Send {page, action, refs}.", 400)
        page = project.state.resolved.pages.get(str(body.get("page")))
        action = find_write(page, str(body.get("action"))) if page is not None else None
        if page is None or action is None:
            return _error("This form is out of date. Reload the page.", 409)
        if not may_open(page, session):
            return _error("You do not have access to this page.", 403)
        return await run_write(project, session, page, action, body.get("refs") or {})

    return router
