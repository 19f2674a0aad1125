"""Errors of the auth package; each carries the code a client sees in ``extensions.code``."""

from __future__ import annotations

from runtime.types import RuntimeError_

UNAUTHENTICATED = "UNAUTHENTICATED"


class InvalidToken(RuntimeError_):
    """A token was sent but is not valid for this project: the request is refused (401)."""

    code = UNAUTHENTICATED
    http_status = 401


class LoginFailed(RuntimeError_):
    """Wrong credentials or too many attempts: a normal GraphQL error, not a transport failure."""

    code = UNAUTHENTICATED
