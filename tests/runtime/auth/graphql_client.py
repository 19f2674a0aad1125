"""A tiny GraphQL-over-HTTP client for the auth tests: results as data or as error codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

# A field a role may not use is absent from its schema: the document fails validation.
# The GraphQL layer may instead answer TABLE_ACCESS; both mean denied. Codes here are
# Momen's classification (extensions.classification).
DENIED = frozenset({"TABLE_ACCESS", "GRAPHQL_VALIDATION_FAILED"})


@dataclass
class Result:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def codes(self) -> set[str]:
        return {(e.get("extensions") or {}).get("classification", "") for e in self.body.get("errors") or []}

    @property
    def ok(self) -> bool:
        return not self.body.get("errors")

    def denied(self) -> bool:
        return bool(self.codes) and self.codes <= DENIED and not any((self.data or {}).values())

    def field(self, name: str) -> Any:
        assert self.ok, self.body
        return self.data[name]


def gql(url: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None, headers: dict[str, str] | None = None) -> Result:
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    response = httpx.post(url, json={"query": query, "variables": variables or {}}, headers=sent, timeout=30)
    assert "Traceback" not in response.text, response.text
    return Result(response.status_code, response.json())


def log_in(url: str, username: str, password: str, register: bool = False) -> tuple[int, str]:
    result = gql(
        url,
        "mutation($u: String!, $p: String!, $r: Boolean) { authenticateWithUsername(username: $u, password: $p, register: $r) { account { id username roles } jwt { token } } }",
        {"u": username, "p": password, "r": register},
    )
    auth = result.field("authenticateWithUsername")
    return int(auth["account"]["id"]), auth["jwt"]["token"]
