"""Errors of the GraphQL layer, and the translation of database errors into client errors.

A client sees a code and a sentence, never a stack trace: unexpected errors are
logged with their details and answered with ``INTERNAL``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import psycopg
from psycopg import errors as pg

from runtime.db_errors import unavailable
from runtime.types import BadUserInput, ConstraintViolation, RuntimeError_

log = logging.getLogger("minimomen.graphql")


class RequestError(RuntimeError_):
    """The request itself is unusable (a malformed body, a document over the limits): HTTP 400."""

    code = "BAD_REQUEST"
    http_status = 400


class PayloadTooLarge(RequestError):
    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


class MethodNotAllowed(RequestError):
    code = "METHOD_NOT_ALLOWED"
    http_status = 405


class DocumentErrors(RuntimeError_):
    """The document does not parse or validate, or variables do not coerce: one or more errors."""

    http_status = 400

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(errors[0]["message"] if errors else "invalid request", code=errors[0]["extensions"]["code"] if errors else None)
        self.errors = errors

    def to_graphql_list(self) -> list[dict[str, Any]]:
        return self.errors


def graphql_error(message: str, code: str, locations: Any = None, path: Any = None, request_path: str | None = None) -> dict[str, Any]:
    """One error object; ``request_path`` is Hasura's ``extensions.path`` into the request (``$.selectionSet.x``)."""
    error: dict[str, Any] = {"message": message}
    if locations:
        error["locations"] = [{"line": loc.line, "column": loc.column} for loc in locations]
    if path:
        error["path"] = list(path)
    error["extensions"] = {"code": code, "path": request_path} if request_path else {"code": code}
    return error


def errors_of(exc: RuntimeError_) -> list[dict[str, Any]]:
    if isinstance(exc, DocumentErrors):
        return exc.to_graphql_list()
    return [exc.to_graphql()]


_KEY = re.compile(r"Key \((?P<columns>[^)]*)\)=")
_RETRYABLE = ("40001", "40P01")


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, psycopg.Error) and exc.sqlstate in _RETRYABLE


def from_database(exc: psycopg.Error) -> RuntimeError_:
    """A client error for a database error caused by the request's data (or a 503 for an unreachable database); INTERNAL otherwise."""
    gone = unavailable(exc)
    if gone is not None:
        log.warning("database unavailable: %s", str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        return gone
    diag = exc.diag
    detail = diag.message_detail or ""
    key = _KEY.search(detail)
    columns = key.group("columns") if key else None
    table = diag.table_name
    if isinstance(exc, pg.UniqueViolation):
        what = f" ({columns})" if columns else ""
        return ConstraintViolation(
            f'Uniqueness violation: a row of {table} with the same value{what} already exists (constraint "{diag.constraint_name}")',
            extra={"constraint": diag.constraint_name},
        )
    if isinstance(exc, (pg.ForeignKeyViolation, pg.RestrictViolation)):
        if "is still referenced" in detail or isinstance(exc, pg.RestrictViolation):
            message = f'Foreign key violation: the row is still referenced from table {table} (constraint "{diag.constraint_name}")'
        else:
            message = f'Foreign key violation: {columns or "a field"} of {table} does not reference an existing row (constraint "{diag.constraint_name}")'
        return ConstraintViolation(message, extra={"constraint": diag.constraint_name})
    if isinstance(exc, pg.NotNullViolation):
        return ConstraintViolation(f"Not-NULL violation: field `{diag.column_name}` of {table} is required", extra={"field": diag.column_name})
    if isinstance(exc, pg.CheckViolation):
        return ConstraintViolation(f'Check violation on {table} (constraint "{diag.constraint_name}")', extra={"constraint": diag.constraint_name})
    if isinstance(exc, (pg.IntegrityConstraintViolation, psycopg.IntegrityError)):
        return ConstraintViolation(f"Constraint violation on {table}: {diag.message_primary}", extra={"constraint": diag.constraint_name})
    if isinstance(exc, psycopg.DataError) or (exc.sqlstate or "").startswith("22"):  # class 22: a bad value (number, date, regex ...)
        if exc.sqlstate == "22023":  # raised on purpose by the runtime's own functions (e.g. an asset of someone else)
            return BadUserInput(f"Invalid value: {diag.message_primary}")
        return BadUserInput(f"Invalid value: {diag.message_primary}", code="DATA_EXCEPTION")
    log.error("database error (%s): %s", exc.sqlstate, exc)
    return RuntimeError_("Internal error: the request could not be completed", code="INTERNAL")
