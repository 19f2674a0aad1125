"""API errors as data: every failure is ``{"detail": {"code", "message", "problems"?}}``.

``DesignerRoute`` turns builder errors and runtime callback errors raised in a
handler into that shape, so handlers stay free of try/except boilerplate and a
client never sees a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from builder.api.callbacks import CallbackError
from builder.errors import DefinitionError, RefactorError, StorageError

log = logging.getLogger("minimomen.designer")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": {"code": code, "message": message, **extra}}, status_code=status)


def _storage_status(exc: StorageError) -> int:
    return 404 if "does not exist" in exc.message else 409 if "already exists" in exc.message else 400


def response_for(exc: Exception) -> JSONResponse | None:
    """The JSON response for a known error, None for anything else."""
    if isinstance(exc, ApiError):
        return error_response(exc.status, exc.code, exc.message, **exc.extra)
    if isinstance(exc, DefinitionError):
        return error_response(422, "INVALID_DEFINITION", exc.message, problems=[p.to_json() for p in exc.problems])
    if isinstance(exc, StorageError):
        return error_response(_storage_status(exc), "STORAGE", exc.message)
    if isinstance(exc, RefactorError):
        return error_response(400, "REFACTOR", exc.message)
    if isinstance(exc, CallbackError):
        return error_response(exc.status, exc.code, exc.message, **exc.details)
    return None


def _location(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")] if isinstance(loc, (list, tuple)) else []
    return ".".join(parts) or "body"


def invalid_request(exc: RequestValidationError) -> JSONResponse:
    """422 naming each bad part of a request that does not fit its route (a body that is not JSON, a wrong type ...)."""
    problems = [{"path": _location(e.get("loc")), "message": str(e.get("msg", "is not valid"))} for e in exc.errors()[:20]]
    first = problems[0] if problems else {"path": "body", "message": "is not valid"}
    return error_response(422, "BAD_REQUEST", f"The request does not fit this route: `{first['path']}` {first['message']}.", problems=problems)


class DesignerRoute(APIRoute):
    """An APIRoute whose handler reports builder and runtime errors as JSON data."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException:
                raise
            except RequestValidationError as exc:  # FastAPI's own check of the body and parameters: the caller's mistake
                return invalid_request(exc)
            except Exception as exc:  # reported as data below, never as a stack trace
                response = response_for(exc)
                if response is not None:
                    return response
                log.exception("designer API %s %s failed", request.method, request.url.path)
                return error_response(500, "INTERNAL", "Something went wrong on the server; the server log has the details.")

        return guarded
