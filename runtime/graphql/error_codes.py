"""The one table from the runtime's error codes to what clients of both ecosystems read.

Inside the runtime an error carries one code (``RuntimeError_.code``, ``graphql_error``).
On the wire (HTTP answers and every WebSocket protocol) ``public`` rewrites each error's
``extensions``: ``code`` in Hasura's vocabulary (what Hasura and Apollo clients switch
on), ``classification`` Momen's (the runtime's own code: ``TABLE_ACCESS``,
``ACTION_FLOW`` ...), and ``path`` as Hasura writes it when one is known
(``$.selectionSet.product.selectionSet.stok``, ``$.variableValues.o.starts_at``).
``public`` is idempotent: an error already rewritten (a replayed idempotent response)
passes unchanged. A code missing from the table (added by another module) is sent in
kebab case, so a new code never breaks the contract.
"""

from __future__ import annotations

from typing import Any

# runtime code -> Hasura's extensions.code. The runtime code itself is the classification.
HASURA_CODES: dict[str, str] = {
    "BAD_REQUEST": "bad-request",
    "INVALID_JSON": "invalid-json",
    "PAYLOAD_TOO_LARGE": "bad-request",
    "BATCH_TOO_LARGE": "bad-request",
    "METHOD_NOT_ALLOWED": "not-supported",
    "UNSUPPORTED_MEDIA_TYPE": "not-supported",
    "GRAPHQL_PARSE_FAILED": "parse-failed",
    "GRAPHQL_VALIDATION_FAILED": "validation-failed",
    "BAD_USER_INPUT": "validation-failed",
    "QUERY_TOO_DEEP": "validation-failed",
    "QUERY_TOO_LARGE": "validation-failed",
    "TOO_MANY_ROOT_FIELDS": "validation-failed",
    "TOO_MANY_SUBSCRIPTIONS": "bad-request",
    "BAD_FILENAME": "validation-failed",
    "BAD_CHECKSUM": "validation-failed",
    "DATA_EXCEPTION": "data-exception",
    "CONSTRAINT_VIOLATION": "constraint-violation",
    "TABLE_ACCESS": "access-denied",
    "PERMISSION_CHECK": "permission-error",
    "ACTION_FLOW": "access-denied",
    "CSRF": "access-denied",
    "UNAUTHENTICATED": "invalid-jwt",
    "NOT_FOUND": "not-exists",
    "ACTION_FLOW_FAILED": "unexpected",
    "CONFLICT": "concurrent-update",
    "SCHEMA_CHANGED": "concurrent-update",
    "DATABASE_UNAVAILABLE": "postgres-error",
    "PROJECT_NOT_SERVED": "unexpected",
    "INTERNAL": "unexpected",
}

# Codes whose Momen classification is not the code itself.
CLASSIFICATIONS: dict[str, str] = {"PERMISSION_CHECK": "TABLE_ACCESS"}


def hasura_code(code: str) -> str:
    return HASURA_CODES.get(code) or code.lower().replace("_", "-")


def public(error: dict[str, Any]) -> dict[str, Any]:
    """``error`` as clients see it (a new dict; ``error`` is not changed)."""
    extensions = error.get("extensions") or {}
    if "classification" in extensions:
        return error
    code = str(extensions.get("code") or "INTERNAL")
    out = {key: value for key, value in error.items() if key != "extensions"}
    rest = {key: value for key, value in extensions.items() if key not in ("code", "path")}
    public_ext: dict[str, Any] = {"code": hasura_code(code), "classification": CLASSIFICATIONS.get(code, code)}
    path = extensions.get("path")
    if path:
        public_ext["path"] = path
    elif isinstance(error.get("path"), list):
        public_ext["path"] = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".selectionSet.{p}" for p in error["path"])
    else:
        public_ext["path"] = "$"
    out["extensions"] = {**public_ext, **rest}
    return out


def public_all(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [public(error) for error in errors]
